/* SPDX-License-Identifier: MIT */
/*
 * Helpers for the shim's test programs: plain C against the kernel uAPI
 * (system headers and softvfio's ABI header only), as an unmodified VFIO
 * program would be written. Each program prints PASS/FAIL/INFO lines and a
 * final "RESULT:" line, and exits non-zero if anything failed. Include it
 * first (it asks for the GNU extensions).
 */
#ifndef SVT_H
#define SVT_H

#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <softvfio/uapi/vfio.h>

static int svt_failures;

#define SVT_CHECK(cond, ...)                                                   \
	do {                                                                   \
		int svt_ok_ = !!(cond);                                        \
		printf("%s: ", svt_ok_ ? "PASS" : "FAIL");                     \
		printf(__VA_ARGS__);                                           \
		printf("\n");                                                  \
		fflush(stdout);                                                \
		if (!svt_ok_)                                                  \
			svt_failures++;                                        \
	} while (0)

#define SVT_INFO(...)                                                          \
	do {                                                                   \
		printf("INFO: ");                                              \
		printf(__VA_ARGS__);                                           \
		printf("\n");                                                  \
		fflush(stdout);                                                \
	} while (0)

/* Stop at a failure later steps depend on. */
#define SVT_REQUIRE(cond, ...)                                                 \
	do {                                                                   \
		int svt_req_ = !!(cond);                                       \
		SVT_CHECK(svt_req_, __VA_ARGS__);                              \
		if (!svt_req_)                                                 \
			return svt_finish();                                   \
	} while (0)

/* The same in a function without a result. */
#define SVT_REQUIRE_VOID(cond, ...)                                            \
	do {                                                                   \
		int svt_req_ = !!(cond);                                       \
		SVT_CHECK(svt_req_, __VA_ARGS__);                              \
		if (!svt_req_)                                                 \
			return;                                                \
	} while (0)

static inline int svt_finish(void)
{
	if (svt_failures)
		printf("RESULT: FAIL %d\n", svt_failures);
	else
		printf("RESULT: PASS\n");
	fflush(stdout);
	return svt_failures ? 1 : 0;
}

/* The IOMMU group of a PCI device, from its sysfs iommu_group link; -1 if
 * it has none. */
static inline int svt_group_of(const char *bdf)
{
	char path[256], target[256];
	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/iommu_group", bdf);
	ssize_t n = readlink(path, target, sizeof(target) - 1);
	if (n <= 0)
		return -1;
	target[n] = '\0';
	const char *base = strrchr(target, '/');
	return atoi(base ? base + 1 : target);
}

struct svt_dev {
	int container;
	int group;
	int device;
	int group_number;
};

/* The legacy way in: container, group, type1v2, GROUP_GET_DEVICE_FD. */
static inline int svt_open_group_path(const char *bdf, struct svt_dev *d)
{
	char path[64];
	d->container = d->group = d->device = -1;
	d->group_number = svt_group_of(bdf);
	if (d->group_number < 0)
		return -1;
	d->container = open("/dev/vfio/vfio", O_RDWR | O_CLOEXEC);
	snprintf(path, sizeof(path), "/dev/vfio/%d", d->group_number);
	d->group = open(path, O_RDWR | O_CLOEXEC);
	if (d->container < 0 || d->group < 0)
		return -1;
	struct vfio_group_status status = {.argsz = sizeof(status)};
	if (ioctl(d->group, VFIO_GROUP_GET_STATUS, &status) < 0 || !(status.flags & VFIO_GROUP_FLAGS_VIABLE))
		return -1;
	if (ioctl(d->group, VFIO_GROUP_SET_CONTAINER, &d->container) < 0)
		return -1;
	if (ioctl(d->container, VFIO_SET_IOMMU, VFIO_TYPE1v2_IOMMU) < 0)
		return -1;
	d->device = ioctl(d->group, VFIO_GROUP_GET_DEVICE_FD, bdf);
	return d->device < 0 ? -1 : 0;
}

/* The start of a program that takes one <bdf> and works on that device
 * through the container and group: the usage line, then the open (a
 * failure stops the program). */
#define SVT_OPEN_FROM_ARGS(argc, argv, d)                                      \
	do {                                                                   \
		if ((argc) != 2) {                                             \
			fprintf(stderr, "usage: %s <bdf>\n", (argv)[0]);       \
			return 2;                                              \
		}                                                              \
		SVT_REQUIRE(svt_open_group_path((argv)[1], (d)) == 0, "open %s", (argv)[1]); \
	} while (0)

static inline void svt_close_dev(struct svt_dev *d)
{
	if (d->device >= 0)
		close(d->device);
	if (d->group >= 0)
		close(d->group);
	if (d->container >= 0)
		close(d->container);
	d->device = d->group = d->container = -1;
}

static inline int svt_region(int device, unsigned index, struct vfio_region_info *info)
{
	memset(info, 0, sizeof(*info));
	info->argsz = sizeof(*info);
	info->index = index;
	return ioctl(device, VFIO_DEVICE_GET_REGION_INFO, info);
}

