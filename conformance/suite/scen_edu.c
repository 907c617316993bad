/* SPDX-License-Identifier: MIT */
/*
 * edu: registers, MSI and INTx through eventfds, ioeventfds, the MSI
 * capability as the user sees it. Registers are accessed with pread/pwrite
 * of BAR0's region; the mmap path is its own scenario.
 */
#define _GNU_SOURCE
#include "suite.h"

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

enum {
	kRegId = 0x00,
	kRegLive = 0x04,
	kRegFact = 0x08,
	kRegStatus = 0x20,
	kRegIrqStatus = 0x24,
	kRegRaise = 0x60,
	kRegAck = 0x64,
};

static uint32_t rd(struct conf_dev *d, unsigned off) { return (uint32_t)bar_rd(d, 0, off, 4); }
static void wr(struct conf_dev *d, unsigned off, uint32_t v) { bar_wr(d, 0, off, 4, v); }

void scenario_edu_registers(struct conf_dev *d)
{
	rec_scenario("edu_registers", 0);
	uint16_t cmd = (uint16_t)cfg_read(d, 0x04, 2);
	cfg_write(d, 0x04, 2, cmd | 0x6); /* MEMORY | MASTER */
	rec_x(k(d, "command"), cfg_read(d, 0x04, 2));
	rec_x(k(d, "id"), rd(d, kRegId));
	wr(d, kRegLive, 0x12345678);
	rec_x(k(d, "liveness"), rd(d, kRegLive));
	wr(d, kRegFact, 10);
	/* QEMU computes on a thread: poll the busy bit, up to 3 s */
	struct timespec ms = {0, 1000000};
	for (int i = 0; i < 3000 && (rd(d, kRegStatus) & 1); i++)
		nanosleep(&ms, NULL);
	rec_u(k(d, "factorial10"), rd(d, kRegFact));
	rec_x(k(d, "status"), rd(d, kRegStatus));
	rec_x(k(d, "irq_status"), rd(d, kRegIrqStatus));
	rec_x(k(d, "unknown_reg"), rd(d, 0x10));
	rec_x(k(d, "read64.dma_count"), bar_rd(d, 0, 0x90, 8));
	/* Odd widths: edu takes 4 bytes below 0x80, 4 or 8 above. */
	uint8_t b = 0x5a;
	ssize_t n = pread(d->fd, &b, 1, 0);
	rec(k(d, "read8.id"), "%zd 0x%x", n, b);
	uint16_t h = 0x5a5a;
	n = pread(d->fd, &h, 2, 0);
	rec(k(d, "read16.id"), "%zd 0x%x", n, h);
	rec_x(k(d, "read64.id"), bar_rd(d, 0, 0, 8));
	h = 0x1111;
	n = pwrite(d->fd, &h, 2, kRegLive);
	rec(k(d, "write16.liveness"), "%zd then 0x%x", n, rd(d, kRegLive));
	b = 0x22;
	n = pwrite(d->fd, &b, 1, 0x80);
	rec(k(d, "write8.dma_src"), "%zd then 0x%llx", n, (unsigned long long)bar_rd(d, 0, 0x80, 8));
	rec_x(k(d, "read32.dma_src_high"), rd(d, 0x84));
}

/* Registers through an mmap of BAR0. */
void scenario_edu_mmap(struct conf_dev *d)
{
	rec_scenario("edu_mmap", 0);
	struct vfio_region_info bar;
	region_info(d->fd, VFIO_PCI_BAR0_REGION_INDEX, &bar);
	void *map = mmap(NULL, bar.size, PROT_READ | PROT_WRITE, MAP_SHARED, d->fd, (off_t)bar.offset);
	rec_ret(k(d, "mmap.bar0"), map == MAP_FAILED ? -1 : 0, errno);
	if (map == MAP_FAILED)
		return;
	volatile uint32_t *reg = map;
	rec_x(k(d, "id"), reg[kRegId / 4]);
	reg[kRegLive / 4] = 0x0badf00d;
	rec_x(k(d, "liveness"), reg[kRegLive / 4]);
	/* A register with a side effect, through the mapping alone. */
	reg[kRegFact / 4] = 7;
	struct timespec ms = {0, 1000000};
	for (int i = 0; i < 3000 && (reg[kRegStatus / 4] & 1); i++)
		nanosleep(&ms, NULL);
	rec_u(k(d, "factorial7"), reg[kRegFact / 4]);
	munmap(map, bar.size);
}

