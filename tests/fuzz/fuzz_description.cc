/* SPDX-License-Identifier: MIT */
/*
 * Fuzz target: device-description files (TOML, docs/device-descriptions.md).
 *
 * Any text either parses into a description or gives a DescriptionError
 * that names the file and says what is wrong; no exception, no crash. A
 * description that parses is valid (validate_device_description agrees),
 * builds a device, and that device reports through the uAPI exactly what
 * the description says: identity in config space, BAR sizes in region info.
 * Nothing is left behind once its Kernel is gone.
 */
#include <cstdint>
#include <string_view>

#include <softvfio/uapi/vfio.h>

#include "fuzz/fuzz_support.h"

namespace softvfio::fuzz {

namespace {

void exercise(const DeviceDescription &desc)
{
	Kernel kernel;
	auto bdf = kernel.add_device(desc);
	check(bdf.ok(), "a valid description must build a device (errno " + std::to_string(bdf.error()) + ")");
	long fd = kernel.open_device(*bdf);
	check(fd >= 0, "open_device of a valid description");
	const int dev = static_cast<int>(fd);
	uint32_t ids = 0;
	check(kernel.pread(dev, &ids, 4, static_cast<off_t>(uint64_t(VFIO_PCI_CONFIG_REGION_INDEX) << 40)) == 4,
	      "config read");
	check(ids == (desc.vendor_id | uint32_t(desc.device_id) << 16), "identity as described");
	for (uint32_t i = 0; i < VFIO_PCI_NUM_REGIONS; i++) {
		vfio_region_info info{};
		info.argsz = sizeof(info);
		info.index = i;
		long r = kernel.ioctl(dev, VFIO_DEVICE_GET_REGION_INFO, &info);
		check_errno(r, {EINVAL}, "region info");
		if (i < 6 && r == 0)
			check(info.size == desc.bars[i].size, "BAR size as described");
	}
	vfio_device_info di{};
	di.argsz = sizeof(di);
	check(kernel.ioctl(dev, VFIO_DEVICE_GET_INFO, &di) == 0, "GET_INFO");
	check(kernel.close(dev) == 0, "close");
}

void run(const uint8_t *data, size_t size)
{
	const std::string_view text(reinterpret_cast<const char *>(data), size);
	auto parsed = parse_device_description(text, "fuzz.toml");
	if (auto *e = std::get_if<DescriptionError>(&parsed)) {
		check(e->file == "fuzz.toml", "an error names its file");
		check(!e->problem.empty(), "an error says what is wrong");
		check(e->message().rfind("fuzz.toml", 0) == 0, "the message starts with the file");
		return;
	}
	const DeviceDescription &desc = std::get<DeviceDescription>(parsed);
	check(!validate_device_description(desc, "fuzz.toml").has_value(), "parse and validate disagree");
	exercise(desc);
	check_baseline("description input");
}

/* The warm-up: a preset through the same checks, no parsing. */
void warm_up()
{
	exercise(*preset("nic"));
}

} /* namespace */

const Fuzzer kFuzzer{run, {}, warm_up};

} /* namespace softvfio::fuzz */
