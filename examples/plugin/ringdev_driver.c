/* SPDX-License-Identifier: MIT */
/*
 * A userspace driver for ringdev (ringdev.h), in plain C against the VFIO
 * uAPI of <linux/vfio.h>: what one would write for the real device, and
 * what runs unchanged on the plugin under softvfio.
 *
 *   softvfio run --device ./ringdev.so -- ./ringdev_driver 5f00:00:01.0
 *
 * It opens the device through its IOMMU group and a type1 container, maps
 * BAR0 (every load and store reaches the model), enables memory and bus
 * mastering, maps 1 MiB of its own memory for DMA (VFIO_IOMMU_MAP_DMA),
 * takes the completion interrupt as MSI-X vector 0 on an eventfd, sets up
 * the two rings and runs commands through them: fills, copies, checksums,
 * more than the ring holds (so it wraps and the phase flips), and one
 * copy from an IOVA it never mapped, which must complete with -EFAULT.
 * Each check prints PASS or FAIL; the last line is RESULT: PASS or FAIL.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <linux/vfio.h>
#include <poll.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "ringdev.h"

#define QUEUE_SIZE 8u
#define DMA_IOVA 0x10000000ull
#define DMA_SIZE (1u << 20)
#define UNMAPPED_IOVA 0x70000000ull

static int failures;

static void check(int ok, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	printf("%s: ", ok ? "PASS" : "FAIL");
	vprintf(fmt, ap);
	printf("\n");
	va_end(ap);
	if (!ok)
		failures++;
}

static void die(const char *what)
{
	printf("FAIL: %s: %s\nRESULT: FAIL\n", what, strerror(errno));
	exit(1);
}

static volatile uint8_t *bar0;
static uint32_t rd32(unsigned off) { return *(volatile uint32_t *)(bar0 + off); }
static void wr32(unsigned off, uint32_t v) { *(volatile uint32_t *)(bar0 + off) = v; }
static void wr64(unsigned off, uint64_t v) { *(volatile uint64_t *)(bar0 + off) = v; }

/* The driver's view of its DMA memory: rings first, then data buffers. */
static uint8_t *dma;
#define SQ_OFFSET 0x0
#define CQ_OFFSET 0x1000
#define DATA_OFFSET 0x10000
static struct ringdev_descriptor *sq(void) { return (struct ringdev_descriptor *)(dma + SQ_OFFSET); }
static volatile struct ringdev_completion *cq(void) { return (volatile struct ringdev_completion *)(dma + CQ_OFFSET); }
static uint64_t iova_of(size_t offset) { return DMA_IOVA + offset; }

static unsigned sq_tail, cq_head;
static uint32_t cq_phase = 1;
static int irq_fd;

static void submit(uint32_t opcode, uint32_t length, uint64_t src, uint64_t dst, uint64_t tag)
{
	struct ringdev_descriptor *d = &sq()[sq_tail];
	d->opcode = opcode;
	d->length = length;
	d->src = src;
	d->dst = dst;
	d->tag = tag;
	sq_tail = (sq_tail + 1) % QUEUE_SIZE;
}

/* Ring the doorbell and collect `count` completions, waiting for the
 * interrupt as a driver's interrupt handler would. */
static int run(unsigned count, struct ringdev_completion *out)
{
	/* The descriptors before the doorbell: x86 keeps stores in order, so
	 * the compiler is all that must not move them (Linux's wmb() before an
	 * uncached MMIO store). */
	__asm__ __volatile__("" ::: "memory");
	wr32(RINGDEV_REG_SQ_TAIL, sq_tail);
	unsigned got = 0;
	while (got < count) {
		struct pollfd p = {irq_fd, POLLIN, 0};
		if (poll(&p, 1, 5000) != 1) {
			check(0, "completion interrupt within 5 s (%u of %u completions)", got, count);
			return -1;
		}
		uint64_t n;
		if (read(irq_fd, &n, sizeof(n)) != sizeof(n))
			die("read of the interrupt eventfd");
		wr32(RINGDEV_REG_IRQ_STATUS, RINGDEV_IRQ_COMPLETION);
		while (got < count && cq()[cq_head].phase == cq_phase) {
			out[got++] = *(const struct ringdev_completion *)&cq()[cq_head];
			cq_head = (cq_head + 1) % QUEUE_SIZE;
			if (cq_head == 0)
				cq_phase ^= 1;
		}
	}
	return 0;
}

