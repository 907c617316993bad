/* SPDX-License-Identifier: MIT */
/*
 * validate_device_description(): every rule a description must satisfy before
 * a function is built from it. The first problem found is reported, with the
 * field named the way the TOML file names it.
 */
#include <softvfio/device_description.h>

#include <string>

#include "pci/description_util.h"
#include "pci/regs.h"
#include "pci/register_model.h"
#include "pci/sriov.h"

namespace softvfio {

namespace {

using pci::desc_util::format_hex;
using pci::desc_util::is_power_of_two;
using pci::desc_util::ranges_overlap;

using Problem = std::optional<DescriptionError>;

constexpr uint16_t kCommandImplemented = pci::regs::kCommandWritable;

constexpr uint64_t kMemBarMin = 16;
constexpr uint64_t kIoBarMin = 4;
constexpr uint64_t kIoBarMax = 256;
constexpr uint64_t kMem32BarMax = uint64_t(1) << 31;
/* BAR i lives at memfd offset i << 40, so a BAR cannot be larger. */
constexpr uint64_t kMem64BarMax = uint64_t(1) << 40;
constexpr uint64_t k4GiB = uint64_t(1) << 32;
constexpr uint64_t kIoSpaceEnd = 0x10000;
constexpr uint32_t kRomMin = 2048;
constexpr uint32_t kRomMax = 16u << 20;

class Validator
{
public:
	Validator(const DeviceDescription &desc, std::string_view origin)
		: desc_(desc), origin_(origin)
	{
	}

	Problem run();

private:
	Problem error(const std::string &field, std::string problem) const
	{
		return DescriptionError{origin_, field, std::move(problem)};
	}
	static std::string bar_field(unsigned i, const char *key)
	{
		return "bar[" + std::to_string(i) + "]." + key;
	}

	Problem check_header() const;
	Problem check_bar(unsigned i) const;
	Problem check_bar_size(unsigned i) const;
	Problem check_bar_address(unsigned i) const;
	Problem check_bar_contents(unsigned i) const;
	Problem check_overlaps() const;
	Problem check_rom() const;
	Problem check_pm() const;
	Problem check_msi() const;
	Problem check_msix() const;
	Problem check_msix_bar(unsigned bar, const char *key) const;
	Problem check_express() const;

