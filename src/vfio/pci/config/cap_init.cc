/* SPDX-License-Identifier: MIT */
/*
 * Building the virtual config space at open (vfio_config_init): the byte
 * map of which capability owns which byte, vconfig filled from the
 * hardware, and the standard and extended capability chains with the
 * capabilities vfio hides unlinked.
 */
#include "vfio/pci/config/virtual_config.h"

#include <algorithm>
#include <cerrno>

#include "pci/regs.h"
#include "vfio/pci/config/pci_defs.h"

namespace softvfio::vfio {

namespace r = pci::regs;
namespace d = defs;

namespace {

constexpr unsigned round_up(unsigned v, unsigned to) { return (v + to - 1) / to * to; }

} /* namespace */

Result<void> VirtualConfig::init_locked()
{
	const uint32_t size = hw_.cfg_size();
	map_.assign(size, d::kMapInvalid);
	std::fill_n(map_.begin(), std::min<uint32_t>(r::kStdHeaderSize, size), d::kMapBasic);
	vconfig_.assign(size, 0);
	msi_perm_.reset();
	extended_caps_ = false;

	SVFIO_TRY(fill_vconfig(0, r::kStdHeaderSize));
	bardirty_ = true;
	/* What the BARs hold now, to put back after a reset vfio missed. */
	for (unsigned i = 0; i < 6; i++)
		rbar_[i] = vget(r::bar_offset(i), 4);
	rbar_[6] = vget(r::kRomAddress, 4);

	if (auto ids = hw_.virtfn_ids()) {
		/* A VF's ID registers read all ones: vfio gives the IDs the
		 * PCI core knows. Its pin is read-only zero (vfio forces it
		 * anyway), and its command register has no memory enable,
		 * which vfio sets virtually, for consistency with PFs. */
		vset(r::kVendorId, 2, ids->vendor);
		vset(r::kDeviceId, 2, ids->device);
		vset(r::kInterruptPin, 1, 0);
		vset(r::kCommand, 2, vget(r::kCommand, 2) | r::kCommandMemory);
	}

	SVFIO_TRY(cap_init());
	SVFIO_TRY(ecap_init());
	return {};
}

/* pci_read_config_*(): naturally aligned, inside config space. */
Result<uint32_t> VirtualConfig::hw_read(uint32_t offset, unsigned width)
{
	if (offset % width)
		return err(EFAULT); /* PCIBIOS_BAD_REGISTER_NUMBER */
	if (offset + width > hw_.cfg_size())
		return err(EINVAL);
	return hw_.read(offset, width);
}

/* Copy hardware registers into vconfig in the largest aligned pieces. */
Result<void> VirtualConfig::fill_vconfig(uint32_t offset, uint32_t len)
{
	while (len) {
		unsigned width = 1;
		if (len >= 4 && offset % 4 == 0)
			width = 4;
		else if (len >= 2 && offset % 2 == 0)
			width = 2;
		auto v = hw_read(offset, width);
		if (!v)
			return err(v.error());
		vset(offset, width, *v);
		offset += width;
		len -= width;
	}
	return {};
}

void VirtualConfig::map_fill(uint32_t offset, uint32_t len, uint8_t id)
{
	const uint32_t end = std::min<uint32_t>(offset + len, uint32_t(map_.size()));
	for (uint32_t i = offset; i < end; i++)
		map_[i] = id;
}

/* Walk the hardware's standard chain; hidden capabilities are unlinked by
 * pointing the previous virtual next pointer past them. Their bytes stay
 * unassigned (raw). */
Result<void> VirtualConfig::cap_init()
{
	auto status = hw_read(r::kStatus, 2);
	if (!status)
		return err(status.error());
	if (!(*status & r::kStatusCapList))
		return {};
	auto first = hw_read(r::kCapabilityList, 1);
	if (!first)
		return err(first.error());

	uint32_t pos = *first;
	uint32_t prev = r::kCapabilityList;
	int loops = (d::kConfigSpaceSize - r::kStdHeaderSize) / d::kCapSizeof;
	unsigned caps = 0;
	while (pos && loops--) {
		auto cap = hw_read(pos, 1);
		if (!cap)
			return err(cap.error());
		auto next = hw_read(pos + r::kCapNext, 1);
		if (!next)
			return err(next.error());

		/* ID 0 is a null capability; it clashes with the header's map
		 * ID, so it is hidden. */
		unsigned len = 0;
		if (*cap && *cap <= d::kCapIdMax) {
			len = std_cap_table_len(uint8_t(*cap));
			if (len == kVariableLen) {
				auto l = cap_len(uint8_t(*cap), pos);
				if (!l)
					return err(l.error());
				len = *l;
			}
		}
		if (!len) {
			vset(prev, 1, *next);
			pos = *next;
			continue;
		}

		map_fill(pos, len, uint8_t(*cap));
		SVFIO_TRY(fill_vconfig(pos, len));
		if (*cap == r::kCapIdPm && pos + d::kPmSizeof <= vconfig_.size()) {
			/* PME cannot be delivered to the user: hide it. */
			vset(pos + r::kPmPmc, 2, vget(pos + r::kPmPmc, 2) & ~uint32_t(r::kPmcPmeMask));
			vset(pos + r::kPmCtrl, 2, vget(pos + r::kPmCtrl, 2) &
				~uint32_t(r::kPmCtrlPmeEnable | r::kPmCtrlPmeStatus));
		}
		prev = pos + r::kCapNext;
		pos = *next;
		caps++;
	}
	if (!caps)
		vset(r::kStatus, 2, vget(r::kStatus, 2) & ~uint32_t(r::kStatusCapList));
	return {};
}

/* Walk the extended chain (found by the PCIe or PCI-X v2 capability). A
 * hidden capability is unlinked through the previous header; a hidden
 * first one cannot be, so its header stays as an anchor with ID and
 * version zeroed. With no capability left, the header at 0x100 reads 0. */
Result<void> VirtualConfig::ecap_init()
{
	if (!extended_caps_)
		return {};
	uint32_t epos = d::kConfigSpaceSize;
	int loops = int(hw_.cfg_size() - d::kConfigSpaceSize) / d::kCapSizeof;
	std::optional<uint32_t> prev;
	unsigned ecaps = 0;
	while (loops-- && epos >= d::kConfigSpaceSize) {
		auto header = hw_read(epos, 4);
		if (!header)
			return err(header.error());
		const uint16_t ecap = uint16_t(*header & 0xffff);
		unsigned len = 0;
		bool hidden = false;
		if (ecap <= d::kExtCapIdMax) {
			len = ext_cap_table_len(ecap);
			if (len == kVariableLen) {
				auto l = ext_cap_len(ecap, epos);
				if (!l)
					return err(l.error());
				len = *l;
			}
		}
		if (!len) {
			if (prev) {
				epos = d::ext_header_next(*header);
				const uint32_t h = vget(*prev, 4);
				vset(*prev, 4, (h & ~d::kExtCapNextMask) | (epos << 20));
				continue;
			}
			len = d::kCapSizeof;
			hidden = true;
		}
		/* The map holds one byte per position: IDs are truncated. */
		map_fill(epos, len, uint8_t(ecap));
		SVFIO_TRY(fill_vconfig(epos, len));
		if (hidden)
			vset(epos, 4, vget(epos, 4) & d::kExtCapNextMask);
		else
			ecaps++;
		prev = epos;
		epos = d::ext_header_next(*header);
	}
	if (!ecaps)
		vset(d::kConfigSpaceSize, 4, 0);
	return {};
}

/* PCIe and PCI-X 2.0 functions have an extended chain if the header at
 * 0x100 is not all zeroes. */
void VirtualConfig::note_extended_caps()
{
	if (hw_.cfg_size() <= d::kConfigSpaceSize)
		return;
	auto header = hw_read(d::kConfigSpaceSize, 4);
	extended_caps_ = header.ok() && *header != 0;
}

Result<unsigned> VirtualConfig::cap_len(uint8_t cap, uint32_t pos)
{
	switch (cap) {
	case r::kCapIdMsi:
		return msi_cap_len(pos);
	case d::kCapIdPcix: {
		auto cmd = hw_read(pos + d::kPcixCmd, 2);
		if (!cmd)
			return err(cmd.error());
		if (!d::pcix_cmd_version(*cmd))
			return unsigned(d::kPcixSizeofV0);
		note_extended_caps();
		return unsigned(d::kPcixSizeofV2);
	}
	case r::kCapIdVendor: {
		/* The byte after the next pointer is the length. */
		auto len = hw_read(pos + d::kCapFlags, 1);
		if (!len)
			return err(len.error());
		return unsigned(*len);
	}
	case r::kCapIdExpress:
		return exp_cap_len(pos);
	case d::kCapIdHt: {
		auto b = hw_read(pos + 3, 1);
		if (!b)
			return err(b.error());
		return unsigned((*b & d::kHt3BitCapMask) ? d::kHtSizeofShort : d::kHtSizeofLong);
	}
	case d::kCapIdSata: {
		auto b = hw_read(pos + d::kSataRegs, 1);
		if (!b)
			return err(b.error());
		const bool inline_regs = (*b & d::kSataRegsMask) == d::kSataRegsInline;
		return unsigned(inline_regs ? d::kSataSizeofLong : d::kSataSizeofShort);
	}
	default:
		return 0u;
	}
}

/* The MSI layout depends on its flags; the permission table is built from
 * the first MSI capability met, as vfio does. */
Result<unsigned> VirtualConfig::msi_cap_len(uint32_t pos)
{
	auto flags = hw_read(pos + r::kMsiFlags, 2);
	if (!flags)
		return err(flags.error());
	unsigned len = d::kMsiMinLen;
	if (*flags & r::kMsiFlags64Bit)
		len += 4;
	if (*flags & r::kMsiFlagsMaskBit)
		len += 10;
	if (!msi_perm_)
		msi_perm_ = make_msi_perms(len, uint16_t(*flags));
	return len;
}

/* Only the registers that exist for the capability version and port type:
 * no link registers for root-complex integrated endpoints. */
Result<unsigned> VirtualConfig::exp_cap_len(uint32_t pos)
{
	note_extended_caps();
	auto flags = hw_read(pos + r::kExpFlags, 2);
	if (!flags)
		return err(flags.error());
	const unsigned version = *flags & r::kExpFlagsVersionMask;
	const bool rc_end = ((*flags & r::kExpFlagsTypeMask) >> d::kExpTypeShift) == d::kExpTypeRcEnd;
	if (version == 1)
		return unsigned(rc_end ? d::kExpV1RcEndLen : d::kExpV1EndpointLen);
	return unsigned(rc_end ? d::kExpV2RcEndLen : d::kExpV2EndpointLen);
}

Result<unsigned> VirtualConfig::ext_cap_len(uint16_t ecap, uint32_t epos)
{
	switch (ecap) {
	case d::kExtCapIdVndr: {
		auto hdr = hw_read(epos + d::kVsecHdr, 4);
		if (!hdr)
			return err(hdr.error());
		return unsigned(*hdr >> d::kVsecLenShift);
	}
	case d::kExtCapIdVc:
	case d::kExtCapIdVc9:
	case d::kExtCapIdMfvc:
		return vc_cap_len(epos);
	case d::kExtCapIdAcs: {
		auto cap = hw_read(epos + d::kAcsCap, 1);
		if (!cap)
			return err(cap.error());
		if (!(*cap & d::kAcsEgressControl))
			return 8u;
		auto bits = hw_read(epos + d::kAcsEgressBits, 1);
		if (!bits)
			return err(bits.error());
		const unsigned n = *bits ? round_up(*bits, 32) : 256;
		return 8 + n / 8;
	}
	case d::kExtCapIdRebar: {
		auto ctrl = hw_read(epos + d::kRebarCtrl, 1);
		if (!ctrl)
			return err(ctrl.error());
		const unsigned nbar = (*ctrl & d::kRebarNbarMask) >> d::kRebarNbarShift;
		return 4 + nbar * 8;
	}
	case d::kExtCapIdDpa: {
		auto cap = hw_read(epos + d::kDpaCap, 1);
		if (!cap)
			return err(cap.error());
		return d::kDpaBaseSizeof + (*cap & d::kDpaSubstateMask) + 1;
	}
	case d::kExtCapIdTph: {
		auto cap = hw_read(epos + d::kTphCap, 4);
		if (!cap)
			return err(cap.error());
		if ((*cap & d::kTphLocMask) != d::kTphLocCap)
			return unsigned(d::kTphBaseSizeof);
		const unsigned sts = (*cap & d::kTphStMask) >> d::kTphStShift;
		return d::kTphBaseSizeof + sts * 2 + 2;
	}
	case d::kExtCapIdDvsec: {
		auto h1 = hw_read(epos + d::kDvsecHeader1, 4);
		if (!h1)
			return err(h1.error());
		return unsigned(d::dvsec_len(*h1));
	}
	default:
		return 0u;
	}
}

/* Virtual channel: the base, one resource per VC, and the arbitration
 * table (which the user can never write, so its size is approximate). */
Result<unsigned> VirtualConfig::vc_cap_len(uint32_t epos)
{
	auto cap1 = hw_read(epos + d::kVcPortCap1, 4);
	if (!cap1)
		return err(cap1.error());
	auto cap2 = hw_read(epos + d::kVcPortCap2, 4);
	if (!cap2)
		return err(cap2.error());
	const unsigned evcc = *cap1 & d::kVcCap1Evcc;
	unsigned phases = 0;
	if (*cap2 & d::kVcCap2Phase128)
		phases = 128;
	else if (*cap2 & d::kVcCap2Phase64)
		phases = 64;
	else if (*cap2 & d::kVcCap2Phase32)
		phases = 32;
	const unsigned vc_arb = phases * 4;
	unsigned len = d::kVcBaseSizeof + (1 + evcc) * d::kVcPerVcSizeof;
	if (vc_arb)
		len = round_up(len, 16) + vc_arb / 8;
	return len;
}

} /* namespace softvfio::vfio */
