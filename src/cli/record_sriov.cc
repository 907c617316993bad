/* SPDX-License-Identifier: MIT */
/*
 * [sriov] from what a physical function shows: the SR-IOV extended
 * capability's registers (TotalVFs, InitialVFs, First VF Offset, VF Stride,
 * VF Device ID, Supported Page Sizes, the VF BAR types), the VF BAR
 * apertures in `resource` lines 7..12 (the PCI core makes each TotalVFs
 * VF BARs long, so one VF's BAR is the aperture / TotalVFs: sizing the
 * registers would mean writing the config of a device in use), the
 * sriov_* files, and the first VF's own config space for its MSI-X.
 */
#include "cli/record_sriov.h"

#include <algorithm>
#include <array>
#include <set>

#include <fmt/format.h>

#include "cli/record_config.h"
#include "pci/regs.h"
#include "pci/sriov.h"

namespace softvfio::cli::record {

namespace {

using namespace pci::regs;
namespace sr = pci::sriov_regs;

/* `resource`'s line of VF BAR 0 (IOV resources follow BARs 0..5, ROM). */
constexpr size_t kIovResource = 7;
constexpr unsigned kMaxCaps = 48;

/* The registers [sriov] is made of, from the capability or, without it,
 * from the sysfs files that show them. */
struct SriovFacts {
	std::string where;          /* "0x100: SR-IOV" or "sriov_* files", for messages */
	uint32_t total = 0;         /* TotalVFs as the function says it */
	uint32_t initial = 0;
	uint32_t offset = 1;
	uint32_t stride = 1;
	uint16_t vf_device = 0;
	uint32_t page_sizes = 0x553;
	std::array<std::optional<uint32_t>, 6> vf_bar_regs{};   /* the capability's VF BAR registers */
};

class SriovBuilder
{
public:
	SriovBuilder(const SysfsFunction &fn, const SriovFacts &f, Recording &rec) : fn_(fn), f_(f), rec_(rec) {}

	/* rec.desc.sriov, or left_out lines saying why not. */
	void run();

private:
	bool registers(SriovCapability &s);
	bool vf_bars(SriovCapability &s);
	void vf_bar(unsigned &i, SriovCapability &s);
	void vf_capabilities(SriovCapability &s);

	void left_out(std::string line) { rec_.left_out.push_back(std::move(line)); }
	void note(std::string line) { rec_.notes.push_back(std::move(line)); }

