/* SPDX-License-Identifier: MIT */
/*
 * The peer comparison: one emulated ioctl, many times, timed by the
 * program itself. Under umockdev-run it asks an evdev node for its
 * version (EVIOCGVERSION, answered from a recorded ioctl file); under
 * softvfio run it asks a software device for a region
 * (VFIO_DEVICE_GET_REGION_INFO). Prints one Google Benchmark style JSON
 * document, so bench_report reads it like the others.
 *
 * usage: peer_loop evdev PATH NAME | peer_loop vfio BDF NAME
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <linux/input.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include <softvfio/uapi/vfio.h>

#define ROUNDS 5

static double now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static int open_vfio(const char *bdf)
{
	char path[300], link[256];
	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/iommu_group", bdf);
	ssize_t n = readlink(path, link, sizeof(link) - 1);
	if (n <= 0)
		return -1;
	link[n] = '\0';
	int container = open("/dev/vfio/vfio", O_RDWR | O_CLOEXEC);
	snprintf(path, sizeof(path), "/dev/vfio/%s", strrchr(link, '/') + 1);
	int group = open(path, O_RDWR | O_CLOEXEC);
	if (container < 0 || group < 0 || ioctl(group, VFIO_GROUP_SET_CONTAINER, &container) < 0 ||
	    ioctl(container, VFIO_SET_IOMMU, VFIO_TYPE1v2_IOMMU) < 0)
		return -1;
	return ioctl(group, VFIO_GROUP_GET_DEVICE_FD, bdf);
}

static int one_call(int vfio, int fd)
{
	if (vfio) {
		struct vfio_region_info info = {.argsz = sizeof(info), .index = 2};
		return ioctl(fd, VFIO_DEVICE_GET_REGION_INFO, &info);
	}
	int version = 0;
	return ioctl(fd, EVIOCGVERSION, &version);
}

int main(int argc, char **argv)
{
	if (argc != 4) {
		fprintf(stderr, "usage: %s evdev PATH NAME | vfio BDF NAME\n", argv[0]);
		return 2;
	}
	int vfio = strcmp(argv[1], "vfio") == 0;
	int fd = vfio ? open_vfio(argv[2]) : open(argv[2], O_RDONLY | O_CLOEXEC);
	if (fd < 0 || one_call(vfio, fd) < 0) {
		perror(argv[2]);
		return 1;
	}
	/* Enough calls for ~50 ms a round at either speed. */
	double t0 = now_ns();
	one_call(vfio, fd);
	double single = now_ns() - t0;
	long calls = (long)(5e7 / (single > 50 ? single : 50));
	if (calls < 20)
		calls = 20;
	if (calls > 2000000)
		calls = 2000000;
	double best = 1e30;
	for (int round = 0; round < ROUNDS; round++) {
		t0 = now_ns();
		for (long i = 0; i < calls; i++)
			if (one_call(vfio, fd) < 0) {
				perror("ioctl");
				return 1;
			}
		double per = (now_ns() - t0) / (double)calls;
		if (per < best)
			best = per;
	}
	printf("{\"benchmarks\": [{\"name\": \"%s\", \"iterations\": %ld, \"real_time\": %.3f, \"cpu_time\": %.3f, "
	       "\"time_unit\": \"ns\"}]}\n",
	       argv[3], calls, best, best);
	return 0;
}
