/* SPDX-License-Identifier: MIT */
#define _GNU_SOURCE
#include "suite.h"

#include <dirent.h>
#include <errno.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

static unsigned read_hex_file(const char *path)
{
	FILE *f = fopen(path, "r");
	unsigned v = 0;
	if (f) {
		if (fscanf(f, "%x", &v) != 1)
			v = 0;
		fclose(f);
	}
	return v;
}

int find_pci(unsigned vendor, unsigned device, char *bdf, size_t len)
{
	DIR *dir = opendir("/sys/bus/pci/devices");
	if (!dir)
		return -1;
	struct dirent *e;
	int found = -1;
	while (found && (e = readdir(dir))) {
		if (e->d_name[0] == '.')
			continue;
		char path[512];
		snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/vendor", e->d_name);
		unsigned v = read_hex_file(path);
		snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/device", e->d_name);
		if (v == vendor && read_hex_file(path) == device) {
			snprintf(bdf, len, "%s", e->d_name);
			found = 0;
		}
	}
	closedir(dir);
	return found;
}

int group_number(const char *bdf)
{
	char path[256], link[256];
	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/iommu_group", bdf);
	ssize_t n = readlink(path, link, sizeof(link) - 1);
	if (n < 0)
		return -1;
	link[n] = 0;
	const char *slash = strrchr(link, '/');
	return atoi(slash ? slash + 1 : link);
}

int region_info(int fd, unsigned index, struct vfio_region_info *ri)
{
	memset(ri, 0, sizeof(*ri));
	ri->argsz = sizeof(*ri);
	ri->index = index;
	return ioctl(fd, VFIO_DEVICE_GET_REGION_INFO, ri);
}

uint64_t region_offset(int fd, unsigned index)
{
	struct vfio_region_info ri;
	return region_info(fd, index, &ri) == 0 ? ri.offset : ~0ull;
}

uint32_t cfg_read(const struct conf_dev *d, unsigned off, unsigned width)
{
	uint32_t v = 0;
	if (pread(d->fd, &v, width, (off_t)(d->cfg_off + off)) != (ssize_t)width)
		return 0xdeadbeef;
	return v;
}

int cfg_write(const struct conf_dev *d, unsigned off, unsigned width, uint32_t v)
{
	return pwrite(d->fd, &v, width, (off_t)(d->cfg_off + off)) == (ssize_t)width ? 0 : -1;
}

uint64_t bar_rd(const struct conf_dev *d, unsigned bar, uint64_t off, unsigned width)
{
	uint64_t v = 0;
	if (pread(d->fd, &v, width, (off_t)(((uint64_t)bar << 40) + off)) != (ssize_t)width)
		return ~0ull;
	return v;
}

void bar_wr(const struct conf_dev *d, unsigned bar, uint64_t off, unsigned width, uint64_t v)
{
	if (pwrite(d->fd, &v, width, (off_t)(((uint64_t)bar << 40) + off)) != (ssize_t)width)
		rec(k(d, "bar_wr.0x%llx", (unsigned long long)off), "failed errno %d", errno);
}

static sigjmp_buf bus_jb;
static volatile int bus_code;

static void on_sigbus(int sig, siginfo_t *si, void *uc)
{
	(void)sig;
	(void)uc;
	bus_code = si->si_code;
	siglongjmp(bus_jb, 1);
}

void install_sigbus_handler(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_sigbus;
	sa.sa_flags = SA_SIGINFO;
	sigaction(SIGBUS, &sa, NULL);
}

int sigbus_code(void) { return bus_code; }

int try_read32(volatile uint32_t *p, uint32_t *out)
{
	bus_code = 0;
	if (sigsetjmp(bus_jb, 1) == 0) {
		*out = *p;
		return 0;
	}
	return 1;
}

int try_write32(volatile uint32_t *p, uint32_t v)
{
	bus_code = 0;
	if (sigsetjmp(bus_jb, 1) == 0) {
		*p = v;
		return 0;
	}
	return 1;
}

uint64_t eventfd_wait(int efd, int ms)
{
	struct pollfd pfd = {.fd = efd, .events = POLLIN};
	uint64_t count = 0;
	if (poll(&pfd, 1, ms) == 1 && read(efd, &count, sizeof(count)) != sizeof(count))
		count = 0;
	return count;
}

static int read_word_file(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return -1;
	int ok = fgets(buf, (int)len, f) != NULL;
	fclose(f);
	if (!ok)
		return -1;
	buf[strcspn(buf, "\n")] = 0;
	return 0;
}

const char *wait_runtime_status(const struct conf_dev *d, const char *want, int ms, char *buf, size_t len)
{
	char path[256];
	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/power/runtime_status", d->bdf);
	struct timespec start, now;
	clock_gettime(CLOCK_MONOTONIC, &start);
	for (;;) {
		if (read_word_file(path, buf, len)) {
			snprintf(buf, len, "missing");
			return buf;
		}
		if (!strcmp(buf, want))
			return buf;
		clock_gettime(CLOCK_MONOTONIC, &now);
		long elapsed = (now.tv_sec - start.tv_sec) * 1000 + (now.tv_nsec - start.tv_nsec) / 1000000;
		if (elapsed >= ms)
			return buf;
		/* Polling an attribute: sysfs offers no notification for it. */
		struct timespec step = {0, 1000000};
		nanosleep(&step, NULL);
	}
}

int maps_entry(const void *addr, char *perms, unsigned long long *offset, char *name, size_t name_len)
{
	FILE *f = fopen("/proc/self/maps", "r");
	if (!f)
		return -1;
	char line[512];
	int found = -1;
	while (found && fgets(line, sizeof(line), f)) {
		unsigned long long lo, hi;
		int name_at = 0;
		if (sscanf(line, "%llx-%llx %4s %llx %*s %*s %n", &lo, &hi, perms, offset, &name_at) < 4)
			continue;
		if (lo != (uintptr_t)addr)
			continue;
		line[strcspn(line, "\n")] = 0;
		snprintf(name, name_len, "%s", name_at ? line + name_at : "");
		found = 0;
	}
	fclose(f);
	return found;
}

const char *k(const struct conf_dev *d, const char *fmt, ...)
{
	static char buf[256];
	int saved = errno; /* callers pass errno alongside */
	int n = snprintf(buf, sizeof(buf), "%s.", d->name);
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf + n, sizeof(buf) - (size_t)n, fmt, ap);
	va_end(ap);
	errno = saved;
	return buf;
}
