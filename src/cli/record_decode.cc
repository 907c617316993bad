/* SPDX-License-Identifier: MIT */
/*
 * Config space, resources and reset methods -> DeviceDescription. Every
 * register read here is one the model writes back from the description
 * (src/pci/config_layout.cc), so a description recorded from a softvfio
 * device rebuilds the same bytes; what a real device has beyond that is
 * named in Recording::left_out. The SR-IOV capability is record_sriov's.
 */
#include "cli/record_decode.h"

#include <algorithm>
#include <set>

#include <fmt/format.h>

#include "cli/record_cap_names.h"
#include "cli/record_config.h"
#include "cli/record_sriov.h"
#include "pci/regs.h"

namespace softvfio::cli::record {

namespace {

using namespace pci::regs;

/* The command bits the model implements (docs/device-descriptions.md). */
constexpr uint16_t kModelCommandBits = 0x0507;
/* Safety net for chains that loop or point nowhere. */
constexpr unsigned kMaxCaps = 48;
constexpr unsigned kMaxExtCaps = 96;

class Decoder
{
public:
	Decoder(const SysfsFunction &fn, Recording &rec) : fn_(fn), cfg_(fn.config), rec_(rec) {}

	std::optional<std::string> run();

private:
	void header();
	void bars();
	void rom();
	void capabilities();
	void extended_capabilities();
	void capability(unsigned id, uint16_t at);
	void pm(uint16_t at);
	void msi(uint16_t at);
	void msix(uint16_t at);
	void express(uint16_t at);
	void infer_without_capabilities();
	void reset_methods();

	void left_out(std::string line) { rec_.left_out.push_back(std::move(line)); }
	void note(std::string line) { rec_.notes.push_back(std::move(line)); }

