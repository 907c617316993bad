/* SPDX-License-Identifier: MIT */
/*
 * Run under `softvfio run`: VFIO_DEVICE_GET_REGION_INFO through the shim
 * (the program's ioctl(2) reaching the model) against a real kernel ioctl
 * in the same process, FIONREAD on an eventfd. Plain uAPI, as an
 * unmodified program uses it.
 */
#include <benchmark/benchmark.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <softvfio/uapi/vfio.h>

#include "bench_setup.h"

namespace {

/* The device fd of $SOFTVFIO_BENCH_BDF (default 5f00:00:01.0) over the
 * cdev way in (/dev/vfio/devices/vfio0 + iommufd). Aborts if absent. */
int open_device()
{
	int container = open("/dev/vfio/vfio", O_RDWR | O_CLOEXEC);
	const char *bdf = std::getenv("SOFTVFIO_BENCH_BDF");
	if (!bdf)
		bdf = "5f00:00:01.0";
	char link[256], path[300];
	std::snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/iommu_group", bdf);
	ssize_t n = readlink(path, link, sizeof(link) - 1);
	if (container < 0 || n <= 0) {
		std::fprintf(stderr, "shim_bench: no software device %s (run under softvfio run)\n", bdf);
		std::abort();
	}
	link[n] = '\0';
	std::snprintf(path, sizeof(path), "/dev/vfio/%s", std::strrchr(link, '/') + 1);
	int group = open(path, O_RDWR | O_CLOEXEC);
	if (group < 0 || ioctl(group, VFIO_GROUP_SET_CONTAINER, &container) < 0 ||
	    ioctl(container, VFIO_SET_IOMMU, VFIO_TYPE1v2_IOMMU) < 0) {
		std::perror("shim_bench: group setup");
		std::abort();
	}
	int device = ioctl(group, VFIO_GROUP_GET_DEVICE_FD, bdf);
	if (device < 0) {
		std::perror("shim_bench: GET_DEVICE_FD");
		std::abort();
	}
	return device;
}

BENCHMARK(softvfio::bench::eventfd_fionread)->Name("Ioctl/EventfdFionread");

void BM_RegionInfo_Shim(benchmark::State &state)
{
	static int device = open_device();
	vfio_region_info info{};
	for (auto _ : state) {
		info.argsz = sizeof(info);
		info.index = 2;
		if (ioctl(device, VFIO_DEVICE_GET_REGION_INFO, &info) < 0) {
			state.SkipWithError("GET_REGION_INFO failed");
			break;
		}
	}
}
BENCHMARK(BM_RegionInfo_Shim)->Name("RegionInfo/Shim");

} /* namespace */

BENCHMARK_MAIN();
