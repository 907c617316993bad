/* SPDX-License-Identifier: MIT */
/* Type1 DMA mappings and edu's DMA engine through them. */
#define _GNU_SOURCE
#include "suite.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>

enum {
	kDmaSrc = 0x80,
	kDmaDst = 0x88,
	kDmaCount = 0x90,
	kDmaCmd = 0x98,
	kEduBuffer = 0x40000,
	/* QEMU 7.2's edu aborts on a transfer ending exactly at the buffer's
	 * end (an off-by-one), so move a little less than a page. */
	kLen = 4000,
};

static const uint64_t kIova = 0x100000;

static long map_dma(int c, uint32_t flags, void *vaddr, uint64_t iova, uint64_t size)
{
	struct vfio_iommu_type1_dma_map m = {
		.argsz = sizeof(m), .flags = flags, .vaddr = (uintptr_t)vaddr, .iova = iova, .size = size};
	return ioctl(c, VFIO_IOMMU_MAP_DMA, &m);
}

static long unmap_dma(int c, uint32_t flags, uint64_t iova, uint64_t size, uint64_t *unmapped)
{
	struct vfio_iommu_type1_dma_unmap u = {.argsz = sizeof(u), .flags = flags, .iova = iova, .size = size};
	long r = ioctl(c, VFIO_IOMMU_UNMAP_DMA, &u);
	*unmapped = u.size;
	return r;
}

/* One transfer, registers written through the region; edu runs DMA from
 * a 100 ms timer in QEMU, so poll the busy bit (up to 3 s). */
static void edu_dma(struct conf_dev *edu, uint64_t src, uint64_t dst, uint64_t cmd)
{
	struct timespec ms = {0, 1000000};
	bar_wr(edu, 0, kDmaSrc, 8, src);
	bar_wr(edu, 0, kDmaDst, 8, dst);
	bar_wr(edu, 0, kDmaCount, 8, kLen);
	bar_wr(edu, 0, kDmaCmd, 8, cmd);
	for (int i = 0; i < 3000 && (bar_rd(edu, 0, kDmaCmd, 8) & 1); i++)
		nanosleep(&ms, NULL);
}

static void map_errnos(int c, uint8_t *buf)
{
	const uint32_t rw = VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE;
	uint64_t n = 0;
	RET("map.size0", map_dma(c, rw, buf, kIova, 0));
	RET("map.size_unaligned", map_dma(c, rw, buf, kIova, 100));
	RET("map.iova_unaligned", map_dma(c, rw, buf, kIova + 512, 4096));
	RET("map.vaddr_unaligned", map_dma(c, rw, buf + 512, kIova, 4096));
	RET("map.unknown_flag", map_dma(c, rw | 0x100, buf, kIova, 4096));
	RET("map.vaddr_flag", map_dma(c, rw | VFIO_DMA_MAP_FLAG_VADDR, buf, kIova, 4096));
	RET("unmap.nothing", unmap_dma(c, 0, kIova, 4096, &n));
	rec_u("unmap.nothing.size", n);
	RET("unmap.unaligned", unmap_dma(c, 0, kIova + 1, 4096, &n));
	RET("unmap.all_with_iova", unmap_dma(c, VFIO_DMA_UNMAP_FLAG_ALL, kIova, 4096, &n));
	void *ro = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	RET("map.readonly_memory_for_write", map_dma(c, rw, ro, 0x800000, 4096));
	RET("map.readonly_memory_for_read", map_dma(c, VFIO_DMA_MAP_FLAG_READ, ro, 0x800000, 4096));
	RET("unmap.readonly", unmap_dma(c, 0, 0x800000, 4096, &n));
	munmap(ro, 4096);
	RET("map.msi_window", map_dma(c, rw, buf, 0xfee00000, 4096));
	RET("map.beyond_aperture", map_dma(c, rw, buf, 1ull << 39, 4096));
	void *gone = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	munmap(gone, 4096);
	RET("map.unmapped_vaddr", map_dma(c, rw, gone, 0x900000, 4096));
	RET("unmap.dirty_bitmap_flag", unmap_dma(c, VFIO_DMA_UNMAP_FLAG_GET_DIRTY_BITMAP, kIova, 4096, &n));
}