static long set_irqs(int fd, uint32_t flags, uint32_t index, uint32_t start, uint32_t count, const int32_t *fds)
{
	__extension__ struct {
		struct vfio_irq_set s;
		int32_t fd[4];
	} set;
	memset(&set, 0, sizeof(set));
	set.s.argsz = sizeof(set.s) + (flags & VFIO_IRQ_SET_DATA_EVENTFD ? count * 4 : 0) +
		      (flags & VFIO_IRQ_SET_DATA_BOOL ? count : 0);
	set.s.flags = flags;
	set.s.index = index;
	set.s.start = start;
	set.s.count = count;
	if (fds)
		memcpy(set.fd, fds, count * sizeof(int32_t));
	return ioctl(fd, VFIO_DEVICE_SET_IRQS, &set);
}

#define SET_IRQS(key, ...)                                                                         \
	do {                                                                                       \
		long r_ = set_irqs(__VA_ARGS__);                                                   \
		rec_ret(key, r_, errno);                                                           \
	} while (0)

void scenario_edu_msi(struct conf_dev *d)
{
	rec_scenario("edu_msi", 0);
	const uint32_t trig_fd = VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_TRIGGER;
	const uint32_t trig_none = VFIO_IRQ_SET_DATA_NONE | VFIO_IRQ_SET_ACTION_TRIGGER;
	int32_t efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	SET_IRQS(k(d, "set.bad_index"), d->fd, trig_fd, 9, 0, 1, &efd);
	SET_IRQS(k(d, "set.count2"), d->fd, trig_fd, VFIO_PCI_MSI_IRQ_INDEX, 0, 2, (int32_t[]){efd, efd});
	SET_IRQS(k(d, "set.start1"), d->fd, trig_fd, VFIO_PCI_MSI_IRQ_INDEX, 1, 1, &efd);
	SET_IRQS(k(d, "set.two_types"), d->fd, trig_fd | VFIO_IRQ_SET_DATA_BOOL, VFIO_PCI_MSI_IRQ_INDEX, 0, 1, &efd);
	SET_IRQS(k(d, "set.msi_mask"), d->fd, VFIO_IRQ_SET_DATA_NONE | VFIO_IRQ_SET_ACTION_MASK,
		 VFIO_PCI_MSI_IRQ_INDEX, 0, 1, NULL);
	SET_IRQS(k(d, "trigger.before_enable"), d->fd, trig_none, VFIO_PCI_MSI_IRQ_INDEX, 0, 1, NULL);
	SET_IRQS(k(d, "set.eventfd"), d->fd, trig_fd, VFIO_PCI_MSI_IRQ_INDEX, 0, 1, &efd);
	rec_x(k(d, "msi_control.enabled"), cfg_read(d, 0x42, 2));
	wr(d, kRegRaise, 0x4242);
	rec_u(k(d, "raise.count"), eventfd_wait(efd, 3000));
	rec_x(k(d, "raise.irq_status"), rd(d, kRegIrqStatus));
	wr(d, kRegRaise, 0x1); /* bits already pending: still one message per raise */
	rec_u(k(d, "raise_again.count"), eventfd_wait(efd, 3000));
	wr(d, kRegAck, 0x4243);
	rec_x(k(d, "ack.irq_status"), rd(d, kRegIrqStatus));
	SET_IRQS(k(d, "trigger.loopback"), d->fd, trig_none, VFIO_PCI_MSI_IRQ_INDEX, 0, 1, NULL);
	rec_u(k(d, "loopback.count"), eventfd_wait(efd, 3000));
	SET_IRQS(k(d, "set.intx_while_msi"), d->fd, trig_fd, VFIO_PCI_INTX_IRQ_INDEX, 0, 1, &efd);
	SET_IRQS(k(d, "disable"), d->fd, trig_none, VFIO_PCI_MSI_IRQ_INDEX, 0, 0, NULL);
	rec_x(k(d, "msi_control.disabled"), cfg_read(d, 0x42, 2));
	SET_IRQS(k(d, "disable.again"), d->fd, trig_none, VFIO_PCI_MSI_IRQ_INDEX, 0, 0, NULL);
	close(efd);
}

