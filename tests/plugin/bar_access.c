/* SPDX-License-Identifier: MIT */
/*
 * bar_access BDF read|write OFFSET [VALUE]: one 4-byte pread or pwrite of
 * BAR0 through the device's group and a type1 container, as a driver makes
 * it; prints the value read (0x%08x) or "written".
 * bar_access BDF poll OFFSET MS: reads for MS milliseconds, then prints the
 * value and the longest read in whole milliseconds ("max N ms").
 * bar_access BDF mread OFFSET: one 4-byte load through an mmap of BAR0.
 * bar_access BDF mwrite OFFSET VALUE: one 4-byte store through an mmap of
 * BAR0; prints "written".
 * OFFSET may name another BAR: "2:0x10" is offset 0x10 of BAR2. Several
 * operations may follow one another ("BDF mwrite 0x08 1 read 2:0"), all
 * on one open of the device: each open of a device that can be reset
 * resets it.
 * For the session tests of plugins that crash or hang
 * (tests/plugin/CMakeLists.txt).
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <linux/vfio.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

static int fail(const char *what)
{
	perror(what);
	return 1;
}

/* How many arguments operation `op` takes (0: not an operation). */
static int arity(const char *op)
{
	if (!strcmp(op, "read") || !strcmp(op, "mread"))
		return 1;
	if (!strcmp(op, "write") || !strcmp(op, "mwrite") || !strcmp(op, "poll"))
		return 2;
	return 0;
}

/* One operation; 0, or the exit status. */
static int run(int device, const char *op, const char *where, const char *arg)
{
	/* "N:OFFSET": BAR N; a plain OFFSET: BAR0. */
	unsigned index = VFIO_PCI_BAR0_REGION_INDEX;
	if (strchr(where, ':')) {
		index = (unsigned)strtoul(where, NULL, 0);
		where = strchr(where, ':') + 1;
	}
	const uint64_t offset = strtoull(where, NULL, 0);
	struct vfio_region_info bar = {.argsz = sizeof(bar), .index = index};
	if (ioctl(device, VFIO_DEVICE_GET_REGION_INFO, &bar))
		return fail("region info");
	const off_t at = (off_t)(bar.offset + offset);
	uint32_t value = 0;
	if (strcmp(op, "write") == 0) {
		value = (uint32_t)strtoul(arg, NULL, 0);
		if (pwrite(device, &value, 4, at) != 4)
			return fail("pwrite");
		printf("written\n");
	} else if (strcmp(op, "poll") == 0) {
		const long ms = strtol(arg, NULL, 0);
		struct timespec start, before, after;
		clock_gettime(CLOCK_MONOTONIC, &start);
		long longest = 0;
		do {
			clock_gettime(CLOCK_MONOTONIC, &before);
			if (pread(device, &value, 4, at) != 4)
				return fail("pread");
			clock_gettime(CLOCK_MONOTONIC, &after);
			const long took = (after.tv_sec - before.tv_sec) * 1000 + (after.tv_nsec - before.tv_nsec) / 1000000;
			longest = took > longest ? took : longest;
		} while ((after.tv_sec - start.tv_sec) * 1000 + (after.tv_nsec - start.tv_nsec) / 1000000 < ms);
		printf("0x%08x max %ld ms\n", value, longest);
	} else if (strcmp(op, "mread") == 0 || strcmp(op, "mwrite") == 0) {
		const size_t page = (size_t)sysconf(_SC_PAGESIZE);
		const int store = strcmp(op, "mwrite") == 0;
		char *p = mmap(NULL, page, store ? PROT_READ | PROT_WRITE : PROT_READ, MAP_SHARED, device,
			       (off_t)bar.offset);
		if (p == MAP_FAILED || offset + 4 > page)
			return fail("mmap");
		if (store) {
			*(volatile uint32_t *)(p + offset) = (uint32_t)strtoul(arg, NULL, 0);
			printf("written\n");
		} else {
			value = *(volatile uint32_t *)(p + offset);
			printf("0x%08x\n", value);
		}
		munmap(p, page);
	} else {
		if (pread(device, &value, 4, at) != 4)
			return fail("pread");
		printf("0x%08x\n", value);
	}
	fflush(stdout);
	return 0;
}

int main(int argc, char **argv)
{
	for (int i = 2; i < argc; i += 1 + arity(argv[i])) {
		if (!arity(argv[i]) || i + arity(argv[i]) >= argc) {
			fprintf(stderr, "usage: %s BDF read|mread OFFSET | write|mwrite OFFSET VALUE | poll OFFSET MS ...\n",
				argv[0]);
			return 2;
		}
	}
	if (argc < 4)
		return 2;
	char link[PATH_MAX], target[PATH_MAX], path[64];
	snprintf(link, sizeof(link), "/sys/bus/pci/devices/%s/iommu_group", argv[1]);
	ssize_t n = readlink(link, target, sizeof(target) - 1);
	if (n < 0)
		return fail("iommu_group");
	target[n] = '\0';
	snprintf(path, sizeof(path), "/dev/vfio/%s", basename(target));
	int container = open("/dev/vfio/vfio", O_RDWR);
	int group = open(path, O_RDWR);
	if (container < 0 || group < 0)
		return fail("open");
	if (ioctl(group, VFIO_GROUP_SET_CONTAINER, &container) || ioctl(container, VFIO_SET_IOMMU, VFIO_TYPE1v2_IOMMU))
		return fail("container");
	int device = ioctl(group, VFIO_GROUP_GET_DEVICE_FD, argv[1]);
	if (device < 0)
		return fail("device");
	struct vfio_region_info config = {.argsz = sizeof(config), .index = VFIO_PCI_CONFIG_REGION_INDEX};
	if (ioctl(device, VFIO_DEVICE_GET_REGION_INFO, &config))
		return fail("region info");
	uint16_t command = 0x6;
	if (pwrite(device, &command, 2, (off_t)config.offset + 4) != 2)
		return fail("COMMAND");
	for (int i = 2; i < argc; i += 1 + arity(argv[i])) {
		const int rc = run(device, argv[i], argv[i + 1], arity(argv[i]) > 1 ? argv[i + 2] : NULL);
		if (rc)
			return rc;
	}
	return 0;
}