static uint32_t dma_avail(int c)
{
	union {
		struct vfio_iommu_type1_info info;
		uint8_t bytes[512];
	} u;
	memset(&u, 0, sizeof(u));
	u.info.argsz = sizeof(u);
	if (ioctl(c, VFIO_IOMMU_GET_INFO, &u))
		return 0;
	for (uint32_t at = u.info.cap_offset; at && at < sizeof(u);) {
		const struct vfio_info_cap_header *h = (const void *)(u.bytes + at);
		if (h->id == VFIO_IOMMU_TYPE1_INFO_DMA_AVAIL)
			return ((const struct vfio_iommu_type1_info_dma_avail *)(const void *)h)->avail;
		at = h->next;
	}
	return 0;
}

static void dirty_pages(int c)
{
	struct vfio_iommu_type1_dirty_bitmap db = {.argsz = sizeof(db), .flags = VFIO_IOMMU_DIRTY_PAGES_FLAG_START};
	RET("dirty_pages.start", ioctl(c, VFIO_IOMMU_DIRTY_PAGES, &db));
	db.flags = VFIO_IOMMU_DIRTY_PAGES_FLAG_START | VFIO_IOMMU_DIRTY_PAGES_FLAG_STOP;
	RET("dirty_pages.start_and_stop", ioctl(c, VFIO_IOMMU_DIRTY_PAGES, &db));
	db.flags = VFIO_IOMMU_DIRTY_PAGES_FLAG_STOP;
	RET("dirty_pages.stop", ioctl(c, VFIO_IOMMU_DIRTY_PAGES, &db));
	db.flags = 0;
	RET("dirty_pages.no_flag", ioctl(c, VFIO_IOMMU_DIRTY_PAGES, &db));
}

void scenario_dma(struct suite *s)
{
	rec_scenario("dma", 0);
	int c = s->container;
	struct conf_dev *edu = &s->edu;
	uint8_t *buf = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	for (size_t i = 0; i < 4096; i++)
		buf[i] = (uint8_t)(i * 7 + 3);
	map_errnos(c, buf);
	const uint32_t rw = VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE;
	RET("map", map_dma(c, rw, buf, kIova, 8192));
	RET("map.overlap", map_dma(c, rw, buf, kIova + 4096, 8192));
	RET("map.same", map_dma(c, rw, buf, kIova, 8192));
	rec_u("dma_avail.one_mapping", dma_avail(c));
	dirty_pages(c);
	uint64_t n = 0;
	RET("unmap.bisect", unmap_dma(c, 0, kIova + 4096, 4096, &n));
	edu_dma(edu, kIova, kEduBuffer, 1);              /* RAM -> device */
	edu_dma(edu, kEduBuffer, kIova + 4096, 1 | 2);   /* device -> RAM */
	rec_check("round_trip", memcmp(buf, buf + 4096, kLen) == 0 && buf[4096 + kLen] == 0);
	RET("unmap", unmap_dma(c, 0, kIova, 8192, &n));
	rec_u("unmap.size", n);
	memset(buf + 4096, 0, 4096);
	edu_dma(edu, kEduBuffer, kIova + 4096, 1 | 2);
	size_t changed = 0;
	for (size_t i = 0; i < 4096; i++)
		changed += buf[4096 + i] != 0;
	rec_u("unmapped_iova.bytes_changed", changed);
	rec_x("unmapped_iova.cmd_after", bar_rd(edu, 0, kDmaCmd, 8));
	/* Several mappings, then everything at once. */
	RET("map.a", map_dma(c, rw, buf, 0x200000, 4096));
	RET("map.b", map_dma(c, VFIO_DMA_MAP_FLAG_READ, buf + 4096, 0x300000, 4096));
	RET("unmap.all", unmap_dma(c, VFIO_DMA_UNMAP_FLAG_ALL, 0, 0, &n));
	rec_u("unmap.all.size", n);
	munmap(buf, 8192);
}