/* Config space access through the config region. */
static inline uint32_t svt_config_read(int device, unsigned off, unsigned size)
{
	struct vfio_region_info cfg;
	uint32_t v = 0;
	if (svt_region(device, VFIO_PCI_CONFIG_REGION_INDEX, &cfg) < 0 ||
	    pread(device, &v, size, (off_t)(cfg.offset + off)) != (ssize_t)size)
		return 0xffffffffu;
	return v;
}

static inline int svt_config_write(int device, unsigned off, unsigned size, uint32_t v)
{
	struct vfio_region_info cfg;
	if (svt_region(device, VFIO_PCI_CONFIG_REGION_INDEX, &cfg) < 0)
		return -1;
	return pwrite(device, &v, size, (off_t)(cfg.offset + off)) == (ssize_t)size ? 0 : -1;
}

/* ---- accesses that may raise SIGBUS ---- */

static sigjmp_buf svt_jump;
static volatile sig_atomic_t svt_bus_hit;
static void *volatile svt_bus_addr;
static volatile int svt_bus_code;

static void svt_on_sigbus(int sig, siginfo_t *si, void *context)
{
	(void)sig;
	(void)context;
	svt_bus_hit = 1;
	svt_bus_addr = si->si_addr;
	svt_bus_code = si->si_code;
	siglongjmp(svt_jump, 1);
}

static inline void svt_catch_sigbus(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = svt_on_sigbus;
	sa.sa_flags = SA_SIGINFO;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGBUS, &sa, NULL);
}

/* Read (write = 0) or write one 32-bit word; 1 if it raised SIGBUS. */
static inline int svt_touch(volatile uint32_t *p, int write, uint32_t value, uint32_t *out)
{
	svt_bus_hit = 0;
	svt_bus_addr = NULL;
	svt_bus_code = 0;
	if (sigsetjmp(svt_jump, 1) == 0) {
		if (write)
			*p = value;
		else if (out)
			*out = *p;
		else
			(void)*p;
	}
	return svt_bus_hit;
}

/* ---- /proc/self/maps ---- */

struct svt_maps_line {
	unsigned long start, end;
	unsigned long long offset;
	char perms[5];
	char path[256];
};

/* The line of /proc/self/maps (read with stdio, as programs do) that
 * contains `addr`; 0 if found. */
static inline int svt_maps_find(const void *addr, struct svt_maps_line *out)
{
	FILE *f = fopen("/proc/self/maps", "r");
	if (!f)
		return -1;
	char line[512];
	int found = -1;
	while (fgets(line, sizeof(line), f)) {
		unsigned long s, e;
		unsigned long long off;
		char perms[5], dev[16];
		unsigned long ino;
		int pos = 0;
		if (sscanf(line, "%lx-%lx %4s %llx %15s %lu %n", &s, &e, perms, &off, dev, &ino, &pos) < 6)
			continue;
		if ((unsigned long)addr < s || (unsigned long)addr >= e)
			continue;
		out->start = s;
		out->end = e;
		out->offset = off;
		memcpy(out->perms, perms, sizeof(out->perms));
		char *path = line + pos;
		path[strcspn(path, "\n")] = '\0';
		snprintf(out->path, sizeof(out->path), "%s", path);
		found = 0;
		break;
	}
	fclose(f);
	return found;
}

/* readlink of /proc/self/fd/<fd> into buf; buf is "" on failure. */
static inline const char *svt_fd_link(int fd, char *buf, size_t size)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	ssize_t n = readlink(path, buf, size - 1);
	buf[n > 0 ? n : 0] = '\0';
	return buf;
}

/* VFIO_DEVICE_FEATURE with a payload: the ioctl's result. */
static inline int svt_feature(int device, uint32_t flags, const void *payload, size_t size)
{
	size_t argsz = sizeof(struct vfio_device_feature) + size;
	struct vfio_device_feature *f = calloc(1, argsz);
	if (!f)
		return -1;
	f->argsz = (uint32_t)argsz;
	f->flags = flags;
	if (size)
		memcpy(f->data, payload, size);
	int r = ioctl(device, VFIO_DEVICE_FEATURE, f);
	free(f);
	return r;
}

/* A read-write DMABUF of [offset, offset + length) of `bar`: its fd. */
static inline int svt_export_bar(int device, unsigned bar, uint64_t offset, uint64_t length)
{
	struct {
		struct vfio_device_feature_dma_buf req;
		struct vfio_region_dma_range range;
	} p = {{.region_index = bar, .open_flags = O_RDWR | O_CLOEXEC, .nr_ranges = 1}, {offset, length}};
	return svt_feature(device, VFIO_DEVICE_FEATURE_GET | VFIO_DEVICE_FEATURE_DMA_BUF, &p, sizeof(p));
}

/* The device's sysfs "enable" count: 1 while userspace has it open. */
static inline int svt_enabled(const char *bdf)
{
	char path[128], text[16] = "";
	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/enable", bdf);
	FILE *f = fopen(path, "r");
	if (!f)
		return -1;
	if (!fgets(text, sizeof(text), f))
		text[0] = '\0';
	fclose(f);
	return atoi(text);
}

#endif /* SVT_H */