static int open_device(const char *bdf, int *container_out)
{
	char link[PATH_MAX], target[PATH_MAX], path[64];
	snprintf(link, sizeof(link), "/sys/bus/pci/devices/%s/iommu_group", bdf);
	ssize_t n = readlink(link, target, sizeof(target) - 1);
	if (n < 0)
		die("the device's iommu_group link");
	target[n] = '\0';
	snprintf(path, sizeof(path), "/dev/vfio/%s", basename(target));
	int container = open("/dev/vfio/vfio", O_RDWR | O_CLOEXEC);
	int group = open(path, O_RDWR | O_CLOEXEC);
	if (container < 0 || group < 0)
		die("open of the container and the group");
	struct vfio_group_status status = {.argsz = sizeof(status)};
	if (ioctl(group, VFIO_GROUP_GET_STATUS, &status) || !(status.flags & VFIO_GROUP_FLAGS_VIABLE))
		die("a viable group");
	if (ioctl(group, VFIO_GROUP_SET_CONTAINER, &container) ||
	    ioctl(container, VFIO_SET_IOMMU, VFIO_TYPE1v2_IOMMU))
		die("the type1v2 container");
	int device = ioctl(group, VFIO_GROUP_GET_DEVICE_FD, bdf);
	if (device < 0)
		die("VFIO_GROUP_GET_DEVICE_FD");
	*container_out = container;
	return device;
}

static void enable_device(int device)
{
	struct vfio_region_info config = {.argsz = sizeof(config), .index = VFIO_PCI_CONFIG_REGION_INDEX};
	if (ioctl(device, VFIO_DEVICE_GET_REGION_INFO, &config))
		die("config region info");
	uint16_t command;
	if (pread(device, &command, 2, (off_t)config.offset + 4) != 2)
		die("read of COMMAND");
	command |= 0x6;   /* memory space, bus master */
	if (pwrite(device, &command, 2, (off_t)config.offset + 4) != 2)
		die("write of COMMAND");

	struct vfio_region_info bar = {.argsz = sizeof(bar), .index = VFIO_PCI_BAR0_REGION_INDEX};
	if (ioctl(device, VFIO_DEVICE_GET_REGION_INFO, &bar) || !(bar.flags & VFIO_REGION_INFO_FLAG_MMAP))
		die("BAR0 region info");
	bar0 = mmap(NULL, RINGDEV_BAR0_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, device, (off_t)bar.offset);
	if (bar0 == MAP_FAILED)
		die("mmap of BAR0");
}

static void enable_msix(int device)
{
	irq_fd = eventfd(0, EFD_CLOEXEC);
	union {
		struct vfio_irq_set set;
		uint8_t bytes[sizeof(struct vfio_irq_set) + sizeof(int32_t)];
	} irq;
	memset(&irq, 0, sizeof(irq));
	irq.set.argsz = sizeof(irq);
	irq.set.flags = VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_TRIGGER;
	irq.set.index = VFIO_PCI_MSIX_IRQ_INDEX;
	irq.set.count = 1;
	memcpy(irq.bytes + sizeof(struct vfio_irq_set), &irq_fd, sizeof(irq_fd));
	if (irq_fd < 0 || ioctl(device, VFIO_DEVICE_SET_IRQS, &irq))
		die("MSI-X vector 0 on an eventfd");
}

