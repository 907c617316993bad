/* SPDX-License-Identifier: MIT */
/*
 * DMABUF export, mmap, REVOKE and MEMATTR (feature indexes of series v4).
 * A 6.12 kernel has none of this, so the scenario runs on softvfio only,
 * under the series-v4 profile, and its records say so.
 */
#define _GNU_SOURCE
#include "suite.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

static int export_bar2(struct conf_dev *d, uint64_t offset, uint64_t length)
{
	__extension__ struct {
		struct vfio_device_feature hdr;
		struct vfio_device_feature_dma_buf buf;
		struct vfio_region_dma_range range;
	} f;
	memset(&f, 0, sizeof(f));
	f.hdr.argsz = sizeof(f);
	f.hdr.flags = VFIO_DEVICE_FEATURE_GET | VFIO_DEVICE_FEATURE_DMA_BUF;
	f.buf.region_index = VFIO_PCI_BAR2_REGION_INDEX;
	f.buf.open_flags = O_RDWR | O_CLOEXEC;
	f.buf.nr_ranges = 1;
	f.range.offset = offset;
	f.range.length = length;
	return ioctl(d->fd, VFIO_DEVICE_FEATURE, &f);
}

static long set_feature(struct conf_dev *d, uint32_t idx, const void *payload, uint32_t len)
{
	__extension__ struct {
		struct vfio_device_feature hdr;
		uint8_t data[16];
	} f;
	memset(&f, 0, sizeof(f));
	f.hdr.argsz = sizeof(f.hdr) + len;
	f.hdr.flags = VFIO_DEVICE_FEATURE_SET | idx;
	memcpy(f.data, payload, len);
	return ioctl(d->fd, VFIO_DEVICE_FEATURE, &f);
}

static void *map_buf(int fd)
{
	return mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
}

void scenario_dmabuf(struct conf_dev *d)
{
	rec_scenario("dmabuf", 1);
	install_sigbus_handler();
	struct vfio_region_info bar;
	region_info(d->fd, VFIO_PCI_BAR2_REGION_INDEX, &bar);
	volatile uint32_t *bar_map = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, d->fd, (off_t)bar.offset);
	rec_ret(k(d, "bar_mmap"), bar_map == MAP_FAILED ? -1 : 0, errno);
	if (bar_map == MAP_FAILED)
		return;
	char perms[8], name[256];
	unsigned long long off = 0;
	maps_entry((void *)bar_map, perms, &off, name, sizeof(name));
	rec(k(d, "bar_mmap.maps_name_prefix"), "%.8s", name);
	rec_x(k(d, "bar_mmap.maps_offset"), off);
	bar_map[0] = 0xc0ffee01;
	int fd = export_bar2(d, 0, 4096);
	rec_ret(k(d, "export"), fd, errno);
	RET(k(d, "export.unaligned"), export_bar2(d, 100, 4096));
	RET(k(d, "export.beyond_bar"), export_bar2(d, 0, bar.size + 4096));
	if (fd < 0)
		return;
	volatile uint32_t *m = map_buf(fd);
	rec_ret(k(d, "mmap"), m == MAP_FAILED ? -1 : 0, errno);
	if (m != MAP_FAILED)
		rec_check(k(d, "mmap.sees_bar_data"), m[0] == 0xc0ffee01);
	struct vfio_device_feature_dma_buf_memattr attr = {.dmabuf_fd = fd, .memattr = 1};
	RET(k(d, "memattr.wc"), set_feature(d, VFIO_DEVICE_FEATURE_DMA_BUF_MEMATTR, &attr, sizeof(attr)));
	attr.memattr = 7;
	long r = set_feature(d, VFIO_DEVICE_FEATURE_DMA_BUF_MEMATTR, &attr, sizeof(attr));
	int e = errno;
	rec_ret(k(d, "memattr.unknown"), r, e);
	rec_check(k(d, "memattr.unknown_is_ENOENT"), r < 0 && e == ENOENT); /* series v3/v4 */
	struct vfio_device_feature_dma_buf_revoke rv = {.dmabuf_fd = fd};
	RET(k(d, "revoke"), set_feature(d, VFIO_DEVICE_FEATURE_DMA_BUF_REVOKE, &rv, sizeof(rv)));
	uint32_t v = 0;
	if (m != MAP_FAILED) {
		int sb = try_read32(m, &v);
		rec(k(d, "revoked.read"), "%s si_code=%d", sb ? "SIGBUS" : "ok", sigbus_code());
		rec_check(k(d, "revoked.read_raises_sigbus"), sb && sigbus_code() == BUS_ADRERR);
	}
	void *m2 = map_buf(fd);
	e = errno;
	rec_ret(k(d, "revoked.mmap"), m2 == MAP_FAILED ? -1 : 0, e);
	rec_check(k(d, "revoked.mmap_is_ENODEV"), m2 == MAP_FAILED && e == ENODEV);
	int sb = try_read32(bar_map, &v);
	rec(k(d, "revoked.bar_map_read"), "%s 0x%x", sb ? "SIGBUS" : "ok", v);
	rv.dmabuf_fd = 0;
	RET(k(d, "revoke.not_dmabuf"), set_feature(d, VFIO_DEVICE_FEATURE_DMA_BUF_REVOKE, &rv, sizeof(rv)));
	close(fd);
}
