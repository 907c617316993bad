/* SPDX-License-Identifier: MIT */
/* `softvfio info`: a device as the kernel reports it through vfio-pci. */
#include <cstdio>
#include <unistd.h>

#include <fmt/format.h>

#include <softvfio/kernel.h>

#include "base/errno_name.h"
#include "cli/commands.h"
#include "cli/info_report.h"
#include "cli/session_setup.h"

namespace softvfio::cli {

int run_info(const InfoOptions &opts)
{
	const std::string device = opts.device.empty() ? std::string(default_preset_name()) : opts.device;
	auto desc = resolve_device(device);
	if (auto *e = std::get_if<DescriptionError>(&desc)) {
		fmt::print(stderr, "softvfio info: --device {}\n", e->message());
		return device_error_status(device);
	}
	const Profile *profile = find_profile(opts.profile);
	if (!profile) {
		fmt::print(stderr, "softvfio: unknown profile '{}'\n", opts.profile);
		return kExitUsage;
	}
	Kernel kernel;
	DeviceOptions dopts;
	dopts.profile = profile->id;
	auto bdf = kernel.add_device(std::get<DeviceDescription>(desc), dopts);
	if (!bdf) {
		fmt::print(stderr, "softvfio: cannot add device: {}\n", errno_name(bdf.error()));
		return kExitFailure;
	}
	long fd = kernel.open_device(*bdf);
	if (fd < 0) {
		fmt::print(stderr, "softvfio: cannot open {}: {}\n", *bdf, errno_name(static_cast<int>(-fd)));
		return kExitFailure;
	}
	int dfd = static_cast<int>(fd);
	DeviceCalls calls{
		[&](unsigned long cmd, void *arg) { return kernel.ioctl(dfd, cmd, arg); },
		[&](void *buf, size_t n, uint64_t off) { return kernel.pread(dfd, buf, n, static_cast<off_t>(off)); },
	};
	InfoReport report;
	report.series_v2 = profile->id == ProfileId::SeriesV2;
	if (long r = gather_info(calls, report); r < 0) {
		fmt::print(stderr, "softvfio: VFIO_DEVICE_GET_INFO: {}\n", errno_name(static_cast<int>(-r)));
		return kExitFailure;
	}
	const auto &d = std::get<DeviceDescription>(desc);
	if (opts.json) {
		auto j = to_json(report);
		j["bdf"] = *bdf;
		j["description"] = d.name;
		j["profile"] = profile->name;
		fmt::print("{}\n", j.dump(2));
	} else {
		fmt::print("{} {} ({}, profile {})\n", *bdf, d.name, d.source, profile->name);
		fmt::print("{}", to_text(report, use_colour(opts.colour)));
	}
	kernel.close(dfd);
	return kExitOk;
}

} /* namespace softvfio::cli */