/* INTx is level-triggered and automasked: one count until unmasked. */
void scenario_edu_intx(struct conf_dev *d)
{
	rec_scenario("edu_intx", 0);
	const uint32_t unmask = VFIO_IRQ_SET_DATA_NONE | VFIO_IRQ_SET_ACTION_UNMASK;
	int32_t efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	SET_IRQS(k(d, "set.eventfd"), d->fd, VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_TRIGGER,
		 VFIO_PCI_INTX_IRQ_INDEX, 0, 1, &efd);
	wr(d, kRegRaise, 0x1);
	rec_u(k(d, "raise.count"), eventfd_wait(efd, 3000));
	rec_x(k(d, "masked.status_intx"), (cfg_read(d, 0x04, 4) >> 16) & 0x8);
	rec_x(k(d, "masked.command_intx_disable"), cfg_read(d, 0x04, 2) & 0x400);
	wr(d, kRegRaise, 0x2);
	/* a negative: nothing may arrive; 200 ms covers the guest's latency */
	rec_u(k(d, "raise_while_masked.count"), eventfd_wait(efd, 200));
	SET_IRQS(k(d, "unmask.still_asserted"), d->fd, unmask, VFIO_PCI_INTX_IRQ_INDEX, 0, 1, NULL);
	rec_u(k(d, "unmask.still_asserted.count"), eventfd_wait(efd, 3000));
	wr(d, kRegAck, 0x3);
	SET_IRQS(k(d, "unmask.after_ack"), d->fd, unmask, VFIO_PCI_INTX_IRQ_INDEX, 0, 1, NULL);
	rec_u(k(d, "unmask.after_ack.count"), eventfd_wait(efd, 200));
	wr(d, kRegRaise, 0x4);
	rec_u(k(d, "raise_after_unmask.count"), eventfd_wait(efd, 3000));
	wr(d, kRegAck, 0x4);
	SET_IRQS(k(d, "unmask.bool"), d->fd, VFIO_IRQ_SET_DATA_BOOL | VFIO_IRQ_SET_ACTION_UNMASK,
		 VFIO_PCI_INTX_IRQ_INDEX, 0, 1, NULL);
	/* User masking, and a trigger from userspace (loopback). */
	SET_IRQS(k(d, "mask"), d->fd, VFIO_IRQ_SET_DATA_NONE | VFIO_IRQ_SET_ACTION_MASK, VFIO_PCI_INTX_IRQ_INDEX, 0,
		 1, NULL);
	wr(d, kRegRaise, 0x8);
	rec_u(k(d, "raise_while_user_masked.count"), eventfd_wait(efd, 200));
	wr(d, kRegAck, 0x8);
	SET_IRQS(k(d, "unmask.after_user_mask"), d->fd, unmask, VFIO_PCI_INTX_IRQ_INDEX, 0, 1, NULL);
	rec_u(k(d, "unmask.after_user_mask.count"), eventfd_wait(efd, 200));
	SET_IRQS(k(d, "trigger.loopback"), d->fd, VFIO_IRQ_SET_DATA_NONE | VFIO_IRQ_SET_ACTION_TRIGGER,
		 VFIO_PCI_INTX_IRQ_INDEX, 0, 1, NULL);
	rec_u(k(d, "loopback.count"), eventfd_wait(efd, 3000));
	SET_IRQS(k(d, "unmask.after_loopback"), d->fd, unmask, VFIO_PCI_INTX_IRQ_INDEX, 0, 1, NULL);
	SET_IRQS(k(d, "mask.count2"), d->fd, VFIO_IRQ_SET_DATA_NONE | VFIO_IRQ_SET_ACTION_MASK,
		 VFIO_PCI_INTX_IRQ_INDEX, 0, 2, NULL);
	SET_IRQS(k(d, "set.msi_while_intx"), d->fd, VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_TRIGGER,
		 VFIO_PCI_MSI_IRQ_INDEX, 0, 1, &efd);
	SET_IRQS(k(d, "disable"), d->fd, VFIO_IRQ_SET_DATA_NONE | VFIO_IRQ_SET_ACTION_TRIGGER,
		 VFIO_PCI_INTX_IRQ_INDEX, 0, 0, NULL);
	close(efd);
}

