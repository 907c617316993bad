/* SPDX-License-Identifier: MIT */
/* Device, region and IRQ info; config space including BAR sizing. */
#define _GNU_SOURCE
#include "suite.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <unistd.h>

static void ioctl_rec(const char *key, int fd, unsigned long req, void *arg)
{
	long r = ioctl(fd, req, arg);
	rec_ret(key, r, errno);
}

static void region_infos(struct conf_dev *d, unsigned n)
{
	for (unsigned i = 0; i <= n; i++) {
		struct vfio_region_info ri;
		long r = region_info(d->fd, i, &ri);
		if (r) {
			rec_ret(k(d, "region%u", i), r, errno);
			continue;
		}
		rec(k(d, "region%u", i), "size=0x%llx offset=0x%llx flags=0x%x argsz=%u cap_offset=%u",
		    (unsigned long long)ri.size, (unsigned long long)ri.offset, ri.flags, ri.argsz, ri.cap_offset);
	}
	struct vfio_region_info ri = {.argsz = 8, .index = 0};
	ioctl_rec(k(d, "region_info.argsz8"), d->fd, VFIO_DEVICE_GET_REGION_INFO, &ri);
}

static void irq_infos(struct conf_dev *d, unsigned n)
{
	for (unsigned i = 0; i <= n; i++) {
		struct vfio_irq_info ii = {.argsz = sizeof(ii), .index = i};
		long r = ioctl(d->fd, VFIO_DEVICE_GET_IRQ_INFO, &ii);
		if (r)
			rec_ret(k(d, "irq%u", i), r, errno);
		else
			rec(k(d, "irq%u", i), "count=%u flags=0x%x", ii.count, ii.flags);
	}
	struct vfio_irq_info ii = {.argsz = 8, .index = 0};
	ioctl_rec(k(d, "irq_info.argsz8"), d->fd, VFIO_DEVICE_GET_IRQ_INFO, &ii);
}

void scenario_device_info(struct conf_dev *d)
{
	rec_scenario("device_info", 0);
	struct vfio_device_info di = {.argsz = sizeof(di)};
	ioctl_rec(k(d, "get_info"), d->fd, VFIO_DEVICE_GET_INFO, &di);
	rec(k(d, "info"), "flags=0x%x regions=%u irqs=%u argsz=%u", di.flags, di.num_regions, di.num_irqs, di.argsz);
	struct vfio_device_info small = {.argsz = 8};
	ioctl_rec(k(d, "get_info.argsz8"), d->fd, VFIO_DEVICE_GET_INFO, &small);
	region_infos(d, di.num_regions);
	irq_infos(d, di.num_irqs);
	ioctl_rec(k(d, "reset"), d->fd, VFIO_DEVICE_RESET, NULL);
	ioctl_rec(k(d, "unknown_ioctl"), d->fd, _IO(VFIO_TYPE, VFIO_BASE + 40), NULL);
	ioctl_rec(k(d, "dmabuf_revoke_v2_ioctl"), d->fd, _IO(VFIO_TYPE, VFIO_BASE + 22), NULL);
	__extension__ struct {
		struct vfio_pci_hot_reset_info h;
		struct vfio_pci_dependent_device dev[8];
	} hr;
	memset(&hr, 0, sizeof(hr));
	hr.h.argsz = sizeof(hr);
	long r = ioctl(d->fd, VFIO_DEVICE_GET_PCI_HOT_RESET_INFO, &hr);
	rec_ret(k(d, "hot_reset_info"), r, errno);
	if (r == 0)
		rec(k(d, "hot_reset_info.count"), "%u", hr.h.count);
	hr.h.argsz = 8;
	RET(k(d, "hot_reset_info.argsz8"), ioctl(d->fd, VFIO_DEVICE_GET_PCI_HOT_RESET_INFO, &hr));
	struct vfio_pci_hot_reset reset = {.argsz = sizeof(reset)};
	RET(k(d, "hot_reset.no_groups"), ioctl(d->fd, VFIO_DEVICE_PCI_HOT_RESET, &reset));
	reset.argsz = 4;
	RET(k(d, "hot_reset.argsz4"), ioctl(d->fd, VFIO_DEVICE_PCI_HOT_RESET, &reset));
	/* The REQ and ERR indexes. */
	int32_t efd = eventfd(0, EFD_CLOEXEC);
	__extension__ struct {
		struct vfio_irq_set s;
		int32_t fd;
	} set = {{sizeof(set), VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_TRIGGER, VFIO_PCI_REQ_IRQ_INDEX, 0, 1},
		 efd};
	RET(k(d, "set_irqs.req"), ioctl(d->fd, VFIO_DEVICE_SET_IRQS, &set));
	set.s.index = VFIO_PCI_ERR_IRQ_INDEX;
	RET(k(d, "set_irqs.err"), ioctl(d->fd, VFIO_DEVICE_SET_IRQS, &set));
	set.s.index = VFIO_PCI_REQ_IRQ_INDEX;
	set.s.flags = VFIO_IRQ_SET_DATA_NONE | VFIO_IRQ_SET_ACTION_TRIGGER;
	set.s.count = 0;
	set.s.argsz = sizeof(set.s);
	RET(k(d, "set_irqs.req.disable"), ioctl(d->fd, VFIO_DEVICE_SET_IRQS, &set));
	close(efd);
	/* Regions without contents. */
	uint8_t b;
	RET(k(d, "pread.rom"), pread(d->fd, &b, 1, (off_t)((uint64_t)VFIO_PCI_ROM_REGION_INDEX << 40)));
	RET(k(d, "pread.vga"), pread(d->fd, &b, 1, (off_t)((uint64_t)VFIO_PCI_VGA_REGION_INDEX << 40)));
	RET(k(d, "pread.bar1"), pread(d->fd, &b, 1, (off_t)((uint64_t)1 << 40)));
}

