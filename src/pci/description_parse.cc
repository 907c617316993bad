/* SPDX-License-Identifier: MIT */
/*
 * TOML -> DeviceDescription. This file only maps syntax to the struct: which
 * keys exist, their types, their ranges. What the values mean together is
 * checked afterwards by validate_device_description(), so descriptions built
 * in code get exactly the same checks.
 *
 * toml++ reports syntax errors by throwing toml::parse_error; it is caught
 * here and turned into a DescriptionError, so no exception leaves the parser.
 */
#include <softvfio/device_description.h>

#include <exception>
#include <fstream>
#include <limits>
#include <new>
#include <sstream>

#include <toml++/toml.h>

#include "pci/description_plugin.h"
#include "pci/description_util.h"

namespace softvfio {

namespace {

using pci::desc_util::format_hex;
using pci::desc_util::parse_size_string;

/* The outcome of one step: nothing, or the first problem found. */
using Problem = std::optional<DescriptionError>;

class Parser
{
public:
	explicit Parser(std::string_view origin) : origin_(origin) {}

	Problem parse(const toml::table &root, DeviceDescription &out);

private:
	DescriptionError error(const std::string &field, std::string problem) const
	{
		return DescriptionError{origin_, field, std::move(problem)};
	}

	Problem get_uint(const toml::node &node, const std::string &field, uint64_t max,
			 uint64_t &out) const;
	Problem get_size(const toml::node &node, const std::string &field, uint64_t max,
			 uint64_t &out) const;
	Problem get_bool(const toml::node &node, const std::string &field, bool &out) const;
	Problem get_string(const toml::node &node, const std::string &field,
			   std::string &out) const;
	template<typename T>
	Problem get_uint_as(const toml::node &node, const std::string &field, T &out) const;
	template<typename T>
	Problem get_size_as(const toml::node &node, const std::string &field, T &out) const;

	Problem parse_top_key(const std::string &key, const toml::node &node,
			      DeviceDescription &out);
	/* [[bar]] tables into `bars`, fields named "<root>[N].key" */
	Problem parse_bars(const toml::node &node, const std::string &root,
			   std::array<BarDescription, 6> &bars);
	Problem parse_bar(const toml::table &table, unsigned position, const std::string &root,
			  std::array<BarDescription, 6> &bars, std::array<bool, 6> &seen);
	Problem parse_bar_key(const std::string &key, const toml::node &node,
			      const std::string &prefix, BarDescription &bar);
	Problem parse_pm(const toml::node &node, DeviceDescription &out);
	Problem parse_msi(const toml::node &node, DeviceDescription &out);
	Problem parse_msix(const toml::node &node, DeviceDescription &out);
	/* An [msix] table's keys into `msix`, fields named "<root>.key". */
	Problem parse_msix_table(const toml::node &node, const std::string &root, MsixCapability &msix);
	Problem parse_express(const toml::node &node, DeviceDescription &out);
	Problem parse_sriov(const toml::node &node, DeviceDescription &out);
	const toml::table *as_table(const toml::node &node, const std::string &field,
				    Problem &problem) const;