static long ioeventfd(struct conf_dev *d, uint32_t flags, uint64_t offset, uint64_t data, int fd)
{
	struct vfio_device_ioeventfd io = {
		.argsz = sizeof(io), .flags = flags, .offset = offset, .data = data, .fd = fd};
	return ioctl(d->fd, VFIO_DEVICE_IOEVENTFD, &io);
}

/* An eventfd write becomes a register write done by the kernel. */
void scenario_edu_ioeventfd(struct conf_dev *d)
{
	rec_scenario("edu_ioeventfd", 0);
	int efd = eventfd(0, EFD_CLOEXEC);
	RET(k(d, "size_none"), ioeventfd(d, 0, 0x04, 1, efd));
	RET(k(d, "two_sizes"), ioeventfd(d, VFIO_DEVICE_IOEVENTFD_32 | VFIO_DEVICE_IOEVENTFD_16, 0x04, 1, efd));
	RET(k(d, "unaligned"), ioeventfd(d, VFIO_DEVICE_IOEVENTFD_32, 0x06, 1, efd));
	RET(k(d, "config_region"), ioeventfd(d, VFIO_DEVICE_IOEVENTFD_32, d->cfg_off + 4, 1, efd));
	RET(k(d, "beyond_bar"), ioeventfd(d, VFIO_DEVICE_IOEVENTFD_32, 0x100000, 1, efd));
	RET(k(d, "data_too_wide"), ioeventfd(d, VFIO_DEVICE_IOEVENTFD_16, 0x04, 0x12345, efd));
	RET(k(d, "add"), ioeventfd(d, VFIO_DEVICE_IOEVENTFD_32, 0x04, 0x0f0f0f0f, efd));
	RET(k(d, "add.again"), ioeventfd(d, VFIO_DEVICE_IOEVENTFD_32, 0x04, 0x0f0f0f0f, efd));
	uint64_t one = 1;
	rec(k(d, "signal"), "%zd", write(efd, &one, sizeof(one)));
	/* The kernel writes from the eventfd's wakeup: poll up to 3 s. */
	struct timespec ms = {0, 1000000};
	uint32_t v = 0;
	for (int i = 0; i < 3000 && (v = (uint32_t)bar_rd(d, 0, 0x04, 4)) != 0xf0f0f0f0; i++)
		nanosleep(&ms, NULL);
	rec_x(k(d, "liveness.after_signal"), v);
	RET(k(d, "remove"), ioeventfd(d, VFIO_DEVICE_IOEVENTFD_32, 0x04, 0x0f0f0f0f, -1));
	RET(k(d, "remove.again"), ioeventfd(d, VFIO_DEVICE_IOEVENTFD_32, 0x04, 0x0f0f0f0f, -1));
	close(efd);
}

/* The MSI capability while MSI is enabled through SET_IRQS. */
void scenario_msi_config(struct conf_dev *d)
{
	rec_scenario("msi_config", 0);
	int32_t efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	__extension__ struct {
		struct vfio_irq_set s;
		int32_t fd;
	} set = {{sizeof(set), VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_TRIGGER, VFIO_PCI_MSI_IRQ_INDEX, 0, 1},
		 efd};
	RET(k(d, "enable"), ioctl(d->fd, VFIO_DEVICE_SET_IRQS, &set));
	for (unsigned off = 0x40; off < 0x58; off += 4)
		rec_x(k(d, "msi.cfg%02x", off), cfg_read(d, off, 4));
	cfg_write(d, 0x44, 4, 0xfee01000);
	rec_x(k(d, "msi.address.after_user_write"), cfg_read(d, 0x44, 4));
	set.s.flags = VFIO_IRQ_SET_DATA_NONE | VFIO_IRQ_SET_ACTION_TRIGGER;
	set.s.count = 0;
	set.s.argsz = sizeof(set.s);
	RET(k(d, "disable"), ioctl(d->fd, VFIO_DEVICE_SET_IRQS, &set));
	rec_x(k(d, "msi.cfg40.after_disable"), cfg_read(d, 0x40, 4));
	close(efd);
}
