/* SPDX-License-Identifier: MIT */
/*
 * vfio_smoke: the kind of small VFIO test a project runs in CI, written
 * against the system's <linux/vfio.h> only (nothing from softvfio). It
 * works the same on a real device bound to vfio-pci and, without root or
 * hardware, under `softvfio run`:
 *
 *   1. finds the device (a BDF from argv, or else the first device in
 *      PCI domain 5f00, where softvfio puts its software devices);
 *   2. opens it the classic way: container, group, type1 IOMMU, device fd;
 *   3. reads the vendor and device ids from the config region and compares
 *      them with sysfs;
 *   4. maps the first mappable memory BAR and checks a byte round trip in
 *      both directions: stored through the mapping and read with pread,
 *      written with pwrite and loaded through the mapping.
 *
 * usage: vfio_smoke [dddd:bb:dd.f]
 * Prints one line per check and exits 0 only if every check passed.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <linux/vfio.h>

static int failed;

static void check(int ok, const char *what)
{
	printf("%s: %s\n", ok ? "ok" : "FAILED", what);
	if (!ok)
		failed++;
}

static int give_up(const char *what)
{
	printf("FAILED: %s (%s)\n", what, strerror(errno));
	return 1;
}

/* A device softvfio provides lives in PCI domain 5f00; on a real machine
 * pass the BDF of a device bound to vfio-pci. */
static int find_device(char *bdf, size_t len)
{
	DIR *dir = opendir("/sys/bus/pci/devices");
	if (!dir)
		return -1;
	struct dirent *e;
	int found = -1;
	while (found < 0 && (e = readdir(dir))) {
		if (strncmp(e->d_name, "5f00:", 5) == 0) {
			snprintf(bdf, len, "%s", e->d_name);
			found = 0;
		}
	}
	closedir(dir);
	return found;
}

/* The number at the end of /sys/bus/pci/devices/<bdf>/iommu_group. */
static int group_number(const char *bdf)
{
	char link[512], target[256];
	snprintf(link, sizeof(link), "/sys/bus/pci/devices/%s/iommu_group", bdf);
	ssize_t n = readlink(link, target, sizeof(target) - 1);
	if (n <= 0)
		return -1;
	target[n] = '\0';
	const char *slash = strrchr(target, '/');
	return atoi(slash ? slash + 1 : target);
}

static unsigned sysfs_hex(const char *bdf, const char *name)
{
	char path[512];
	unsigned value = 0;
	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/%s", bdf, name);
	FILE *f = fopen(path, "r");
	if (f) {
		if (fscanf(f, "%x", &value) != 1)
			value = 0;
		fclose(f);
	}
	return value;
}

static int region(int device, unsigned index, struct vfio_region_info *info)
{
	memset(info, 0, sizeof(*info));
	info->argsz = sizeof(*info);
	info->index = index;
	return ioctl(device, VFIO_DEVICE_GET_REGION_INFO, info);
}

int main(int argc, char **argv)
{
	char bdf[256];
	if (argc > 1)
		snprintf(bdf, sizeof(bdf), "%s", argv[1]);
	else if (find_device(bdf, sizeof(bdf)) != 0)
		return give_up("no device given and none found in /sys/bus/pci/devices");
	printf("device %s\n", bdf);

	/* Container, group, IOMMU, device. */
	int container = open("/dev/vfio/vfio", O_RDWR | O_CLOEXEC);
	if (container < 0)
		return give_up("open /dev/vfio/vfio");
	check(ioctl(container, VFIO_GET_API_VERSION) == VFIO_API_VERSION, "VFIO_GET_API_VERSION");
	check(ioctl(container, VFIO_CHECK_EXTENSION, VFIO_TYPE1v2_IOMMU) > 0, "type1v2 IOMMU available");

	int number = group_number(bdf);
	if (number < 0)
		return give_up("iommu_group link");
	char path[64];
	snprintf(path, sizeof(path), "/dev/vfio/%d", number);
	int group = open(path, O_RDWR | O_CLOEXEC);
	if (group < 0)
		return give_up(path);
	struct vfio_group_status status = {.argsz = sizeof(status)};
	check(ioctl(group, VFIO_GROUP_GET_STATUS, &status) == 0 && (status.flags & VFIO_GROUP_FLAGS_VIABLE),
	      "group is viable");
	if (ioctl(group, VFIO_GROUP_SET_CONTAINER, &container) != 0)
		return give_up("VFIO_GROUP_SET_CONTAINER");
	if (ioctl(container, VFIO_SET_IOMMU, VFIO_TYPE1v2_IOMMU) != 0)
		return give_up("VFIO_SET_IOMMU");
	int device = ioctl(group, VFIO_GROUP_GET_DEVICE_FD, bdf);
	if (device < 0)
		return give_up("VFIO_GROUP_GET_DEVICE_FD");

	struct vfio_device_info dinfo = {.argsz = sizeof(dinfo)};
	check(ioctl(device, VFIO_DEVICE_GET_INFO, &dinfo) == 0 && (dinfo.flags & VFIO_DEVICE_FLAGS_PCI) &&
		      dinfo.num_regions >= VFIO_PCI_NUM_REGIONS,
	      "VFIO_DEVICE_GET_INFO: a PCI device with the fixed regions");

	/* Config space: the ids agree with sysfs. */
	struct vfio_region_info cfg;
	if (region(device, VFIO_PCI_CONFIG_REGION_INDEX, &cfg) != 0)
		return give_up("config region info");
	uint16_t ids[2] = {0, 0};
	check(pread(device, ids, sizeof(ids), (off_t)cfg.offset) == (ssize_t)sizeof(ids), "pread of config space");
	printf("config space: %04x:%04x\n", ids[0], ids[1]);
	check(ids[0] == sysfs_hex(bdf, "vendor") && ids[1] == sysfs_hex(bdf, "device"),
	      "vendor and device ids match sysfs");

	/* The first memory BAR that can be mapped. */
	struct vfio_region_info bar;
	int index = -1;
	for (unsigned i = VFIO_PCI_BAR0_REGION_INDEX; i <= VFIO_PCI_BAR5_REGION_INDEX && index < 0; i++)
		if (region(device, i, &bar) == 0 && (bar.flags & VFIO_REGION_INFO_FLAG_MMAP) && bar.size >= 4096)
			index = (int)i;
	if (index < 0)
		return give_up("a mappable BAR");
	printf("BAR%d: size 0x%llx\n", index, (unsigned long long)bar.size);
	volatile uint8_t *map = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, device, (off_t)bar.offset);
	if (map == MAP_FAILED)
		return give_up("mmap of the BAR");

	/* Offset 0x100 of the page, away from registers a device model might
	 * give meaning to at the very start. */
	const off_t at = 0x100;
	map[at] = 0xa5;
	uint8_t seen = 0;
	check(pread(device, &seen, 1, (off_t)bar.offset + at) == 1 && seen == 0xa5,
	      "a byte stored through the mapping reads back with pread");
	uint8_t byte = 0x5a;
	check(pwrite(device, &byte, 1, (off_t)bar.offset + at) == 1 && map[at] == 0x5a,
	      "a byte written with pwrite shows in the mapping");

	munmap((void *)map, 4096);
	close(device);
	close(group);
	close(container);
	printf("%s\n", failed ? "vfio_smoke: FAILED" : "vfio_smoke: all checks passed");
	return failed ? 1 : 0;
}