static void map_dma(int container)
{
	dma = mmap(NULL, DMA_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (dma == MAP_FAILED)
		die("DMA memory");
	struct vfio_iommu_type1_dma_map map = {.argsz = sizeof(map),
					       .flags = VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE,
					       .vaddr = (uintptr_t)dma, .iova = DMA_IOVA, .size = DMA_SIZE};
	if (ioctl(container, VFIO_IOMMU_MAP_DMA, &map))
		die("VFIO_IOMMU_MAP_DMA");
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: %s BDF\n", argv[0]);
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	int container;
	int device = open_device(argv[1], &container);
	enable_device(device);
	check(rd32(RINGDEV_REG_ID) == RINGDEV_ID_VALUE && rd32(RINGDEV_REG_VERSION) == 1,
	      "identification %#x, version %u", rd32(RINGDEV_REG_ID), rd32(RINGDEV_REG_VERSION));
	map_dma(container);
	enable_msix(device);

	wr32(RINGDEV_REG_CTRL, 0);
	wr64(RINGDEV_REG_SQ_BASE, iova_of(SQ_OFFSET));
	wr64(RINGDEV_REG_CQ_BASE, iova_of(CQ_OFFSET));
	wr32(RINGDEV_REG_QUEUE_SIZE, QUEUE_SIZE);
	wr32(RINGDEV_REG_CTRL, RINGDEV_CTRL_ENABLE);
	check(rd32(RINGDEV_REG_STATUS) == RINGDEV_STATUS_ENABLED && rd32(RINGDEV_REG_QUEUE_SIZE) == QUEUE_SIZE,
	      "queue of %u entries enabled", QUEUE_SIZE);

	/* Fill A, copy A to B, checksum B: three commands, one doorbell. */
	const size_t a = DATA_OFFSET, b = DATA_OFFSET + 0x10000;
	struct ringdev_completion done[32];
	submit(RINGDEV_OP_FILL, 0x8000, 0x5a, iova_of(a), 100);
	submit(RINGDEV_OP_COPY, 0x8000, iova_of(a), iova_of(b), 101);
	submit(RINGDEV_OP_CHECKSUM, 0x8000, iova_of(b), 0, 102);
	if (run(3, done) == 0) {
		check(done[0].tag == 100 && done[0].status == 0, "fill completed (tag %llu, status %d)",
		      (unsigned long long)done[0].tag, done[0].status);
		check(done[1].tag == 101 && done[1].status == 0 && memcmp(dma + a, dma + b, 0x8000) == 0 &&
			      dma[b] == 0x5a && dma[b + 0x7fff] == 0x5a,
		      "copy completed, 32 KiB of 0x5a arrived by DMA");
		check(done[2].tag == 102 && done[2].status == 0 && done[2].result == 0x5aull * 0x8000,
		      "checksum %#llx", (unsigned long long)done[2].result);
	}

	/* More commands than the ring holds: it wraps, the phase flips. */
	unsigned ok = 0;
	for (unsigned round = 0; round < 4; round++) {
		for (unsigned i = 0; i < 5; i++) {
			size_t at = DATA_OFFSET + 0x20000 + (round * 5 + i) * 0x100;
			submit(RINGDEV_OP_FILL, 0x100, round * 5 + i, iova_of(at), 200 + round * 5 + i);
		}
		if (run(5, done))
			break;
		for (unsigned i = 0; i < 5; i++) {
			size_t at = DATA_OFFSET + 0x20000 + (round * 5 + i) * 0x100;
			ok += done[i].tag == 200 + round * 5 + i && done[i].status == 0 && dma[at] == round * 5 + i &&
			      dma[at + 0xff] == round * 5 + i;
		}
	}
	check(ok == 20, "20 fills through an 8-entry ring (%u right)", ok);
	check(rd32(RINGDEV_REG_COMPLETED) == 23 && rd32(RINGDEV_REG_SQ_HEAD) == sq_tail,
	      "the device counted 23 commands, its head at the driver's tail (%u)", rd32(RINGDEV_REG_SQ_HEAD));

	/* A copy from an IOVA the driver never mapped: the IOMMU's fault is
	 * the command's error, the queue goes on. */
	submit(RINGDEV_OP_COPY, 0x100, UNMAPPED_IOVA, iova_of(b), 300);
	submit(RINGDEV_OP_FILL, 0x10, 0x77, iova_of(b), 301);
	if (run(2, done) == 0) {
		check(done[0].tag == 300 && done[0].status == -EFAULT, "copy from an unmapped IOVA: %d (-EFAULT)",
		      done[0].status);
		check(done[1].tag == 301 && done[1].status == 0 && dma[b] == 0x77, "the next command still runs");
	}
	check(rd32(RINGDEV_REG_FAILED) == 1 && rd32(RINGDEV_REG_STATUS) == RINGDEV_STATUS_ENABLED,
	      "one failed command, the queue still enabled");

	printf("RESULT: %s\n", failures ? "FAIL" : "PASS");
	return failures ? 1 : 0;
}
