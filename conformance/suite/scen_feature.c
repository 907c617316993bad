/* SPDX-License-Identifier: MIT */
/* VFIO_DEVICE_FEATURE: probes, the core's argument checks, low power. */
#define _GNU_SOURCE
#include "suite.h"

#include <errno.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

__extension__ struct feature_buf {
	struct vfio_device_feature hdr;
	uint8_t data[64];
};

static long feature(int fd, uint32_t argsz, uint32_t flags)
{
	struct feature_buf f;
	memset(&f, 0, sizeof(f));
	f.hdr.argsz = argsz;
	f.hdr.flags = flags;
	return ioctl(fd, VFIO_DEVICE_FEATURE, &f);
}

void scenario_features(struct conf_dev *d)
{
	rec_scenario("features", 0);
	const uint32_t get = VFIO_DEVICE_FEATURE_PROBE | VFIO_DEVICE_FEATURE_GET;
	const uint32_t set = VFIO_DEVICE_FEATURE_PROBE | VFIO_DEVICE_FEATURE_SET;
	for (uint32_t idx = 0; idx <= 15; idx++) {
		long r = feature(d->fd, sizeof(struct feature_buf), get | idx);
		rec_ret(k(d, "probe_get.%u", idx), r, errno);
		r = feature(d->fd, sizeof(struct feature_buf), set | idx);
		rec_ret(k(d, "probe_set.%u", idx), r, errno);
	}
	long r = feature(d->fd, 4, set | VFIO_DEVICE_FEATURE_LOW_POWER_ENTRY);
	rec_ret(k(d, "argsz4"), r, errno);
	r = feature(d->fd, 8, set | (1u << 20) | VFIO_DEVICE_FEATURE_LOW_POWER_ENTRY);
	rec_ret(k(d, "unknown_flag"), r, errno);
	r = feature(d->fd, 8, VFIO_DEVICE_FEATURE_GET | VFIO_DEVICE_FEATURE_SET | VFIO_DEVICE_FEATURE_LOW_POWER_ENTRY);
	rec_ret(k(d, "get_and_set"), r, errno);
	r = feature(d->fd, 8, VFIO_DEVICE_FEATURE_PROBE | VFIO_DEVICE_FEATURE_LOW_POWER_ENTRY);
	rec_ret(k(d, "probe_alone"), r, errno);
	r = feature(d->fd, 8, VFIO_DEVICE_FEATURE_LOW_POWER_ENTRY);
	rec_ret(k(d, "no_direction"), r, errno);
	r = feature(d->fd, 8, VFIO_DEVICE_FEATURE_GET | VFIO_DEVICE_FEATURE_MIGRATION);
	rec_ret(k(d, "get.migration"), r, errno);
}

/* LOW_POWER_ENTRY disables memory like clearing PCI_COMMAND.MEMORY. */
void scenario_low_power(struct conf_dev *d)
{
	rec_scenario("low_power", 0);
	install_sigbus_handler();
	struct vfio_region_info bar;
	region_info(d->fd, VFIO_PCI_BAR2_REGION_INDEX, &bar);
	void *map = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, d->fd, (off_t)bar.offset);
	if (map == MAP_FAILED) {
		rec_ret(k(d, "mmap"), -1, errno);
		return;
	}
	volatile uint32_t *w = map;
	uint32_t v = 0;
	long r = feature(d->fd, 8, VFIO_DEVICE_FEATURE_SET | VFIO_DEVICE_FEATURE_LOW_POWER_ENTRY);
	rec_ret(k(d, "entry"), r, errno);
	int sb = try_read32(w, &v);
	rec(k(d, "entered.read"), "%s si_code=%d", sb ? "SIGBUS" : "ok", sigbus_code());
	char buf[4];
	ssize_t n = pread(d->fd, buf, 4, (off_t)bar.offset);
	rec_ret(k(d, "entered.pread"), n, errno);
	rec_x(k(d, "entered.command"), cfg_read(d, 0x04, 2));
	r = feature(d->fd, 8, VFIO_DEVICE_FEATURE_SET | VFIO_DEVICE_FEATURE_LOW_POWER_ENTRY);
	rec_ret(k(d, "entry.again"), r, errno);
	r = feature(d->fd, 8, VFIO_DEVICE_FEATURE_SET | VFIO_DEVICE_FEATURE_LOW_POWER_EXIT);
	rec_ret(k(d, "exit"), r, errno);
	sb = try_read32(w, &v);
	rec(k(d, "exited.read"), "%s si_code=%d", sb ? "SIGBUS" : "ok", sigbus_code());
	r = feature(d->fd, 8, VFIO_DEVICE_FEATURE_SET | VFIO_DEVICE_FEATURE_LOW_POWER_EXIT);
	rec_ret(k(d, "exit.again"), r, errno);
	/* With a wakeup eventfd: the payload is {fd, reserved}. */
	struct feature_buf f;
	memset(&f, 0, sizeof(f));
	f.hdr.argsz = 16;
	f.hdr.flags = VFIO_DEVICE_FEATURE_SET | VFIO_DEVICE_FEATURE_LOW_POWER_ENTRY_WITH_WAKEUP;
	int efd = eventfd(0, EFD_CLOEXEC);
	memcpy(f.data, &efd, sizeof(efd));
	RET(k(d, "entry_with_wakeup"), ioctl(d->fd, VFIO_DEVICE_FEATURE, &f));
	sb = try_read32(w, &v);
	rec(k(d, "entered_with_wakeup.read"), "%s si_code=%d", sb ? "SIGBUS" : "ok", sigbus_code());
	/* The wakeup is signalled by the runtime resume of a suspended
	 * device: the exit below must find it suspended, not still queued. */
	char status[32];
	rec(k(d, "entered_with_wakeup.runtime_status"), "%s",
	    wait_runtime_status(d, "suspended", 3000, status, sizeof(status)));
	f.hdr.argsz = 8;
	f.hdr.flags = VFIO_DEVICE_FEATURE_SET | VFIO_DEVICE_FEATURE_LOW_POWER_EXIT;
	RET(k(d, "exit_after_wakeup_entry"), ioctl(d->fd, VFIO_DEVICE_FEATURE, &f));
	rec_u(k(d, "wakeup.count"), eventfd_wait(efd, 0));
	f.hdr.argsz = 12;
	f.hdr.flags = VFIO_DEVICE_FEATURE_SET | VFIO_DEVICE_FEATURE_LOW_POWER_ENTRY_WITH_WAKEUP;
	RET(k(d, "entry_with_wakeup.argsz12"), ioctl(d->fd, VFIO_DEVICE_FEATURE, &f));
	close(efd);
	munmap(map, 4096);
}