	const SysfsFunction &fn_;
	Config cfg_;
	Recording &rec_;
	DeviceDescription &d_ = rec_.desc;
	uint8_t header_type_ = 0;
};

std::optional<std::string> Decoder::run()
{
	const uint16_t vendor = cfg_.word(kVendorId);
	if (vendor == 0xffff || vendor == 0)
		return fn_.dir + "/config: vendor ID " + hex(vendor, 4) +
		       ": the function does not answer (powered off, in reset or removed?)";
	rec_.source = fn_.dir;
	rec_.host_irq = fn_.irq;
	d_.name = fn_.bdf;
	for (const std::string &w : fn_.warnings)
		note(w);
	header();
	bars();
	rom();
	if (cfg_.size() > kStdHeaderSize)
		capabilities();
	else
		infer_without_capabilities();
	reset_methods();
	return std::nullopt;
}

void Decoder::header()
{
	d_.vendor_id = cfg_.word(kVendorId);
	d_.device_id = cfg_.word(kDeviceId);
	d_.revision = cfg_.byte(kRevisionId);
	d_.class_code = cfg_.dword(kRevisionId) >> 8;
	d_.interrupt_line = cfg_.byte(kInterruptLine);
	const uint8_t pin = cfg_.byte(kInterruptPin);
	if (pin <= 4)
		d_.interrupt_pin = pin;
	else
		left_out("interrupt pin " + std::to_string(pin) + ": not a pin (1..4 = INTA..INTD), recorded as none");

	const uint16_t command = cfg_.word(kCommand);
	d_.command = command & kModelCommandBits;
	if (command & ~kModelCommandBits)
		left_out("command bits " + hex(command & ~kModelCommandBits, 4) + " of " + hex(command, 4) +
			 ": the model implements I/O, memory, bus master, SERR# and INTx disable (0x0507) only");

	header_type_ = cfg_.byte(kHeaderType);
	const unsigned layout = header_type_ & 0x7f;
	if (layout == 0) {
		d_.subsystem_vendor_id = cfg_.word(kSubsystemVendorId);
		d_.subsystem_id = cfg_.word(kSubsystemId);
	} else {
		left_out(fmt::format("header type {} ({}): recorded as an endpoint (type 0); its bridge registers "
				     "and windows are not expressible",
				     layout, layout == 1 ? "PCI-to-PCI bridge" : layout == 2 ? "CardBus bridge" : "unknown"));
	}
	if (header_type_ & kHeaderTypeMultiFunction)
		left_out("multi-function header bit: the model's functions are single-function");
	struct Scratch {
		uint16_t off;
		const char *name;
	};
	/* Registers the model starts at 0 whatever the description says. */
	for (const Scratch &r : {Scratch{kCacheLineSize, "cache line size"}, Scratch{kLatencyTimer, "latency timer"},
				 Scratch{kBist, "BIST"}, Scratch{kMinGnt, "Min_Gnt"}, Scratch{kMaxLat, "Max_Lat"}}) {
		if (layout == 0 && cfg_.byte(r.off))
			left_out(fmt::format("{} {}: not expressible (the model's reads 0)", r.name,
					     hex(cfg_.byte(r.off), 2)));
	}
}

void Decoder::bars()
{
	if (!fn_.has_resource_file)
		return;
	/* A bridge has two BARs, a CardBus bridge one; the resource lines
	 * after them are windows, not BARs. */
	const unsigned layout = header_type_ & 0x7f;
	const unsigned count = layout == 0 ? 6 : layout == 1 ? 2 : 1;
	for (unsigned i = 0; i < count && i < fn_.resources.size(); ++i) {
		const ResourceLine &r = fn_.resources[i];
		if (!r.flags && !r.start && !r.end)
			continue;
		if (r.end < r.start || (!r.start && !r.end)) {
			left_out(fmt::format("BAR {}: resource {}-{} is not a range, left out", i, hex(r.start), hex(r.end)));
			continue;
		}
		BarDescription bar;
		bar.size = r.end - r.start + 1;
		if (r.flags & kIoresourceIo) {
			bar.kind = BarKind::Io;
		} else if (r.flags & kIoresourceMem) {
			bar.kind = (r.flags & kIoresourceMem64) ? BarKind::Mem64 : BarKind::Mem32;
			bar.prefetchable = (r.flags & kIoresourcePrefetch) != 0;
		} else {
			left_out(fmt::format("BAR {}: flags {} say neither I/O nor memory, left out", i, hex(r.flags)));
			continue;
		}
		/* An unassigned BAR's start is not an address the device decodes. */
		if (!(r.flags & (kIoresourceUnset | kIoresourceDisabled)))
			bar.address = r.start;
		d_.bars[i] = bar;
		if (bar.kind == BarKind::Mem64)
			++i;   /* its upper half */
	}
}

void Decoder::rom()
{
	constexpr size_t kRomResource = 6;
	if (!fn_.has_resource_file || fn_.resources.size() <= kRomResource)
		return;
	const ResourceLine &r = fn_.resources[kRomResource];
	if (!r.start && !r.end)
		return;
	const uint64_t size = r.end - r.start + 1;
	if (r.end < r.start || size > UINT32_MAX) {
		left_out("expansion ROM " + hex(r.start) + "-" + hex(r.end) + ": not a 32-bit ROM range, left out");
		return;
	}
	d_.rom_size = static_cast<uint32_t>(size);
	if (!(r.flags & (kIoresourceUnset | kIoresourceDisabled)) && r.start <= UINT32_MAX)
		d_.rom_address = static_cast<uint32_t>(r.start);
}

void Decoder::capabilities()
{
	if (!(cfg_.word(kStatus) & kStatusCapList)) {
		if (cfg_.size() >= kConfigSizeExpress)
			extended_capabilities();
		return;
	}
	std::set<uint16_t> seen;
	uint16_t at = cfg_.byte(kCapabilityList) & 0xfc;
	while (at) {
		if (at < kStdHeaderSize || !cfg_.has(at, 2)) {
			note("capability pointer " + hex(at, 2) + " points outside the readable config: chain cut there");
			break;
		}
		if (!seen.insert(at).second || seen.size() > kMaxCaps) {
			note("capability chain loops at " + hex(at, 2) + ": cut there");
			break;
		}
		capability(cfg_.byte(at), at);
		at = cfg_.byte(at + kCapNext) & 0xfc;
	}
	if (cfg_.size() >= kConfigSizeExpress)
		extended_capabilities();
	else if (d_.express && fn_.config_size >= kConfigSizeExpress) {
		note("extended capabilities: not readable (config read short of 4096 bytes)");
		infer_sriov(fn_, rec_);
	}
}

void Decoder::capability(unsigned id, uint16_t at)
{
	const bool twice = (id == kCapIdPm && d_.pm) || (id == kCapIdMsi && d_.msi) ||
			   (id == kCapIdExpress && d_.express) || (id == kCapIdMsix && d_.msix);
	if (twice) {
		left_out(fmt::format("{}: a second {} capability (id {}): one of each is expressible", hex(at, 2),
				     capability_name(id), hex(id, 2)));
		return;
	}
	switch (id) {
	case kCapIdPm: return pm(at);
	case kCapIdMsi: return msi(at);
	case kCapIdMsix: return msix(at);
	case kCapIdExpress: return express(at);
	default: break;
	}
	std::string name = capability_name(id);
	left_out(fmt::format("{}: capability {} ({}): not expressible", hex(at, 2), hex(id, 2),
			     name.empty() ? "unknown" : name));
}

void Decoder::pm(uint16_t at)
{
	if (!cfg_.has(at, kPmSizeof)) {
		note(hex(at, 2) + ": power management capability cut short by the readable config, left out");
		return;
	}
	const uint16_t pmc = cfg_.word(at + kPmPmc);
	const uint16_t ctrl = cfg_.word(at + kPmCtrl);
	PmCapability pm;
	pm.d1 = pmc & kPmcD1;
	pm.d2 = pmc & kPmcD2;
	pm.pme_support = static_cast<uint16_t>(pmc >> 11);
	pm.no_soft_reset = ctrl & kPmCtrlNoSoftReset;
	d_.pm = pm;
	if ((pmc & kPmcVersionMask) != 3)
		left_out(fmt::format("{}: PM capability version {}: the model's is 3", hex(at, 2), pmc & kPmcVersionMask));
	/* PME clock (bit 3), DSI (bit 5), aux current (bits 8:6). */
	if (pmc & 0x01e8)
		left_out(fmt::format("{}: PMC bits {} (PME clock, DSI, aux current): not expressible", hex(at, 2),
				     hex(pmc & 0x01e8, 4)));
	if (ctrl & kPmCtrlStateMask)
		note(fmt::format("the function was in D{} when recorded; the model starts in D0", ctrl & kPmCtrlStateMask));
}

void Decoder::msi(uint16_t at)
{
	if (!cfg_.has(at, 4)) {
		note(hex(at, 2) + ": MSI capability cut short by the readable config, left out");
		return;
	}
	const uint16_t flags = cfg_.word(at + kMsiFlags);
	MsiCapability msi;
	unsigned mmc = (flags & kMsiFlagsQmask) >> 1;
	if (mmc > 5) {
		left_out(fmt::format("{}: MSI Multiple Message Capable {} is reserved: recorded as 32 vectors", hex(at, 2),
				     mmc));
		mmc = 5;
	}
	msi.vectors = 1u << mmc;
	msi.address64 = flags & kMsiFlags64Bit;
	msi.per_vector_mask = flags & kMsiFlagsMaskBit;
	d_.msi = msi;
	/* Extended Message Data Capable (bit 9). */
	if (flags & 0x0200)
		left_out(hex(at, 2) + ": MSI extended message data: not expressible");
}

void Decoder::msix(uint16_t at)
{
	if (!cfg_.has(at, kMsixSizeof)) {
		note(hex(at, 2) + ": MSI-X capability cut short by the readable config, left out");
		return;
	}
	const uint16_t flags = cfg_.word(at + kMsixFlags);
	const uint32_t table = cfg_.dword(at + kMsixTable);
	const uint32_t pba = cfg_.dword(at + kMsixPba);
	MsixCapability m;
	m.vectors = (flags & kMsixFlagsQsize) + 1u;
	m.table_bar = table & kMsixBirMask;
	m.table_offset = table & kMsixOffsetMask;
	m.pba_bar = pba & kMsixBirMask;
	m.pba_offset = pba & kMsixOffsetMask;
	d_.msix = m;
}

void Decoder::express(uint16_t at)
{
	if (!cfg_.has(at, kExpDevCap + 4)) {
		note(hex(at, 2) + ": PCI Express capability cut short by the readable config, left out");
		return;
	}
	const uint16_t flags = cfg_.word(at + kExpFlags);
	const uint32_t devcap = cfg_.dword(at + kExpDevCap);
	ExpressCapability e;
	const unsigned type = (flags >> 4) & 0xf;
	static constexpr const char *kTypes[] = {"endpoint", "legacy endpoint", "", "", "root port",
						 "upstream switch port", "downstream switch port",
						 "PCIe-to-PCI bridge", "PCI-to-PCIe bridge", "root complex integrated endpoint",
						 "root complex event collector"};
	if (type == 0 || type == 1 || type == 9) {
		e.port_type = static_cast<ExpressPortType>(type);
	} else {
		left_out(fmt::format("{}: PCIe device/port type {} ({}): not expressible, recorded as an endpoint",
				     hex(at, 2), type, type < std::size(kTypes) && *kTypes[type] ? kTypes[type] : "reserved"));
	}
	unsigned payload = devcap & 7;
	if (payload > 5) {
		left_out(fmt::format("{}: Max_Payload_Size Supported code {} is reserved: recorded as 4096", hex(at, 2),
				     payload));
		payload = 5;
	}
	e.max_payload = static_cast<uint16_t>(128u << payload);
	e.flr = devcap & kExpDevCapFlr;
	d_.express = e;
	if ((flags & 0xf) != 2)
		note(fmt::format("{}: PCIe capability version {}: the model's is 2", hex(at, 2), flags & 0xf));
}

void Decoder::extended_capabilities()
{
	std::set<uint16_t> seen;
	bool sriov_seen = false;
	uint16_t at = kConfigSizeConventional;
	while (at) {
		if (at < kConfigSizeConventional || !cfg_.has(at, 4)) {
			note("extended capability pointer " + hex(at, 3) + " points outside the config: chain cut there");
			break;
		}
		if (!seen.insert(at).second || seen.size() > kMaxExtCaps) {
			note("extended capability chain loops at " + hex(at, 3) + ": cut there");
			break;
		}
		const uint32_t h = cfg_.dword(at);
		if (h == 0 || h == 0xffffffff)
			break;
		const unsigned id = h & 0xffff;
		/* ID 0 with a next pointer: a placeholder header, as Linux skips it. */
		if (id == kExtCapIdSriov && !d_.sriov && !sriov_seen) {
			sriov_seen = true;
			decode_sriov(fn_, at, rec_);
		} else if (id != 0) {
			std::string name = extended_capability_name(id);
			left_out(fmt::format("{}: extended capability {} ({}), version {}: not expressible", hex(at, 3),
					     hex(id, 4), name.empty() ? "unknown" : name, (h >> 16) & 0xf));
		}
		at = static_cast<uint16_t>((h >> 20) & 0xffc);
	}
}

/* Only the header was readable (Linux without CAP_SYS_ADMIN). What is
 * known elsewhere is used, and said to be inferred. */
void Decoder::infer_without_capabilities()
{
	if (!(cfg_.word(kStatus) & kStatusCapList))
		return;
	note("capabilities: the status register says there are some, but they were not readable");
	auto listed = [&](const char *method) {
		return fn_.reset_methods &&
		       std::find(fn_.reset_methods->begin(), fn_.reset_methods->end(), method) != fn_.reset_methods->end();
	};
	if (fn_.config_size >= kConfigSizeExpress || listed("flr")) {
		ExpressCapability e;
		e.flr = listed("flr");
		d_.express = e;
		note(std::string("[express] inferred from ") +
		     (fn_.config_size >= kConfigSizeExpress ? "the 4096-byte config space" : "reset_method's flr") +
		     (e.flr ? ", flr from reset_method" : "") + "; its other fields are defaults");
	}
	if (listed("pm")) {
		d_.pm = PmCapability{};
		note("[pm] inferred from reset_method's pm (a PM capability without NoSoftRst); its other fields are defaults");
	}
	infer_sriov(fn_, rec_);
}

void Decoder::reset_methods()
{
	if (!fn_.reset_methods) {
		note("no reset_method file: no reset method recorded (Linux 5.15 and later show the file whenever the "
		     "function has one)");
		return;
	}
	const bool from_config = cfg_.size() > kStdHeaderSize;
	for (const std::string &method : *fn_.reset_methods) {
		if (method == "bus") {
			d_.bus_reset = true;
		} else if (method == "flr") {
			if (from_config && !(d_.express && d_.express->flr))
				left_out("reset method flr: listed, but the PCIe capability does not say FLR (the model's FLR "
					 "is the PCIe one)");
		} else if (method == "pm") {
			if (from_config && !(d_.pm && !d_.pm->no_soft_reset))
				left_out("reset method pm: listed, but no PM capability without NoSoftRst was found");
		} else {
			left_out("reset method " + method + ": not expressible (the model has flr, pm and bus)");
		}
	}
	auto listed = [&](const char *m) {
		return std::find(fn_.reset_methods->begin(), fn_.reset_methods->end(), m) != fn_.reset_methods->end();
	};
	/* reset_method is writable: a method switched off there is still the
	 * hardware's, and the model would offer it. */
	if (d_.express && d_.express->flr && !listed("flr"))
		note("FLR: the PCIe capability has it but reset_method does not list it (switched off?); recorded");
	if (d_.pm && !d_.pm->no_soft_reset && !listed("pm"))
		note("PM reset: the PM capability allows it but reset_method does not list it (switched off?); recorded");
}

/* What validate_device_description() refuses is left out, field by field,
 * until the description is valid: a recording never fails on one odd
 * register of a real device. */
bool repair(Recording &rec, const DescriptionError &e)
{
	DeviceDescription &d = rec.desc;
	const std::string &f = e.field;
	auto drop = [&](const std::string &what) {
		rec.left_out.push_back(what + ": " + e.problem + ": left out");
		return true;
	};
	if (f.rfind("sriov", 0) == 0 && d.sriov) {
		if (f.rfind("sriov.bar[", 0) == 0 && f.size() > 11 && f[10] >= '0' && f[10] <= '5') {
			unsigned i = static_cast<unsigned>(f[10] - '0');
			d.sriov->vf_bars[i] = BarDescription{};
			return drop("sriov.bar[" + std::to_string(i) + "]");
		}
		if (f.rfind("sriov.msix", 0) == 0 && d.sriov->vf_msix) {
			d.sriov->vf_msix.reset();
			return drop("[sriov.msix]");
		}
		d.sriov.reset();
		return drop("[sriov]");
	}
	if (f == "rom_address") {
		const uint32_t address = d.rom_address;
		d.rom_address = 0;
		return drop("rom_address " + hex(address));
	}
	if (f.rfind("rom", 0) == 0) {
		d.rom_size = 0;
		d.rom_address = 0;
		return drop("expansion ROM");
	}
	if (f.rfind("bar[", 0) == 0 && f.size() > 5 && f[4] >= '0' && f[4] <= '5') {
		unsigned i = static_cast<unsigned>(f[4] - '0');
		if (f.ends_with(".address") && d.bars[i].address) {
			d.bars[i].address = 0;
			return drop("bar[" + std::to_string(i) + "] address");
		}
		d.bars[i] = BarDescription{};
		return drop("bar[" + std::to_string(i) + "]");
	}
	if (f.rfind("msix", 0) == 0 && d.msix) {
		d.msix.reset();
		return drop("MSI-X capability");
	}
	if (f.rfind("msi.", 0) == 0 && d.msi) {
		d.msi.reset();
		return drop("MSI capability");
	}
	if (f.rfind("pm", 0) == 0 && d.pm) {
		d.pm.reset();
		return drop("PM capability");
	}
	return false;
}

} /* namespace */

std::variant<Recording, std::string> decode_function(const SysfsFunction &fn)
{
	if (auto problem = virtual_function_problem(fn))
		return *problem;
	Recording rec;
	Decoder decoder(fn, rec);
	if (auto problem = decoder.run())
		return *problem;
	for (int round = 0; round < 32; ++round) {
		auto problem = validate_device_description(rec.desc, fn.dir);
		if (!problem)
			return rec;
		if (!repair(rec, *problem))
			return "cannot describe " + fn.dir + ": " + problem->message();
	}
	return "cannot describe " + fn.dir + ": too many fields the model refuses";
}

} /* namespace softvfio::cli::record */