	const SysfsFunction &fn_;
	const SriovFacts &f_;
	Recording &rec_;
};

void SriovBuilder::run()
{
	SriovCapability s;
	if (!registers(s) || !vf_bars(s))
		return;
	vf_capabilities(s);
	if (fn_.sriov && fn_.sriov->vf_total_msix.value_or(0))
		left_out(fmt::format("sriov_vf_total_msix {}: the PF's driver shares that many MSI-X vectors among its "
				     "VFs (sriov_vf_msix_count); the format gives every VF the same [sriov.msix]",
				     *fn_.sriov->vf_total_msix));
	rec_.desc.sriov = s;
}

bool SriovBuilder::registers(SriovCapability &s)
{
	const std::string &w = f_.where;
	if (f_.total == 0) {
		left_out(w + ": TotalVFs 0: no VF to describe, [sriov] not recorded");
		return false;
	}
	if (f_.offset == 0) {
		left_out(w + ": First VF Offset 0 would make VF 0 the PF itself: [sriov] not recorded");
		return false;
	}
	if (f_.stride == 0 && f_.total > 1) {
		left_out(fmt::format("{}: VF Stride 0 with {} VFs would give them one routing ID: [sriov] not recorded", w,
				     f_.total));
		return false;
	}
	if (f_.page_sizes == 0) {
		left_out(w + ": Supported Page Sizes 0: no page size a VF BAR could be aligned to, [sriov] not recorded");
		return false;
	}
	s.total_vfs = static_cast<uint16_t>(std::min<uint32_t>(f_.total, pci::kMaxVfs));
	if (f_.total > pci::kMaxVfs)
		left_out(fmt::format("{}: TotalVFs {}: the model has at most {} VFs, recorded as {}", w, f_.total,
				     pci::kMaxVfs, pci::kMaxVfs));
	/* initial_vfs 0 is "as many as TotalVFs", which the model builds. */
	if (f_.initial > f_.total)
		left_out(fmt::format("{}: InitialVFs {} is more than TotalVFs ({}): recorded as TotalVFs", w, f_.initial,
				     f_.total));
	else if (f_.initial != f_.total && f_.initial <= s.total_vfs)
		s.initial_vfs = static_cast<uint16_t>(f_.initial);
	s.vf_device_id = f_.vf_device;
	s.first_vf_offset = static_cast<uint16_t>(f_.offset);
	s.vf_stride = static_cast<uint16_t>(f_.stride);
	s.supported_page_sizes = f_.page_sizes;
	return true;
}

bool SriovBuilder::vf_bars(SriovCapability &s)
{
	if (!fn_.has_resource_file) {
		left_out(f_.where + ": the VF BARs' sizes are in `resource`, which was not read: [sriov] not recorded");
		return false;
	}
	if (fn_.resources.size() < kIovResource + 6) {
		left_out(fmt::format("{}: `resource` has {} lines, not the 13 of a kernel with CONFIG_PCI_IOV (lines "
				     "7..12 are the VF BARs): their sizes are unknown, [sriov] not recorded",
				     f_.where, fn_.resources.size()));
		return false;
	}
	for (unsigned i = 0; i < 6; ++i)
		vf_bar(i, s);
	for (const BarDescription &bar : s.vf_bars)
		if (bar.kind != BarKind::None)
			return true;
	left_out(f_.where + ": no VF BAR in `resource` lines 7..12 (a VF needs one): [sriov] not recorded");
	return false;
}

/* VF BAR `i` from resource line 7 + i; `i` steps over a 64-bit BAR's
 * upper half. */
void SriovBuilder::vf_bar(unsigned &i, SriovCapability &s)
{
	const ResourceLine &r = fn_.resources[kIovResource + i];
	const std::optional<uint32_t> reg = f_.vf_bar_regs[i];
	const std::string what = fmt::format("VF BAR {} (resource line {})", i, kIovResource + i);
	if (!r.flags && !r.start && !r.end) {
		/* An unimplemented VF BAR register reads 0. */
		if (reg && *reg)
			left_out(fmt::format("{}: the capability's register is {} but the kernel shows no aperture: its "
					     "size is unknown, left out",
					     what, hex(*reg, 8)));
		return;
	}
	if (r.end < r.start || (!r.start && !r.end)) {
		left_out(fmt::format("{}: {}-{} is not a range, left out", what, hex(r.start), hex(r.end)));
		return;
	}
	if (r.flags & kIoresourceIo) {
		left_out(what + ": an I/O BAR (a VF's are memory BARs), left out");
		return;
	}
	if (!(r.flags & kIoresourceMem)) {
		left_out(fmt::format("{}: flags {} say neither I/O nor memory, left out", what, hex(r.flags)));
		return;
	}
	/* The PCI core's aperture is TotalVFs (the capability's) BARs long. */
	const uint64_t aperture = r.end - r.start + 1;
	if (aperture % f_.total) {
		left_out(fmt::format("{}: aperture {} is not {} (TotalVFs) BARs of one size, left out", what,
				     hex(aperture), f_.total));
		return;
	}
	BarDescription bar;
	bar.size = aperture / f_.total;
	bar.kind = (r.flags & kIoresourceMem64) ? BarKind::Mem64 : BarKind::Mem32;
	bar.prefetchable = (r.flags & kIoresourcePrefetch) != 0;
	if (reg) {
		const BarKind reg_kind = (*reg & 0x6) == 0x4 ? BarKind::Mem64 : BarKind::Mem32;
		const bool reg_prefetch = (*reg & 0x8) != 0;
		if (reg_kind != bar.kind || reg_prefetch != bar.prefetchable)
			note(fmt::format("{}: the capability's register {} and the resource flags {} disagree on its "
					 "type; the resource's recorded",
					 what, hex(*reg, 8), hex(r.flags)));
	}
	s.vf_bars[i] = bar;
	if (bar.kind == BarKind::Mem64)
		++i;
}

/* A VF's MSI-X is in its own config space: the first VF's, when enabled. */
void SriovBuilder::vf_capabilities(SriovCapability &s)
{
	if (fn_.vf0_config.empty()) {
		if (fn_.vf0_bdf.empty())
			note("[sriov.msix]: a VF's MSI-X capability is in the VF's own config space and no VF was "
			     "enabled (sriov_numvfs 0): not recorded; enable one (echo 1 > " +
			     fn_.dir + "/sriov_numvfs) and record again to have it");
		return;
	}
	const Config vf(fn_.vf0_config);
	const std::string where = fn_.vf0_bdf + " (VF 0)";
	if (vf.size() <= kStdHeaderSize) {
		note(where + ": only the config header was readable: [sriov.msix] not recorded");
		return;
	}
	if (!(vf.word(kStatus) & kStatusCapList))
		return;
	std::set<uint16_t> seen;
	for (uint16_t at = vf.byte(kCapabilityList) & 0xfc; at; at = vf.byte(at + kCapNext) & 0xfc) {
		if (at < kStdHeaderSize || !vf.has(at, 2) || !seen.insert(at).second || seen.size() > kMaxCaps) {
			note(where + ": capability chain broken at " + hex(at, 2) + ": cut there");
			break;
		}
		const uint8_t id = vf.byte(at);
		if (id == kCapIdMsi) {
			left_out(where + " " + hex(at, 2) + ": MSI capability: the format gives VFs MSI-X only");
		} else if (id == kCapIdMsix && !s.vf_msix) {
			if (!vf.has(at, kMsixSizeof)) {
				note(where + " " + hex(at, 2) + ": MSI-X capability cut short by the readable config, left out");
				continue;
			}
			const uint32_t table = vf.dword(at + kMsixTable);
			const uint32_t pba = vf.dword(at + kMsixPba);
			MsixCapability m;
			m.vectors = (vf.word(at + kMsixFlags) & kMsixFlagsQsize) + 1u;
			m.table_bar = table & kMsixBirMask;
			m.table_offset = table & kMsixOffsetMask;
			m.pba_bar = pba & kMsixBirMask;
			m.pba_offset = pba & kMsixOffsetMask;
			s.vf_msix = m;
		}
	}
}

/* The sysfs files say what the PCI core made of the capability. */
void compare_with_sysfs(const SysfsFunction &fn, const SriovFacts &f, Recording &rec)
{
	if (!fn.sriov) {
		rec.notes.push_back(f.where + ": no sriov_totalvfs in sysfs (a kernel without CONFIG_PCI_IOV?)");
		return;
	}
	const SriovFiles &s = *fn.sriov;
	auto differs = [&](const char *file, const std::optional<uint64_t> &value, uint64_t reg, const char *name,
			   const char *why) {
		if (value && *value != reg)
			rec.notes.push_back(fmt::format("{} {:#x} but the capability's {} is {:#x} ({}); the capability's "
							"recorded",
							file, *value, name, reg, why));
	};
	differs("sriov_totalvfs", s.totalvfs, f.total, "TotalVFs", "the PF's driver lowered it");
	differs("sriov_offset", s.offset, f.offset, "First VF Offset", "read at another NumVFs or ARI setting");
	differs("sriov_stride", s.stride, f.stride, "VF Stride", "read at another NumVFs or ARI setting");
	differs("sriov_vf_device", s.vf_device, f.vf_device, "VF Device ID", "as the PCI core read it at enumeration");
}

} /* namespace */

void decode_sriov(const SysfsFunction &fn, uint16_t at, Recording &rec)
{
	const Config cfg(fn.config);
	if (!cfg.has(at, sr::kSizeof)) {
		rec.notes.push_back(hex(at, 3) + ": SR-IOV capability cut short by the readable config, left out");
		return;
	}
	SriovFacts f;
	f.where = hex(at, 3) + ": SR-IOV";
	const unsigned version = (cfg.dword(at) >> 16) & 0xf;
	if (version != sr::kVersion)
		rec.notes.push_back(fmt::format("{}: capability version {}: the model's is {}", f.where, version,
						sr::kVersion));
	f.total = cfg.word(at + sr::kTotalVf);
	f.initial = cfg.word(at + sr::kInitialVf);
	f.offset = cfg.word(at + sr::kVfOffset);
	f.stride = cfg.word(at + sr::kVfStride);
	f.vf_device = cfg.word(at + sr::kVfDid);
	f.page_sizes = cfg.dword(at + sr::kSupPgsize);
	for (unsigned i = 0; i < 6; ++i)
		f.vf_bar_regs[i] = cfg.dword(at + sr::kBar0 + 4 * i);

	/* What the format has no field for: the model's reads 0. */
	if (const uint32_t caps = cfg.dword(at + sr::kCap))
		rec.left_out.push_back(fmt::format("{}: SR-IOV Capabilities {} (VF Migration, ARI Capable Hierarchy "
						   "Preserved, VF 10-bit tags): not expressible (the model's are 0)",
						   f.where, hex(caps, 8)));
	if (const uint8_t link = cfg.byte(at + sr::kFuncLink))
		rec.left_out.push_back(fmt::format("{}: Function Dependency Link {}: not expressible", f.where,
						   hex(link, 2)));
	if (const uint32_t mig = cfg.dword(at + sr::kVfMigration))
		rec.left_out.push_back(fmt::format("{}: VF Migration State Array {}: not expressible", f.where,
						   hex(mig, 8)));
	const uint16_t num = cfg.word(at + sr::kNumVf);
	if (num || (cfg.word(at + sr::kCtrl) & sr::kCtrlVfEnable))
		rec.notes.push_back(fmt::format("{}: {} VF{} enabled when recorded (NumVFs, VF Enable); the model "
						"starts with none (write sriov_numvfs)",
						f.where, num, num == 1 ? "" : "s"));
	compare_with_sysfs(fn, f, rec);
	SriovBuilder(fn, f, rec).run();
}

void infer_sriov(const SysfsFunction &fn, Recording &rec)
{
	if (!fn.sriov || !fn.sriov->totalvfs)
		return;
	const SriovFiles &files = *fn.sriov;
	SriovFacts f;
	f.where = "sriov_* files";
	f.total = static_cast<uint32_t>(std::min<uint64_t>(*files.totalvfs, 0xffff));
	f.initial = f.total;
	f.offset = static_cast<uint32_t>(std::min<uint64_t>(files.offset.value_or(1), 0xffff));
	f.stride = static_cast<uint32_t>(std::min<uint64_t>(files.stride.value_or(1), 0xffff));
	f.vf_device = static_cast<uint16_t>(files.vf_device.value_or(0));
	rec.notes.push_back("[sriov] inferred from sriov_totalvfs, sriov_offset, sriov_stride, sriov_vf_device and "
			    "`resource` lines 7..12 (the SR-IOV capability was not readable): a driver may have "
			    "lowered sriov_totalvfs below TotalVFs; initial_vfs and supported_page_sizes are defaults");
	SriovBuilder(fn, f, rec).run();
}

std::optional<std::string> virtual_function_problem(const SysfsFunction &fn)
{
	if (!fn.physfn)
		return std::nullopt;
	return fmt::format("{}: a virtual function of {} (its physfn link): the description format describes VFs "
			   "only through their PF's [sriov] section; record the PF instead: softvfio record {}",
			   fn.dir, *fn.physfn, *fn.physfn);
}

} /* namespace softvfio::cli::record */