/* pread(2) of `len` bytes at `off`: its result, and how many bytes came. */
static void pread_rec(struct conf_dev *d, const char *what, size_t len, uint64_t off)
{
	uint8_t buf[8];
	ssize_t n = pread(d->fd, buf, len, (off_t)off);
	rec_ret(k(d, "pread.%s", what), n, errno);
	if (n >= 0)
		rec(k(d, "pread.%s.bytes", what), "%zd", n);
}

/* Standard header dwords, the capability list, and BAR sizing. */
void scenario_config(struct conf_dev *d)
{
	rec_scenario("config", 0);
	static const unsigned dwords[] = {0x00, 0x04, 0x08, 0x0c, 0x2c, 0x34, 0x3c};
	for (unsigned i = 0; i < sizeof(dwords) / sizeof(dwords[0]); i++)
		rec_x(k(d, "cfg%02x", dwords[i]), cfg_read(d, dwords[i], 4));
	/* The address is the machine's; the flag bits are the device's. */
	for (unsigned bar = 0; bar < 6; bar++) {
		uint32_t raw = cfg_read(d, 0x10 + 4 * bar, 4);
		rec_x(k(d, "bar%u.flags", bar), raw & 0xf);
		rec_x(k(d, "bar%u.address", bar), raw & ~0xfu);
	}
	rec_x(k(d, "cfg.width1.at0"), cfg_read(d, 0, 1));
	rec_x(k(d, "cfg.width2.at2"), cfg_read(d, 2, 2));
	unsigned at = cfg_read(d, 0x34, 1) & 0xfc;
	for (unsigned n = 0; at && n < 16; n++) {
		uint32_t hdr = cfg_read(d, at, 4);
		rec(k(d, "cap%u", n), "id=0x%02x at=0x%02x", hdr & 0xff, at);
		if ((hdr & 0xff) == 0x05) /* MSI: control word */
			rec_x(k(d, "cap%u.msi_control", n), (hdr >> 16) & 0xffff);
		at = (hdr >> 8) & 0xfc;
	}
	/* BAR sizing: all ones written, the size mask read back, restored. */
	for (unsigned bar = 0; bar < 6; bar++) {
		unsigned off = 0x10 + 4 * bar;
		uint32_t saved = cfg_read(d, off, 4);
		cfg_write(d, off, 4, 0xffffffff);
		rec_x(k(d, "bar%u.sizing", bar), cfg_read(d, off, 4));
		cfg_write(d, off, 4, saved);
		rec_check(k(d, "bar%u.restored", bar), cfg_read(d, off, 4) == saved);
	}
	uint32_t rom = cfg_read(d, 0x30, 4);
	cfg_write(d, 0x30, 4, 0xfffff800);
	rec_x(k(d, "rom.sizing"), cfg_read(d, 0x30, 4));
	cfg_write(d, 0x30, 4, rom);
	/* Read-only fields ignore writes; the write itself succeeds. */
	uint32_t id = cfg_read(d, 0, 4);
	rec(k(d, "write.vendor_id"), "%d", cfg_write(d, 0, 2, 0x1234));
	rec_check(k(d, "vendor_id.unchanged"), cfg_read(d, 0, 4) == id);
	/* Ends and odd sizes of the config region. */
	pread_rec(d, "at_end", 4, d->cfg_off + 0x100);
	pread_rec(d, "across_end", 4, d->cfg_off + 0xfe);
	pread_rec(d, "8bytes", 8, d->cfg_off);
	pread_rec(d, "3bytes_at1", 3, d->cfg_off + 1);
	uint8_t buf[4];
	ssize_t n = pread(d->fd, buf, 4, (off_t)((uint64_t)9 << 40));
	rec_ret(k(d, "pread.region9"), n, errno);
}