	std::string origin_;
};

const char *type_name(const toml::node &node)
{
	switch (node.type()) {
	case toml::node_type::table: return "a table";
	case toml::node_type::array: return "an array";
	case toml::node_type::string: return "a string";
	case toml::node_type::integer: return "an integer";
	case toml::node_type::floating_point: return "a floating-point number";
	case toml::node_type::boolean: return "a boolean";
	default: return "a date or time";
	}
}

Problem Parser::get_uint(const toml::node &node, const std::string &field, uint64_t max,
			 uint64_t &out) const
{
	const auto *value = node.as_integer();
	if (!value)
		return error(field, std::string("expected an integer, found ") + type_name(node));
	int64_t v = value->get();
	if (v < 0)
		return error(field, std::to_string(v) + " is negative");
	if (static_cast<uint64_t>(v) > max)
		return error(field, format_hex(static_cast<uint64_t>(v)) + " is larger than " +
					    format_hex(max));
	out = static_cast<uint64_t>(v);
	return {};
}

/* Sizes and addresses: an integer, or a string such as "1MiB" or "0x100". */
Problem Parser::get_size(const toml::node &node, const std::string &field, uint64_t max,
			 uint64_t &out) const
{
	if (node.is_integer())
		return get_uint(node, field, max, out);
	const auto *text = node.as_string();
	if (!text)
		return error(field, std::string("expected an integer or a size string, found ") +
					    type_name(node));
	std::optional<uint64_t> v = parse_size_string(text->get());
	if (!v)
		return error(field, "\"" + text->get() +
					    "\" is not a size (use a number, optionally followed "
					    "by B, KiB, MiB, GiB or TiB)");
	if (*v > max)
		return error(field, format_hex(*v) + " is larger than " + format_hex(max));
	out = *v;
	return {};
}

template<typename T>
Problem Parser::get_uint_as(const toml::node &node, const std::string &field, T &out) const
{
	uint64_t v = 0;
	if (Problem p = get_uint(node, field, std::numeric_limits<T>::max(), v))
		return p;
	out = static_cast<T>(v);
	return {};
}

template<typename T>
Problem Parser::get_size_as(const toml::node &node, const std::string &field, T &out) const
{
	uint64_t v = 0;
	if (Problem p = get_size(node, field, std::numeric_limits<T>::max(), v))
		return p;
	out = static_cast<T>(v);
	return {};
}

Problem Parser::get_bool(const toml::node &node, const std::string &field, bool &out) const
{
	const auto *value = node.as_boolean();
	if (!value)
		return error(field, std::string("expected true or false, found ") + type_name(node));
	out = value->get();
	return {};
}

Problem Parser::get_string(const toml::node &node, const std::string &field,
			   std::string &out) const
{
	const auto *value = node.as_string();
	if (!value)
		return error(field, std::string("expected a string, found ") + type_name(node));
	out = value->get();
	return {};
}

const toml::table *Parser::as_table(const toml::node &node, const std::string &field,
				    Problem &problem) const
{
	const auto *table = node.as_table();
	if (!table)
		problem = error(field, std::string("expected a table, found ") + type_name(node));
	return table;
}

Problem Parser::parse(const toml::table &root, DeviceDescription &out)
{
	/* vendor_id is the one key without a default. Said here, because
	 * validation would only see its zero and call it an invalid ID. */
	if (root.empty())
		return error("", "the description is empty (it needs at least vendor_id)");
	for (const auto &[key, node] : root) {
		if (Problem p = parse_top_key(std::string(key.str()), node, out))
			return p;
	}
	if (!root.contains("vendor_id"))
		return error("vendor_id", "missing (every description needs its PCI vendor ID)");
	return {};
}

Problem Parser::parse_top_key(const std::string &key, const toml::node &node,
			      DeviceDescription &out)
{
	if (key == "name")
		return get_string(node, key, out.name);
	if (key == "vendor_id")
		return get_uint_as(node, key, out.vendor_id);
	if (key == "device_id")
		return get_uint_as(node, key, out.device_id);
	if (key == "subsystem_vendor_id")
		return get_uint_as(node, key, out.subsystem_vendor_id);
	if (key == "subsystem_id")
		return get_uint_as(node, key, out.subsystem_id);
	if (key == "class_code") {
		uint64_t v = 0;
		if (Problem p = get_uint(node, key, 0xffffff, v))
			return p;
		out.class_code = static_cast<uint32_t>(v);
		return {};
	}
	if (key == "revision")
		return get_uint_as(node, key, out.revision);
	if (key == "interrupt_pin")
		return get_uint_as(node, key, out.interrupt_pin);
	if (key == "interrupt_line")
		return get_uint_as(node, key, out.interrupt_line);
	if (key == "command")
		return get_uint_as(node, key, out.command);
	if (key == "rom_size")
		return get_size_as(node, key, out.rom_size);
	if (key == "rom_address")
		return get_size_as(node, key, out.rom_address);
	if (key == "bus_reset")
		return get_bool(node, key, out.bus_reset);
	if (key == "bar")
		return parse_bars(node, "bar", out.bars);
	if (key == "pm")
		return parse_pm(node, out);
	if (key == "msi")
		return parse_msi(node, out);
	if (key == "msix")
		return parse_msix(node, out);
	if (key == "express")
		return parse_express(node, out);
	if (key == "sriov")
		return parse_sriov(node, out);
	return error(key, "unknown key");
}

Problem Parser::parse_bars(const toml::node &node, const std::string &root,
			   std::array<BarDescription, 6> &bars)
{
	const auto *array = node.as_array();
	if (!array)
		return error(root, "expected an array of tables ([[" + root + "]]), found " +
					   type_name(node));
	std::array<bool, 6> seen{};
	unsigned position = 0;
	for (const toml::node &element : *array) {
		++position;
		const auto *table = element.as_table();
		if (!table)
			return error(root + "[#" + std::to_string(position) + "]",
				     std::string("expected a table, found ") + type_name(element));
		if (Problem p = parse_bar(*table, position, root, bars, seen))
			return p;
	}
	return {};
}

/* The index comes first: every other field is reported as bar[<index>]. */
Problem Parser::parse_bar(const toml::table &table, unsigned position, const std::string &root,
			  std::array<BarDescription, 6> &bars, std::array<bool, 6> &seen)
{
	const std::string anonymous = root + "[#" + std::to_string(position) + "]";
	const toml::node *index_node = table.get("index");
	if (!index_node)
		return error(anonymous + ".index",
			     "missing (every [[" + root + "]] needs its index, 0..5)");
	uint64_t index = 0;
	if (Problem p = get_uint(*index_node, anonymous + ".index", 5, index))
		return p;
	if (seen[index])
		return error(anonymous + ".index", "BAR " + std::to_string(index) +
							   " is described twice");
	seen[index] = true;

	const std::string prefix = root + "[" + std::to_string(index) + "]";
	BarDescription bar;
	for (const auto &[key, node] : table) {
		if (key.str() == "index")
			continue;
		if (Problem p = parse_bar_key(std::string(key.str()), node, prefix, bar))
			return p;
	}
	if (bar.kind == BarKind::None)
		return error(prefix + ".kind", "missing (mem32, mem64 or io)");
	if (bar.size == 0 && !table.get("size"))
		return error(prefix + ".size", "missing");
	bars[index] = std::move(bar);
	return {};
}

Problem Parser::parse_bar_key(const std::string &key, const toml::node &node,
			      const std::string &prefix, BarDescription &bar)
{
	const std::string field = prefix + "." + key;
	if (key == "kind") {
		std::string kind;
		if (Problem p = get_string(node, field, kind))
			return p;
		if (kind == "mem32")
			bar.kind = BarKind::Mem32;
		else if (kind == "mem64")
			bar.kind = BarKind::Mem64;
		else if (kind == "io")
			bar.kind = BarKind::Io;
		else
			return error(field, "\"" + kind + "\" is not a BAR kind (mem32, mem64 or io)");
		return {};
	}
	if (key == "prefetchable")
		return get_bool(node, field, bar.prefetchable);
	if (key == "size")
		return get_size(node, field, std::numeric_limits<uint64_t>::max(), bar.size);
	if (key == "address")
		return get_size(node, field, std::numeric_limits<uint64_t>::max(), bar.address);
	if (key == "contents") {
		std::string contents;
		if (Problem p = get_string(node, field, contents))
			return p;
		if (contents == "ram")
			bar.contents = BarContents::Ram;
		else if (contents == "registers")
			bar.contents = BarContents::Registers;
		else
			return error(field, "\"" + contents +
						    "\" is not a contents kind (ram or registers)");
		return {};
	}
	if (key == "model")
		return get_string(node, field, bar.model);
	if (key == "plugin") {
		if (Problem p = get_string(node, field, bar.plugin))
			return p;
		bar.plugin = pci::plugin_path_for(origin_, bar.plugin);
		return {};
	}
	if (key == "mmap")
		return get_bool(node, field, bar.mmap);
	if (key == "clear_on_reset")
		return get_bool(node, field, bar.clear_on_reset);
	return error(field, "unknown key");
}

Problem Parser::parse_pm(const toml::node &node, DeviceDescription &out)
{
	Problem problem;
	const toml::table *table = as_table(node, "pm", problem);
	if (!table)
		return problem;
	PmCapability pm;
	for (const auto &[k, value] : *table) {
		const std::string key(k.str());
		const std::string field = "pm." + key;
		if (key == "no_soft_reset")
			problem = get_bool(value, field, pm.no_soft_reset);
		else if (key == "d1")
			problem = get_bool(value, field, pm.d1);
		else if (key == "d2")
			problem = get_bool(value, field, pm.d2);
		else if (key == "pme_support")
			problem = get_uint_as(value, field, pm.pme_support);
		else
			problem = error(field, "unknown key");
		if (problem)
			return problem;
	}
	out.pm = pm;
	return {};
}

Problem Parser::parse_msi(const toml::node &node, DeviceDescription &out)
{
	Problem problem;
	const toml::table *table = as_table(node, "msi", problem);
	if (!table)
		return problem;
	MsiCapability msi;
	for (const auto &[k, value] : *table) {
		const std::string key(k.str());
		const std::string field = "msi." + key;
		if (key == "vectors")
			problem = get_uint_as(value, field, msi.vectors);
		else if (key == "address64")
			problem = get_bool(value, field, msi.address64);
		else if (key == "per_vector_mask")
			problem = get_bool(value, field, msi.per_vector_mask);
		else
			problem = error(field, "unknown key");
		if (problem)
			return problem;
	}
	out.msi = msi;
	return {};
}

Problem Parser::parse_msix(const toml::node &node, DeviceDescription &out)
{
	MsixCapability msix;
	if (Problem problem = parse_msix_table(node, "msix", msix))
		return problem;
	out.msix = msix;
	return {};
}

Problem Parser::parse_msix_table(const toml::node &node, const std::string &root, MsixCapability &msix)
{
	Problem problem;
	const toml::table *table = as_table(node, root, problem);
	if (!table)
		return problem;
	for (const auto &[k, value] : *table) {
		const std::string key(k.str());
		const std::string field = root + "." + key;
		if (key == "vectors")
			problem = get_uint_as(value, field, msix.vectors);
		else if (key == "table_bar")
			problem = get_uint_as(value, field, msix.table_bar);
		else if (key == "table_offset")
			problem = get_size_as(value, field, msix.table_offset);
		else if (key == "pba_bar")
			problem = get_uint_as(value, field, msix.pba_bar);
		else if (key == "pba_offset")
			problem = get_size_as(value, field, msix.pba_offset);
		else
			problem = error(field, "unknown key");
		if (problem)
			return problem;
	}
	return {};
}

Problem Parser::parse_express(const toml::node &node, DeviceDescription &out)
{
	Problem problem;
	const toml::table *table = as_table(node, "express", problem);
	if (!table)
		return problem;
	ExpressCapability exp;
	for (const auto &[k, value] : *table) {
		const std::string key(k.str());
		const std::string field = "express." + key;
		if (key == "port_type") {
			std::string type;
			problem = get_string(value, field, type);
			if (problem)
				return problem;
			if (type == "endpoint")
				exp.port_type = ExpressPortType::Endpoint;
			else if (type == "legacy-endpoint")
				exp.port_type = ExpressPortType::LegacyEndpoint;
			else if (type == "rc-integrated")
				exp.port_type = ExpressPortType::RootComplexIntegrated;
			else
				return error(field, "\"" + type +
							    "\" is not a port type (endpoint, "
							    "legacy-endpoint or rc-integrated)");
		} else if (key == "flr") {
			problem = get_bool(value, field, exp.flr);
		} else if (key == "max_payload") {
			problem = get_size_as(value, field, exp.max_payload);
		} else {
			problem = error(field, "unknown key");
		}
		if (problem)
			return problem;
	}
	out.express = exp;
	return {};
}

/* [sriov] with its [[sriov.bar]] tables; what the values mean together is
 * validate_sriov_description()'s. */
Problem Parser::parse_sriov(const toml::node &node, DeviceDescription &out)
{
	Problem problem;
	const toml::table *table = as_table(node, "sriov", problem);
	if (!table)
		return problem;
	SriovCapability sriov;
	for (const auto &[k, value] : *table) {
		const std::string key(k.str());
		const std::string field = "sriov." + key;
		if (key == "total_vfs")
			problem = get_uint_as(value, field, sriov.total_vfs);
		else if (key == "initial_vfs")
			problem = get_uint_as(value, field, sriov.initial_vfs);
		else if (key == "vf_device_id")
			problem = get_uint_as(value, field, sriov.vf_device_id);
		else if (key == "first_vf_offset")
			problem = get_uint_as(value, field, sriov.first_vf_offset);
		else if (key == "vf_stride")
			problem = get_uint_as(value, field, sriov.vf_stride);
		else if (key == "supported_page_sizes")
			problem = get_uint_as(value, field, sriov.supported_page_sizes);
		else if (key == "bar")
			problem = parse_bars(value, "sriov.bar", sriov.vf_bars);
		else if (key == "msix")
			problem = parse_msix_table(value, "sriov.msix", sriov.vf_msix.emplace());
		else
			problem = error(field, "unknown key");
		if (problem)
			return problem;
	}
	if (!table->contains("total_vfs"))
		return error("sriov.total_vfs", "missing (how many VFs the function can have)");
	out.sriov = sriov;
	return {};
}

/* toml++ throws on syntax errors; this is the only place that can. */
std::variant<toml::table, DescriptionError> parse_toml(std::string_view text,
						       std::string_view origin)
{
	try {
		return toml::parse(text, origin);
	} catch (const toml::parse_error &e) {
		const auto &where = e.source().begin;
		std::ostringstream problem;
		problem << "line " << where.line << ", column " << where.column << ": "
			<< e.description();
		return DescriptionError{std::string(origin), "", problem.str()};
	} catch (const std::bad_alloc &) {
		return DescriptionError{std::string(origin), "", "out of memory"};
	} catch (...) {
		return DescriptionError{std::string(origin), "", "cannot parse"};
	}
}

std::string default_name(std::string_view origin)
{
	std::string_view name = origin;
	if (size_t slash = name.rfind('/'); slash != std::string_view::npos)
		name.remove_prefix(slash + 1);
	if (name.size() > 5 && name.substr(name.size() - 5) == ".toml")
		name.remove_suffix(5);
	return std::string(name);
}

} /* namespace */

std::variant<DeviceDescription, DescriptionError> pci::parse_plugin_description(std::string_view toml,
										   std::string_view origin,
										   const std::string &plugin)
{
	auto parsed = parse_toml(toml, origin);
	if (auto *problem = std::get_if<DescriptionError>(&parsed))
		return std::move(*problem);

	DeviceDescription desc;
	Parser parser(origin);
	if (Problem problem = parser.parse(std::get<toml::table>(parsed), desc))
		return std::move(*problem);
	if (desc.name.empty())
		desc.name = default_name(origin);
	desc.source = std::string(origin);
	for (BarDescription &bar : desc.bars)
		if (bar.model == pci::kPluginModelName && bar.plugin.empty())
			bar.plugin = plugin;
	if (auto problem = validate_device_description(desc, origin))
		return std::move(*problem);
	return desc;
}

std::variant<DeviceDescription, DescriptionError> parse_device_description(std::string_view toml,
									      std::string_view origin)
{
	return pci::parse_plugin_description(toml, origin, "");
}

std::variant<DeviceDescription, DescriptionError> load_device_description(const std::string &path)
{
	if (pci::names_plugin_file(path))
		return pci::load_plugin_device(path);
	std::ifstream file(path, std::ios::binary);
	if (!file)
		return DescriptionError{path, "", "cannot open the file"};
	std::ostringstream text;
	text << file.rdbuf();
	if (file.bad())
		return DescriptionError{path, "", "cannot read the file"};
	auto parsed = parse_device_description(text.str(), path);
	if (auto *desc = std::get_if<DeviceDescription>(&parsed))
		if (auto problem = pci::check_plugins(*desc))
			return std::move(*problem);
	return parsed;
}

} /* namespace softvfio */
