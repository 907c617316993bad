/* SPDX-License-Identifier: MIT */
/*
 * Writing TOML by hand rather than through toml++'s formatter: the key
 * order, hex numbers and size strings are what a person would write, and
 * comments (which toml++ cannot emit) carry what the recording could not
 * express.
 */
#include "cli/record_toml.h"

#include <fmt/format.h>

namespace softvfio::cli::record {

namespace {

std::string quoted(const std::string &s)
{
	std::string out = "\"";
	for (char c : s) {
		if (c == '"' || c == '\\')
			out += '\\';
		if (static_cast<unsigned char>(c) < 0x20) {
			out += fmt::format("\\u{:04x}", static_cast<unsigned char>(c));
			continue;
		}
		out += c;
	}
	return out + "\"";
}

/* One comment line: a newline inside would end the comment early. */
std::string comment(const std::string &text)
{
	std::string line = text;
	for (char &c : line)
		if (c == '\n' || c == '\r')
			c = ' ';
	return line;
}

const char *bool_text(bool v) { return v ? "true" : "false"; }

const char *kind_text(BarKind kind)
{
	switch (kind) {
	case BarKind::Mem32: return "mem32";
	case BarKind::Mem64: return "mem64";
	case BarKind::Io: return "io";
	default: return "";
	}
}

const char *port_type_text(ExpressPortType type)
{
	switch (type) {
	case ExpressPortType::LegacyEndpoint: return "legacy-endpoint";
	case ExpressPortType::RootComplexIntegrated: return "rc-integrated";
	default: return "endpoint";
	}
}

void write_bar(std::string &out, unsigned index, const BarDescription &bar)
{
	out += fmt::format("\n[[bar]]\nindex = {}\nkind = \"{}\"\nsize = {}\n", index, kind_text(bar.kind),
			   size_text(bar.size));
	if (bar.kind != BarKind::Io)
		out += fmt::format("prefetchable = {}\n", bool_text(bar.prefetchable));
	if (bar.address)
		out += fmt::format("address = {:#x}\n", bar.address);
	if (bar.contents == BarContents::Registers)
		out += fmt::format("contents = \"registers\"\nmodel = {}\n", quoted(bar.model));
	if (!bar.mmap)
		out += "mmap = false\n";
	if (bar.clear_on_reset)
		out += "clear_on_reset = true\n";
}

void write_sriov(std::string &out, const SriovCapability &s)
{
	/* initial_vfs 0 means TotalVFs: written as the number it is. */
	out += fmt::format("\n[sriov]\ntotal_vfs = {}\ninitial_vfs = {}\nvf_device_id = {:#06x}\nfirst_vf_offset = {}\n"
			   "vf_stride = {}\nsupported_page_sizes = {:#x}\n",
			   s.total_vfs, s.initial_vfs ? s.initial_vfs : s.total_vfs, s.vf_device_id, s.first_vf_offset,
			   s.vf_stride, s.supported_page_sizes);
	for (unsigned i = 0; i < s.vf_bars.size(); ++i) {
		const BarDescription &bar = s.vf_bars[i];
		if (bar.kind == BarKind::None)
			continue;
		out += fmt::format("\n[[sriov.bar]]\nindex = {}\nkind = \"{}\"\nsize = {}\nprefetchable = {}\n", i,
				   kind_text(bar.kind), size_text(bar.size), bool_text(bar.prefetchable));
	}
	if (s.vf_msix)
		out += fmt::format("\n[sriov.msix]\nvectors = {}\ntable_bar = {}\ntable_offset = {:#x}\npba_bar = {}\n"
				   "pba_offset = {:#x}\n",
				   s.vf_msix->vectors, s.vf_msix->table_bar, s.vf_msix->table_offset, s.vf_msix->pba_bar,
				   s.vf_msix->pba_offset);
}

/* "INTA, host irq 16; MSI: 8 vectors, 64-bit, per-vector masking; MSI-X: 64 vectors" */
std::string interrupts_text(const Recording &rec)
{
	const DeviceDescription &d = rec.desc;
	std::string out = d.interrupt_pin ? fmt::format("INT{:c}", 'A' + d.interrupt_pin - 1) : "no INTx";
	if (rec.host_irq && d.interrupt_pin)
		out += fmt::format(" (host irq {})", *rec.host_irq);
	if (d.msi)
		out += fmt::format("; MSI {} vector{}{}{}", d.msi->vectors, d.msi->vectors == 1 ? "" : "s",
				   d.msi->address64 ? ", 64-bit" : "", d.msi->per_vector_mask ? ", maskable" : "");
	if (d.msix)
		out += fmt::format("; MSI-X {} vector{}", d.msix->vectors, d.msix->vectors == 1 ? "" : "s");
	if (d.sriov && d.sriov->vf_msix)
		out += fmt::format("; each VF MSI-X {} vector{}", d.sriov->vf_msix->vectors,
				   d.sriov->vf_msix->vectors == 1 ? "" : "s");
	return out;
}

} /* namespace */

std::string size_text(uint64_t size)
{
	static constexpr struct {
		const char *unit;
		unsigned shift;
	} kUnits[] = {{"TiB", 40}, {"GiB", 30}, {"MiB", 20}, {"KiB", 10}};
	for (const auto &u : kUnits) {
		const uint64_t one = uint64_t{1} << u.shift;
		if (size >= one && size % one == 0)
			return fmt::format("\"{}{}\"", size >> u.shift, u.unit);
	}
	return fmt::format("{:#x}", size);
}

std::string description_toml(const DeviceDescription &d)
{
	std::string out;
	out += fmt::format("name = {}\n", quoted(d.name));
	out += fmt::format("vendor_id = {:#06x}\n", d.vendor_id);
	out += fmt::format("device_id = {:#06x}\n", d.device_id);
	out += fmt::format("subsystem_vendor_id = {:#06x}\n", d.subsystem_vendor_id);
	out += fmt::format("subsystem_id = {:#06x}\n", d.subsystem_id);
	out += fmt::format("class_code = {:#08x}\n", d.class_code);
	out += fmt::format("revision = {:#04x}\n", d.revision);
	out += fmt::format("interrupt_pin = {}\n", d.interrupt_pin);
	out += fmt::format("interrupt_line = {}\n", d.interrupt_line);
	out += fmt::format("command = {:#06x}\n", d.command);
	out += fmt::format("bus_reset = {}\n", bool_text(d.bus_reset));
	if (d.rom_size) {
		out += fmt::format("rom_size = {}\n", size_text(d.rom_size));
		if (d.rom_address)
			out += fmt::format("rom_address = {:#x}\n", d.rom_address);
	}
	for (unsigned i = 0; i < d.bars.size(); ++i)
		if (d.bars[i].kind != BarKind::None)
			write_bar(out, i, d.bars[i]);
	if (d.pm)
		out += fmt::format("\n[pm]\nno_soft_reset = {}\nd1 = {}\nd2 = {}\npme_support = {:#04x}\n",
				   bool_text(d.pm->no_soft_reset), bool_text(d.pm->d1), bool_text(d.pm->d2),
				   d.pm->pme_support);
	if (d.msi)
		out += fmt::format("\n[msi]\nvectors = {}\naddress64 = {}\nper_vector_mask = {}\n", d.msi->vectors,
				   bool_text(d.msi->address64), bool_text(d.msi->per_vector_mask));
	if (d.msix)
		out += fmt::format("\n[msix]\nvectors = {}\ntable_bar = {}\ntable_offset = {:#x}\npba_bar = {}\n"
				   "pba_offset = {:#x}\n",
				   d.msix->vectors, d.msix->table_bar, d.msix->table_offset, d.msix->pba_bar,
				   d.msix->pba_offset);
	if (d.express)
		out += fmt::format("\n[express]\nport_type = \"{}\"\nflr = {}\nmax_payload = {}\n",
				   port_type_text(d.express->port_type), bool_text(d.express->flr),
				   d.express->max_payload);
	if (d.sriov)
		write_sriov(out, *d.sriov);
	return out;
}

std::string recording_toml(const Recording &rec)
{
	std::string out = "# " + comment(rec.desc.name + " as recorded by `softvfio record` from " + rec.source) + "\n";
	out += "# (the format: softvfio-device(5); check it with `softvfio info --device FILE`)\n";
	out += fmt::format("# Interrupts: {}.\n", interrupts_text(rec));
	bool any_bar = rec.desc.rom_size != 0;
	for (const BarDescription &bar : rec.desc.bars)
		any_bar = any_bar || bar.kind != BarKind::None;
	if (any_bar)
		out += "# What is behind a BAR is not visible in sysfs: every BAR is recorded as plain RAM.\n";
	out += "# Capabilities are laid out by the model (from 0x40: PM, MSI, PCIe, MSI-X); registers the\n"
	       "# format has no field for are the model's own.\n";
	if (rec.desc.sriov)
		out += "# SR-IOV: the capability at 0x100; the VF BAR sizes are the apertures of resource lines\n"
		       "# 7..12 divided by TotalVFs; their addresses are assigned by the model.\n";
	if (!rec.notes.empty()) {
		out += "#\n# Notes:\n";
		for (const std::string &n : rec.notes)
			out += "#   " + comment(n) + "\n";
	}
	if (!rec.left_out.empty()) {
		out += "#\n# Not expressible in this format, left out:\n";
		for (const std::string &l : rec.left_out)
			out += "#   " + comment(l) + "\n";
	}
	out += "\n";
	return out + description_toml(rec.desc);
}

} /* namespace softvfio::cli::record */
