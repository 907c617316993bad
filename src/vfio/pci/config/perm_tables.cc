/* SPDX-License-Identifier: MIT */
#include "vfio/pci/config/perm_tables.h"

#include <array>

#include "pci/regs.h"
#include "vfio/pci/config/pci_defs.h"

namespace softvfio::vfio {

namespace r = pci::regs;
namespace d = defs;

namespace {

constexpr uint32_t kAll = 0xffffffffu;
constexpr uint32_t kNone = 0;

uint32_t gather(const std::vector<uint8_t> &bytes, unsigned offset, unsigned count)
{
	uint32_t v = 0;
	for (unsigned i = 0; i < count; i++) {
		if (offset + i < bytes.size())
			v |= uint32_t(bytes[offset + i]) << (8 * i);
	}
	return v;
}

/* A table with every byte readable, none writable, none virtual, using
 * the default paths: the kernel's starting point for a masked table. */
PermBits masked(unsigned size)
{
	PermBits p;
	size = (size + 3) & ~3u;
	p.read = ReadPath::Default;
	p.write = WritePath::Default;
	p.virt.assign(size, 0);
	p.writable.assign(size, 0);
	return p;
}

void set_bytes(PermBits &p, unsigned off, unsigned width, uint32_t virt, uint32_t write)
{
	for (unsigned i = 0; i < width; i++) {
		p.virt[off + i] = uint8_t(virt >> (8 * i));
		p.writable[off + i] = uint8_t(write >> (8 * i));
	}
}

void set8(PermBits &p, unsigned off, uint32_t virt, uint32_t write) { set_bytes(p, off, 1, virt, write); }
void set16(PermBits &p, unsigned off, uint32_t virt, uint32_t write) { set_bytes(p, off, 2, virt, write); }
void set32(PermBits &p, unsigned off, uint32_t virt, uint32_t write) { set_bytes(p, off, 4, virt, write); }

PermBits basic_perms()
{
	PermBits p = masked(r::kStdHeaderSize);
	p.read = ReadPath::Basic;
	p.write = WritePath::Basic;
	/* IDs are virtual so a VF's all-ones IDs can be replaced. */
	set16(p, r::kVendorId, kAll, kNone);
	set16(p, r::kDeviceId, kAll, kNone);
	/* INTx-disable is virtual: vfio masks INTx itself. */
	set16(p, r::kCommand, r::kCommandIntxDisable, kAll);
	/* CAP_LIST is virtual: the chain may end up empty. */
	set16(p, r::kStatus, r::kStatusCapList, kNone);
	set8(p, r::kCacheLineSize, kNone, kAll);
	set8(p, r::kLatencyTimer, kNone, kAll);
	set8(p, r::kBist, kNone, kAll);
	for (unsigned i = 0; i < 6; i++)
		set32(p, r::bar_offset(i), kAll, kAll);
	set32(p, r::kRomAddress, kAll, kAll);
	set8(p, r::kCapabilityList, kAll, kNone);
	set8(p, r::kInterruptLine, kAll, kAll);
	set8(p, r::kInterruptPin, kAll, kNone);
	return p;
}

PermBits pm_perms()
{
	PermBits p = masked(d::kPmSizeof);
	p.write = WritePath::Pm;
	set8(p, r::kCapNext, kAll, kNone);
	/* PME cannot reach the user: PME support and PME status/enable are
	 * virtual (and cleared at init); the state field is changed by vfio
	 * itself, so it is not writable. */
	set16(p, r::kPmPmc, r::kPmcPmeMask, kNone);
	set32(p, r::kPmCtrl, r::kPmCtrlPmeEnable | r::kPmCtrlPmeStatus,
	      ~uint32_t(r::kPmCtrlPmeEnable | r::kPmCtrlPmeStatus | r::kPmCtrlStateMask));
	return p;
}

PermBits vpd_perms()
{
	PermBits p = masked(d::kVpdSizeof);
	p.write = WritePath::Vpd;
	set8(p, r::kCapNext, kAll, kNone);
	set16(p, d::kVpdAddr, kAll, kAll);
	set32(p, d::kVpdData, kAll, kAll);
	return p;
}

PermBits pcix_perms()
{
	PermBits p = masked(d::kPcixSizeofV2);
	set8(p, r::kCapNext, kAll, kNone);
	set16(p, d::kPcixCmd, kNone, kAll);
	set32(p, d::kPcixEccCsr, kNone, kAll);
	return p;
}

PermBits exp_perms()
{
	PermBits p = masked(d::kExpV2EndpointLen);
	p.write = WritePath::Exp;
	set8(p, r::kCapNext, kAll, kNone);
	/* FLR, payload and read-request size are virtual (vfio acts on FLR
	 * and MRRS itself); phantom functions would confuse the IOMMU. */
	set16(p, r::kExpDevCtl,
	      r::kExpDevCtlBcrFlr | r::kExpDevCtlPayloadMask | r::kExpDevCtlReadRqMask,
	      ~uint32_t(d::kExpDevCtlPhantom));
	/* ARI forwarding is set up by the host at probe time. */
	set16(p, r::kExpDevCtl2, kNone, ~uint32_t(d::kExpDevCtl2Ari));
	return p;
}

PermBits af_perms()
{
	PermBits p = masked(d::kAfSizeof);
	p.write = WritePath::Af;
	set8(p, r::kCapNext, kAll, kNone);
	set8(p, r::kAfCtrl, r::kAfCtrlFlr, r::kAfCtrlFlr);
	return p;
}

PermBits err_perms()
{
	PermBits p = masked(d::kErrRootCommand);
	/* The whole header is virtual so the chain can skip capabilities. */
	set32(p, 0, kAll, kNone);
	set32(p, d::kErrUncorStatus, kNone, d::kErrUncWritable);
	set32(p, d::kErrUncorMask, kNone, d::kErrUncWritable);
	set32(p, d::kErrUncorSever, kNone, d::kErrUncWritable);
	set32(p, d::kErrCorStatus, kNone, d::kErrCorWritable);
	set32(p, d::kErrCorMask, kNone, d::kErrCorWritable);
	set32(p, d::kErrCap, kNone, d::kErrCapWritable);
	return p;
}

PermBits pwr_perms()
{
	PermBits p = masked(d::kPwrSizeof);
	set32(p, 0, kAll, kNone);
	set8(p, d::kPwrData, kNone, kAll);
	return p;
}

PermBits direct_raw_write()
{
	PermBits p;
	p.read = ReadPath::Direct;
	p.write = WritePath::Raw;
	return p;
}

struct Tables {
	std::array<PermBits, d::kCapIdMax + 1> caps;
	std::array<PermBits, d::kExtCapIdMax + 1> ecaps;
	PermBits direct_ro;
	PermBits unassigned;
	PermBits virt;