	const DeviceDescription &desc_;
	std::string origin_;
};

Problem Validator::run()
{
	if (Problem p = check_header())
		return p;
	for (unsigned i = 0; i < 6; ++i) {
		if (Problem p = check_bar(i))
			return p;
	}
	for (auto check : {&Validator::check_overlaps, &Validator::check_rom, &Validator::check_pm,
			   &Validator::check_msi, &Validator::check_msix,
			   &Validator::check_express}) {
		if (Problem p = (this->*check)())
			return p;
	}
	return {};
}

Problem Validator::check_header() const
{
	if (desc_.vendor_id == 0x0000 || desc_.vendor_id == 0xffff)
		return error("vendor_id", format_hex(desc_.vendor_id) +
						  " is not a valid vendor ID (it means \"no device\")");
	if (desc_.class_code > 0xffffff)
		return error("class_code", format_hex(desc_.class_code) + " does not fit in 24 bits");
	if (desc_.interrupt_pin > 4)
		return error("interrupt_pin", std::to_string(desc_.interrupt_pin) +
						      " is not a pin (0 = none, 1..4 = INTA..INTD)");
	if (desc_.command & ~kCommandImplemented)
		return error("command", format_hex(desc_.command) +
						" sets bits the function does not implement (it has " +
						format_hex(kCommandImplemented) + ")");
	return {};
}

Problem Validator::check_bar(unsigned i) const
{
	const BarDescription &bar = desc_.bars[i];
	if (bar.kind == BarKind::None) {
		if (bar.size)
			return error(bar_field(i, "kind"), "a BAR with a size needs a kind");
		return {};
	}
	if (bar.kind == BarKind::Mem64 && i == 5)
		return error(bar_field(i, "kind"), "a 64-bit BAR cannot be in slot 5 "
						   "(it needs slot 6 for its upper half)");
	if (bar.kind == BarKind::Mem64 && desc_.bars[i + 1].kind != BarKind::None)
		return error(bar_field(i + 1, "kind"),
			     "slot " + std::to_string(i + 1) + " is the upper half of 64-bit bar[" +
				     std::to_string(i) + "]");
	if (bar.kind == BarKind::Io && bar.prefetchable)
		return error(bar_field(i, "prefetchable"), "an I/O BAR cannot be prefetchable");
	if (Problem p = check_bar_size(i))
		return p;
	if (Problem p = check_bar_address(i))
		return p;
	return check_bar_contents(i);
}

Problem Validator::check_bar_size(unsigned i) const
{
	const BarDescription &bar = desc_.bars[i];
	const std::string field = bar_field(i, "size");
	if (bar.size == 0)
		return error(field, "a used BAR needs a size");
	if (!is_power_of_two(bar.size))
		return error(field, format_hex(bar.size) + " is not a power of two");
	const bool io = bar.kind == BarKind::Io;
	const uint64_t min = io ? kIoBarMin : kMemBarMin;
	if (bar.size < min)
		return error(field, format_hex(bar.size) + " is smaller than the minimum " +
					    (io ? "I/O" : "memory") + " BAR size " + format_hex(min));
	const uint64_t max = io ? kIoBarMax
			     : bar.kind == BarKind::Mem32 ? kMem32BarMax : kMem64BarMax;
	if (bar.size > max)
		return error(field, format_hex(bar.size) + " is larger than the maximum " +
					    format_hex(max) + " for this kind of BAR");
	return {};
}

Problem Validator::check_bar_address(unsigned i) const
{
	const BarDescription &bar = desc_.bars[i];
	const std::string field = bar_field(i, "address");
	if (bar.address == 0)
		return {};
	if (bar.address & (bar.size - 1))
		return error(field, format_hex(bar.address) + " is not aligned to the BAR size " +
					    format_hex(bar.size));
	const uint64_t end = bar.kind == BarKind::Io ? kIoSpaceEnd
			     : bar.kind == BarKind::Mem32 ? k4GiB : 0;
	if (end && (bar.address >= end || bar.size > end - bar.address))
		return error(field, format_hex(bar.address) + " + " + format_hex(bar.size) +
					    " does not fit below " + format_hex(end));
	if (bar.address > UINT64_MAX - bar.size + 1)
		return error(field, format_hex(bar.address) + " + " + format_hex(bar.size) +
					    " wraps around");
	return {};
}

Problem Validator::check_bar_contents(unsigned i) const
{
	const BarDescription &bar = desc_.bars[i];
	if (bar.contents == BarContents::Ram) {
		if (!bar.model.empty())
			return error(bar_field(i, "model"),
				     "a model is only for contents = \"registers\"");
		if (!bar.plugin.empty())
			return error(bar_field(i, "plugin"), "a plugin is only for model = \"plugin\"");
		return {};
	}
	if (bar.model.empty())
		return error(bar_field(i, "model"), "contents = \"registers\" needs a model");
	if (bar.model == pci::kPluginModelName && bar.plugin.empty())
		return error(bar_field(i, "plugin"),
			     "model = \"plugin\" needs the plugin's file (plugin = \"mydev.so\")");
	if (bar.model != pci::kPluginModelName && !bar.plugin.empty())
		return error(bar_field(i, "plugin"), "a plugin is only for model = \"plugin\"");
	if (bar.model == pci::kPluginModelName)   /* its minimum size is checked when it loads */
		return bar.clear_on_reset ? error(bar_field(i, "clear_on_reset"),
						  "only RAM contents can be cleared on reset")
					  : Problem{};
	const auto info = pci::find_register_model(bar.model);
	if (!info) {
		std::string known;
		for (const std::string &name : register_model_names())
			known += (known.empty() ? "" : ", ") + name;
		return error(bar_field(i, "model"),
			     "unknown register model \"" + bar.model + "\" (known: " + known + ")");
	}
	if (bar.size < info->min_bar_size)
		return error(bar_field(i, "size"), format_hex(bar.size) + " is too small for the " +
							   bar.model + " model (it needs " +
							   format_hex(info->min_bar_size) + ")");
	if (bar.clear_on_reset)
		return error(bar_field(i, "clear_on_reset"),
			     "only RAM contents can be cleared on reset");
	return {};
}

/* Explicit addresses in the same space must not collide (the ROM is memory). */
Problem Validator::check_overlaps() const
{
	for (unsigned i = 0; i < 6; ++i) {
		const BarDescription &a = desc_.bars[i];
		if (a.kind == BarKind::None || !a.address)
			continue;
		for (unsigned j = 0; j < i; ++j) {
			const BarDescription &b = desc_.bars[j];
			if (b.kind == BarKind::None || !b.address)
				continue;
			if ((a.kind == BarKind::Io) != (b.kind == BarKind::Io))
				continue;
			if (ranges_overlap(a.address, a.size, b.address, b.size))
				return error(bar_field(i, "address"),
					     format_hex(a.address) + " overlaps bar[" +
						     std::to_string(j) + "]");
		}
		if (a.kind != BarKind::Io && desc_.rom_size && desc_.rom_address &&
		    ranges_overlap(a.address, a.size, desc_.rom_address, desc_.rom_size))
			return error(bar_field(i, "address"),
				     format_hex(a.address) + " overlaps the expansion ROM");
	}
	return {};
}

Problem Validator::check_rom() const
{
	const uint32_t size = desc_.rom_size;
	if (size == 0) {
		if (desc_.rom_address)
			return error("rom_address", "an address without a ROM (rom_size is 0)");
		return {};
	}
	if (!is_power_of_two(size))
		return error("rom_size", format_hex(size) + " is not a power of two");
	if (size < kRomMin)
		return error("rom_size", format_hex(size) + " is smaller than the minimum ROM size " +
						 format_hex(kRomMin));
	if (size > kRomMax)
		return error("rom_size", format_hex(size) + " is larger than the maximum " +
						 format_hex(kRomMax));
	if (desc_.rom_address & (size - 1))
		return error("rom_address", format_hex(desc_.rom_address) +
						    " is not aligned to the ROM size " + format_hex(size));
	if (uint64_t(desc_.rom_address) + size > k4GiB)
		return error("rom_address", format_hex(desc_.rom_address) + " + " +
						    format_hex(size) + " does not fit below 4 GiB");
	return {};
}

Problem Validator::check_pm() const
{
	if (desc_.pm && desc_.pm->pme_support > 0x1f)
		return error("pm.pme_support", format_hex(desc_.pm->pme_support) +
						       " does not fit in 5 bits (D0, D1, D2, D3hot, "
						       "D3cold)");
	return {};
}

Problem Validator::check_msi() const
{
	if (!desc_.msi)
		return {};
	const unsigned vectors = desc_.msi->vectors;
	if (!is_power_of_two(vectors) || vectors > 32)
		return error("msi.vectors", std::to_string(vectors) +
						    " is not 1, 2, 4, 8, 16 or 32");
	return {};
}

Problem Validator::check_msix_bar(unsigned bar, const char *key) const
{
	const std::string field = std::string("msix.") + key;
	if (bar > 5)
		return error(field, std::to_string(bar) + " is not a BAR index (0..5)");
	const BarDescription &b = desc_.bars[bar];
	if (b.kind != BarKind::Mem32 && b.kind != BarKind::Mem64)
		return error(field, "bar[" + std::to_string(bar) + "] is not a memory BAR");
	if (b.contents != BarContents::Ram)
		return error(field, "bar[" + std::to_string(bar) +
					    "] holds registers; the MSI-X structures need a RAM BAR");
	return {};
}

Problem Validator::check_msix() const
{
	if (!desc_.msix)
		return {};
	const MsixCapability &m = *desc_.msix;
	if (m.vectors < 1 || m.vectors > 2048)
		return error("msix.vectors", std::to_string(m.vectors) + " is not in 1..2048");
	if (Problem p = check_msix_bar(m.table_bar, "table_bar"))
		return p;
	if (Problem p = check_msix_bar(m.pba_bar, "pba_bar"))
		return p;
	if (m.table_offset & 7)
		return error("msix.table_offset", format_hex(m.table_offset) +
							  " is not 8-byte aligned");
	if (m.pba_offset & 7)
		return error("msix.pba_offset", format_hex(m.pba_offset) + " is not 8-byte aligned");

	const uint64_t table_len = uint64_t(m.vectors) * pci::regs::kMsixEntrySize;
	const uint64_t pba_len = (uint64_t(m.vectors) + 63) / 64 * 8;
	const uint64_t table_bar_size = desc_.bars[m.table_bar].size;
	const uint64_t pba_bar_size = desc_.bars[m.pba_bar].size;
	if (m.table_offset > table_bar_size || table_len > table_bar_size - m.table_offset)
		return error("msix.table_offset",
			     "the table (" + format_hex(table_len) + " bytes at " +
				     format_hex(m.table_offset) + ") does not fit in bar[" +
				     std::to_string(m.table_bar) + "] (" + format_hex(table_bar_size) +
				     " bytes)");
	if (m.pba_offset > pba_bar_size || pba_len > pba_bar_size - m.pba_offset)
		return error("msix.pba_offset",
			     "the PBA (" + format_hex(pba_len) + " bytes at " +
				     format_hex(m.pba_offset) + ") does not fit in bar[" +
				     std::to_string(m.pba_bar) + "] (" + format_hex(pba_bar_size) +
				     " bytes)");
	if (m.table_bar == m.pba_bar &&
	    ranges_overlap(m.table_offset, table_len, m.pba_offset, pba_len))
		return error("msix.pba_offset", "the PBA overlaps the table");
	return {};
}

Problem Validator::check_express() const
{
	if (!desc_.express)
		return {};
	const ExpressCapability &e = *desc_.express;
	switch (e.port_type) {
	case ExpressPortType::Endpoint:
	case ExpressPortType::LegacyEndpoint:
	case ExpressPortType::RootComplexIntegrated:
		break;
	default:
		return error("express.port_type", "not an endpoint type");
	}
	if (!is_power_of_two(e.max_payload) || e.max_payload < 128 || e.max_payload > 4096)
		return error("express.max_payload", std::to_string(e.max_payload) +
							    " is not 128, 256, 512, 1024, 2048 or "
							    "4096");
	return {};
}

} /* namespace */

std::string DescriptionError::message() const
{
	if (field.empty())
		return file + ": " + problem;
	return file + ": " + field + ": " + problem;
}

std::optional<DescriptionError> validate_device_description(const DeviceDescription &desc,
							    std::string_view origin)
{
	if (auto problem = Validator(desc, origin).run())
		return problem;
	return pci::validate_sriov_description(desc, origin);
}

} /* namespace softvfio */