/* Writes to config space: what the virtualization keeps, passes on or
 * drops. Each value is restored afterwards. */
static void write_rec(struct conf_dev *d, const char *what, unsigned off, unsigned width, uint32_t v)
{
	uint32_t saved = cfg_read(d, off, width);
	int r = cfg_write(d, off, width, v);
	rec(k(d, "%s", what), "%d 0x%x", r, cfg_read(d, off, width));
	cfg_write(d, off, width, saved);
}

void scenario_config_writes(struct conf_dev *d)
{
	rec_scenario("config_writes", 0);
	write_rec(d, "command.all_ones", 0x04, 2, 0xffff);
	write_rec(d, "command.intx_disable", 0x04, 2, cfg_read(d, 0x04, 2) | 0x400);
	write_rec(d, "status.all_ones", 0x06, 2, 0xffff);
	write_rec(d, "cache_line_size", 0x0c, 1, 0x10);
	write_rec(d, "latency_timer", 0x0d, 1, 0x40);
	write_rec(d, "bist", 0x0f, 1, 0xff);
	write_rec(d, "bar0.value", 0x10, 4, 0x12345678);
	write_rec(d, "bar0.byte", 0x11, 1, 0xab);
	write_rec(d, "subsystem", 0x2c, 4, 0x11112222);
	write_rec(d, "cap_pointer", 0x34, 1, 0x80);
	write_rec(d, "interrupt_line", 0x3c, 1, 0x55);
	write_rec(d, "interrupt_pin", 0x3d, 1, 0x04);
	write_rec(d, "max_latency", 0x3f, 1, 0x12);
	write_rec(d, "unassigned.0x80", 0x80, 4, 0xdeadbeef);
	write_rec(d, "unassigned.0xfc", 0xfc, 4, 0xdeadbeef);
	for (unsigned off = 0x40; off < 0x60; off += 4)
		rec_x(k(d, "cfg%02x", off), cfg_read(d, off, 4));
	uint32_t x = 0;
	for (unsigned off = 0x60; off < 0x100; off += 4)
		x ^= cfg_read(d, off, 4) * (off | 1);
	rec_x(k(d, "cfg60_ff.hash"), x);
	if (cfg_read(d, 0x34, 1) == 0x40) { /* edu's MSI capability */
		write_rec(d, "msi.control.enable", 0x42, 2, cfg_read(d, 0x42, 2) | 0x1);
		write_rec(d, "msi.control.multiple", 0x42, 2, 0x70);
		write_rec(d, "msi.address", 0x44, 4, 0xfee0100f);
		write_rec(d, "msi.data", 0x4c, 2, 0xbeef);
	}
}