	Tables()
	{
		caps[d::kMapBasic] = basic_perms();
		caps[r::kCapIdPm] = pm_perms();
		caps[r::kCapIdVpd] = vpd_perms();
		caps[d::kCapIdPcix] = pcix_perms();
		caps[r::kCapIdVendor] = direct_raw_write();
		caps[r::kCapIdExpress] = exp_perms();
		caps[r::kCapIdAf] = af_perms();
		ecaps[d::kExtCapIdErr] = err_perms();
		ecaps[d::kExtCapIdPwr] = pwr_perms();
		ecaps[d::kExtCapIdVndr] = direct_raw_write();
		ecaps[d::kExtCapIdDvsec] = direct_raw_write();
		unassigned.read = ReadPath::Raw;
		unassigned.write = WritePath::Raw;
		virt.read = ReadPath::Virt;
		virt.write = WritePath::Virt;
	}
};

const Tables &tables()
{
	static const Tables t;
	return t;
}

} /* namespace */

uint32_t PermBits::virt_mask(unsigned offset, unsigned count) const
{
	return gather(virt, offset, count);
}

uint32_t PermBits::write_mask(unsigned offset, unsigned count) const
{
	return gather(writable, offset, count);
}

const PermBits &cap_perms(uint8_t id)
{
	const Tables &t = tables();
	return id < t.caps.size() ? t.caps[id] : t.direct_ro;
}

const PermBits &ecap_perms(uint8_t id)
{
	const Tables &t = tables();
	return id < t.ecaps.size() ? t.ecaps[id] : t.direct_ro;
}

const PermBits &direct_ro_perms() { return tables().direct_ro; }
const PermBits &unassigned_perms() { return tables().unassigned; }
const PermBits &virt_perms() { return tables().virt; }

PermBits make_msi_perms(unsigned len, uint16_t flags)
{
	PermBits p = masked(len);
	p.read = ReadPath::Msi;
	p.write = WritePath::Msi;
	set8(p, r::kCapNext, kAll, kNone);
	/* Only the low byte of the flags: the upper one is reserved (or
	 * per-vector-mask capable, read-only). */
	set8(p, r::kMsiFlags, kAll, kAll);
	set32(p, r::kMsiAddressLo, kAll, kAll);
	const bool is64 = flags & r::kMsiFlags64Bit;
	const bool maskable = flags & r::kMsiFlagsMaskBit;
	if (is64)
		set32(p, r::kMsiAddressHi, kAll, kAll);
	set16(p, is64 ? r::kMsiData64 : r::kMsiData32, kAll, kAll);
	if (maskable) {
		/* Mask and pending bits go to the hardware. */
		set32(p, is64 ? r::kMsiMask64 : r::kMsiMask32, kNone, kAll);
		set32(p, is64 ? r::kMsiPending64 : r::kMsiPending32, kNone, kAll);
	}
	return p;
}

unsigned std_cap_table_len(uint8_t id)
{
	switch (id) {
	case r::kCapIdPm: return d::kPmSizeof;
	case d::kCapIdAgp: return d::kAgpSizeof;
	case r::kCapIdVpd: return d::kVpdSizeof;
	case r::kCapIdMsi:
	case d::kCapIdPcix:
	case d::kCapIdHt:
	case r::kCapIdVendor:
	case r::kCapIdExpress:
	case d::kCapIdSata:
		return kVariableLen;
	case r::kCapIdMsix: return d::kMsixSizeof;
	case r::kCapIdAf: return d::kAfSizeof;
	default: return 0; /* slot ID, CompactPCI, debug, SHPC, ... EA: hidden */
	}
}

unsigned ext_cap_table_len(uint16_t id)
{
	switch (id) {
	case d::kExtCapIdErr: return d::kErrRootCommand;
	case d::kExtCapIdDsn: return d::kDsnSizeof;
	case d::kExtCapIdPwr: return d::kPwrSizeof;
	case d::kExtCapIdAri: return d::kAriSizeof;
	case d::kExtCapIdAts: return d::kAtsSizeof;
	case d::kExtCapIdSriov: return d::kSriovSizeof;
	case d::kExtCapIdMcast: return d::kMcastEndpointSizeof;
	case d::kExtCapIdPri: return d::kPriSizeof;
	case d::kExtCapIdLtr: return d::kLtrSizeof;
	case d::kExtCapIdVc:
	case d::kExtCapIdMfvc:
	case d::kExtCapIdVc9:
	case d::kExtCapIdVndr:
	case d::kExtCapIdAcs:
	case d::kExtCapIdRebar:
	case d::kExtCapIdDpa:
	case d::kExtCapIdTph:
	case d::kExtCapIdDvsec:
		return kVariableLen;
	default: return 0; /* root-only, obsolete, not yet supported: hidden */
	}
}

} /* namespace softvfio::vfio */
