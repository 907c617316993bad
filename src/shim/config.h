/* SPDX-License-Identifier: MIT */
/*
 * The environment protocol between `softvfio run` and the shim.
 *
 * The shim is configured from these variables and nothing else; `softvfio
 * run` sets them, and a program started with LD_PRELOAD by hand may too:
 *
 *   SOFTVFIO_DEVICES  comma-separated PRESET|FILE[@BDF] (unset: the default
 *                     preset; empty: no device)
 *   SOFTVFIO_PROFILE  linux-6.12, linux-6.19, series-v2, series-v4 (default)
 *   SOFTVFIO_ACCESS   comma-separated subset of group,noiommu,cdev,iommufd
 *                     (unset: the model's default, group,cdev,iommufd)
 *   SOFTVFIO_DOMAIN   the PCI domain of devices without a BDF, in hex
 *                     (unset: 5f00, which no machine uses)
 *   SOFTVFIO_VERIFY_FDS  "1": check an emulated fd's identity on every call
 *                     (one fstat), for programs that close fds with raw
 *                     system calls the shim cannot see (unset: trust the
 *                     shim's bookkeeping of close, dup and fclose)
 *
 * SOFTVFIO_LOG (warn, debug) is read by the model's diagnostics as usual.
 */
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include <softvfio/kernel.h>

namespace softvfio::shim {

inline constexpr const char *kEnvDevices = "SOFTVFIO_DEVICES";
inline constexpr const char *kEnvProfile = "SOFTVFIO_PROFILE";
inline constexpr const char *kEnvAccess = "SOFTVFIO_ACCESS";
inline constexpr const char *kEnvDomain = "SOFTVFIO_DOMAIN";
inline constexpr const char *kEnvVerifyFds = "SOFTVFIO_VERIFY_FDS";

/* One --device argument: a preset name or description file, and an
 * optional BDF ("dddd:bb:dd.f", lowercase hex after parsing). */
struct DeviceSpec {
	std::string source;
	std::string bdf;
	bool operator==(const DeviceSpec &) const = default;
};

struct ShimConfig {
	std::vector<DeviceSpec> devices;
	ProfileId profile = ProfileId::SeriesV4;
	std::optional<AccessPaths> access;
	std::optional<uint16_t> domain;
};

/* What is wrong, naming the variable or argument. */
struct ConfigError {
	std::string what;
};

/* "nic", "edu@0000:00:05.0", "dev.toml@5F00:00:07.0". The BDF follows the
 * last '@'; it must be dddd:bb:dd.f with device < 32 and function < 8. */
std::variant<DeviceSpec, ConfigError> parse_device_spec(std::string_view arg);
/* "group,cdev": every name known, none twice, at least one. */
std::variant<AccessPaths, ConfigError> parse_access(std::string_view list);
/* The inverse of the two above, for building the environment. */
std::string format_device_specs(const std::vector<DeviceSpec> &devices);
std::string format_access(const AccessPaths &access);

/* The configuration from the variables' values (null: unset). */
std::variant<ShimConfig, ConfigError> parse_config(const char *devices, const char *profile, const char *access,
						   const char *domain);

/* Where each device of `config` will be, as Kernel::add_device places them
 * in order: its own BDF, or the first free slot of bus 0 in the domain
 * from 1 on. A BDF taken twice, or one `machine_has` (the machine's own
 * PCI devices, which the view would hide), is an error naming the
 * --device argument; the model would only warn when it comes to it. */
std::optional<ConfigError> check_device_addresses(const ShimConfig &config,
						  bool (*machine_has)(const std::string &bdf));
/* Whether /sys/bus/pci/devices/<bdf> exists on this machine. */
bool machine_has_pci_device(const std::string &bdf);

} /* namespace softvfio::shim */
