/* SPDX-License-Identifier: MIT */
#include "shim/config.h"

#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <sys/stat.h>

#include <softvfio/device_description.h>
#include <softvfio/profile.h>

namespace softvfio::shim {

namespace {

std::vector<std::string_view> split(std::string_view s, char sep)
{
	std::vector<std::string_view> out;
	size_t at = 0;
	for (;;) {
		size_t next = s.find(sep, at);
		out.push_back(s.substr(at, next == std::string_view::npos ? std::string_view::npos : next - at));
		if (next == std::string_view::npos)
			return out;
		at = next + 1;
	}
}

bool hex_field(std::string_view s, size_t digits, unsigned max, unsigned &value)
{
	if (s.size() != digits)
		return false;
	value = 0;
	for (char c : s) {
		if (!std::isxdigit(static_cast<unsigned char>(c)))
			return false;
		value = value * 16 + static_cast<unsigned>(std::isdigit(static_cast<unsigned char>(c))
								   ? c - '0'
								   : std::tolower(static_cast<unsigned char>(c)) - 'a' + 10);
	}
	return value <= max;
}

/* dddd:bb:dd.f, normalised to lowercase. */
std::optional<std::string> parse_bdf(std::string_view s)
{
	if (s.size() != 12 || s[4] != ':' || s[7] != ':' || s[10] != '.')
		return std::nullopt;
	unsigned dom, bus, dev, fn;
	if (!hex_field(s.substr(0, 4), 4, 0xffff, dom) || !hex_field(s.substr(5, 2), 2, 0xff, bus) ||
	    !hex_field(s.substr(8, 2), 2, 31, dev) || !hex_field(s.substr(11, 1), 1, 7, fn))
		return std::nullopt;
	std::string out(s);
	for (char &c : out)
		c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
	return out;
}

} /* namespace */

std::variant<DeviceSpec, ConfigError> parse_device_spec(std::string_view arg)
{
	DeviceSpec spec;
	size_t at = arg.rfind('@');
	std::string_view source = arg.substr(0, at);
	if (at != std::string_view::npos) {
		auto bdf = parse_bdf(arg.substr(at + 1));
		if (!bdf)
			return ConfigError{"'" + std::string(arg) + "': '" + std::string(arg.substr(at + 1)) +
					   "' is not a BDF (dddd:bb:dd.f)"};
		spec.bdf = *bdf;
	}
	if (source.empty())
		return ConfigError{"'" + std::string(arg) + "': no preset or description file"};
	if (source.find(',') != std::string_view::npos)
		return ConfigError{"'" + std::string(arg) + "': a device name cannot contain ','"};
	spec.source = std::string(source);
	return spec;
}

std::variant<AccessPaths, ConfigError> parse_access(std::string_view list)
{
	AccessPaths access{false, false, false, false};
	bool any = false;
	for (std::string_view name : split(list, ',')) {
		bool *flag = name == "group"     ? &access.group
			     : name == "noiommu" ? &access.noiommu
			     : name == "cdev"    ? &access.cdev
			     : name == "iommufd" ? &access.iommufd
						 : nullptr;
		if (!flag)
			return ConfigError{"unknown access path '" + std::string(name) +
					   "' (group, noiommu, cdev, iommufd)"};
		if (*flag)
			return ConfigError{"access path '" + std::string(name) + "' given twice"};
		*flag = true;
		any = true;
	}
	if (!any)
		return ConfigError{"no access path"};
	return access;
}

std::string format_device_specs(const std::vector<DeviceSpec> &devices)
{
	std::string out;
	for (const auto &d : devices) {
		if (!out.empty())
			out += ',';
		out += d.source;
		if (!d.bdf.empty())
			out += '@' + d.bdf;
	}
	return out;
}

std::string format_access(const AccessPaths &access)
{
	std::string out;
	auto add = [&](bool on, const char *name) {
		if (!on)
			return;
		if (!out.empty())
			out += ',';
		out += name;
	};
	add(access.group, "group");
	add(access.noiommu, "noiommu");
	add(access.cdev, "cdev");
	add(access.iommufd, "iommufd");
	return out;
}

std::variant<ShimConfig, ConfigError> parse_config(const char *devices, const char *profile, const char *access,
						   const char *domain)
{
	ShimConfig config;
	if (!devices) {
		config.devices.push_back(DeviceSpec{std::string(default_preset_name()), {}});
	} else if (*devices) {
		for (std::string_view arg : split(devices, ',')) {
			auto spec = parse_device_spec(arg);
			if (auto *e = std::get_if<ConfigError>(&spec))
				return ConfigError{std::string(kEnvDevices) + ": " + e->what};
			config.devices.push_back(std::get<DeviceSpec>(spec));
		}
	}
	if (profile && *profile) {
		const Profile *p = find_profile(profile);
		if (!p)
			return ConfigError{std::string(kEnvProfile) + ": unknown profile '" + profile + "'"};
		config.profile = p->id;
	}
	if (access) {
		auto a = parse_access(access);
		if (auto *e = std::get_if<ConfigError>(&a))
			return ConfigError{std::string(kEnvAccess) + ": " + e->what};
		config.access = std::get<AccessPaths>(a);
	}
	if (domain && *domain) {
		unsigned value;
		std::string_view d(domain);
		if (d.size() > 4 || !hex_field(std::string(4 - d.size(), '0') + std::string(d), 4, 0xffff, value))
			return ConfigError{std::string(kEnvDomain) + ": '" + domain + "' is not a PCI domain (hex)"};
		config.domain = static_cast<uint16_t>(value);
	}
	return config;
}

std::optional<ConfigError> check_device_addresses(const ShimConfig &config, bool (*machine_has)(const std::string &bdf))
{
	uint16_t domain = config.domain.value_or(KernelOptions{}.domain);
	/* Each BDF and the argument that took it. */
	std::map<std::string, std::string> taken;
	unsigned next_slot = 1;
	for (const DeviceSpec &d : config.devices) {
		std::string arg = format_device_specs({d});
		std::string bdf = d.bdf;
		if (bdf.empty()) {
			char buf[16];
			do
				std::snprintf(buf, sizeof(buf), "%04x:00:%02x.0", domain, next_slot++);
			while (taken.count(buf));
			bdf = buf;
		}
		if (auto it = taken.find(bdf); it != taken.end())
			return ConfigError{"--device " + arg + ": " + bdf + " is taken by --device " + it->second};
		if (machine_has && machine_has(bdf))
			return ConfigError{"--device " + arg + ": " + bdf +
					   " is a PCI device of this machine, which a software device would hide" +
					   (d.bdf.empty() ? " (set SOFTVFIO_DOMAIN to a domain the machine does not use)" : "")};
		taken.emplace(bdf, d.bdf.empty() ? arg + " (placed at " + bdf + ")" : arg);
	}
	return std::nullopt;
}

bool machine_has_pci_device(const std::string &bdf)
{
	struct stat st;
	return ::lstat(("/sys/bus/pci/devices/" + bdf).c_str(), &st) == 0;
}

} /* namespace softvfio::shim */
