/* SPDX-License-Identifier: MIT */
/* BAR mmap, /proc/self/maps, and memory disable (SIGBUS, EIO). */
#define _GNU_SOURCE
#include "suite.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

static const char kMarker[] = "SOFTVFIO-CONFORMANCE";

static void mmap_rec(struct conf_dev *d, const char *what, size_t len, int flags, uint64_t offset)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, flags, d->fd, (off_t)offset);
	rec_ret(k(d, "mmap.%s", what), p == MAP_FAILED ? -1 : 0, errno);
	if (p != MAP_FAILED)
		munmap(p, len);
}

/* mmap argument checks on every region of the device. */
static void mmap_checks(struct conf_dev *d, const struct vfio_region_info *bar)
{
	mmap_rec(d, "private", 4096, MAP_PRIVATE, bar->offset);
	mmap_rec(d, "beyond_size", bar->size + 4096, MAP_SHARED, bar->offset);
	mmap_rec(d, "offset_in_region_end", 4096, MAP_SHARED, bar->offset + bar->size);
	mmap_rec(d, "config_region", 4096, MAP_SHARED, d->cfg_off);
	mmap_rec(d, "bar0", 4096, MAP_SHARED, 0);
	mmap_rec(d, "bar1_absent", 4096, MAP_SHARED, (uint64_t)1 << 40);
	mmap_rec(d, "region9", 4096, MAP_SHARED, (uint64_t)9 << 40);
	void *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_SHARED, d->fd, (off_t)bar->offset);
	rec_ret(k(d, "mmap.prot_exec"), p == MAP_FAILED ? -1 : 0, errno);
	if (p != MAP_FAILED)
		munmap(p, 4096);
	p = mmap(NULL, 4096, PROT_READ, MAP_SHARED, d->fd, (off_t)(bar->offset + 4096));
	rec_ret(k(d, "mmap.second_page"), p == MAP_FAILED ? -1 : 0, errno);
	if (p != MAP_FAILED)
		munmap(p, 4096);
}

static void maps_offset_rec(struct conf_dev *d, const char *what, const void *addr)
{
	char perms[8] = "", name[256] = "";
	unsigned long long off = 0;
	if (maps_entry(addr, perms, &off, name, sizeof(name)))
		rec(k(d, "%s", what), "no maps line");
	else
		rec(k(d, "%s", what), "%s 0x%llx", perms, off);
}

/* What the mm does to a BAR mapping: partial maps, splits, remaps,
 * madvise. The BAR holds the pattern written by the caller. */
static void vma_ops(struct conf_dev *d, uint8_t *map, const struct vfio_region_info *bar)
{
	volatile uint32_t *w = (volatile uint32_t *)map;
	uint8_t *part = mmap(NULL, 0x2000, PROT_READ, MAP_SHARED, d->fd, (off_t)(bar->offset + 0x1000));
	RET(k(d, "mmap.partial"), part == MAP_FAILED ? -1 : 0);
	if (part != MAP_FAILED) {
		maps_offset_rec(d, "partial.maps", part);
		rec_x(k(d, "partial.word0"), *(volatile uint32_t *)part);
		munmap(part, 0x2000);
	}
	/* a hole in the middle splits the mapping in two */
	RET(k(d, "munmap.middle"), munmap(map + 0x4000, 0x1000));
	maps_offset_rec(d, "split.low.maps", map);
	maps_offset_rec(d, "split.high.maps", map + 0x5000);
	rec_x(k(d, "split.high.word"), w[0x5000 / 4]);
	RET(k(d, "mprotect.readonly"), mprotect(map + 0x5000, 0x1000, PROT_READ));
	maps_offset_rec(d, "mprotect.maps", map + 0x5000);
	static const struct {
		const char *name;
		int advice;
	} hints[] = {{"normal", MADV_NORMAL}, {"random", MADV_RANDOM}, {"willneed", MADV_WILLNEED},
		     {"cold", MADV_COLD}, {"pageout", MADV_PAGEOUT}, {"free", MADV_FREE},
		     {"remove", MADV_REMOVE}, {"dodump", MADV_DODUMP}, {"hugepage", MADV_HUGEPAGE},
		     {"mergeable", MADV_MERGEABLE}, {"populate_read", MADV_POPULATE_READ},
		     {"populate_write", MADV_POPULATE_WRITE}, {"dontneed_locked", MADV_DONTNEED_LOCKED}};
	for (unsigned i = 0; i < sizeof(hints) / sizeof(hints[0]); i++)
		RET(k(d, "madvise.%s", hints[i].name), madvise(map + 0x6000, 0x1000, hints[i].advice));
	RET(k(d, "madvise.dontneed"), madvise(map + 0x6000, 0x1000, MADV_DONTNEED));
	rec_x(k(d, "madvise.word_after"), w[0x6000 / 4]);
	void *grown = mremap(map + 0x5000, 0x1000, 0x2000, MREMAP_MAYMOVE);
	RET(k(d, "mremap.grow"), grown == MAP_FAILED ? -1 : 0);
	if (grown != MAP_FAILED)
		munmap(grown, 0x2000);
	void *moved = mremap(map + 0x7000, 0x1000, 0x1000, MREMAP_MAYMOVE | MREMAP_FIXED, map + 0x4000);
	RET(k(d, "mremap.move"), moved == MAP_FAILED ? -1 : 0);
	if (moved != MAP_FAILED) {
		maps_offset_rec(d, "moved.maps", moved);
		rec_x(k(d, "moved.word"), *(volatile uint32_t *)moved);
	}
	munmap(map + 0x4000, 0x4000);
}

void scenario_bar_mmap(struct conf_dev *d)
{
	rec_scenario("bar_mmap", 0);
	struct vfio_region_info bar;
	region_info(d->fd, VFIO_PCI_BAR2_REGION_INDEX, &bar);
	mmap_checks(d, &bar);
	void *map = mmap(NULL, bar.size, PROT_READ | PROT_WRITE, MAP_SHARED, d->fd, (off_t)bar.offset);
	rec_ret(k(d, "mmap.bar2"), map == MAP_FAILED ? -1 : 0, errno);
	if (map == MAP_FAILED)
		return;
	volatile uint32_t *w = map;
	size_t words = bar.size / 4;
	for (size_t i = 16; i < words; i++)
		w[i] = 0xA5000000u ^ (uint32_t)i;
	memcpy(map, kMarker, sizeof(kMarker));
	size_t bad = 0;
	for (size_t i = 16; i < words; i++)
		bad += w[i] != (0xA5000000u ^ (uint32_t)i);
	rec_u(k(d, "pattern.bad_words"), bad);
	char buf[sizeof(kMarker)] = "";
	ssize_t n = pread(d->fd, buf, sizeof(buf), (off_t)bar.offset);
	rec(k(d, "pread.bar2"), "%zd %s", n, n == (ssize_t)sizeof(buf) ? buf : "");
	uint32_t v = 0x5a5a5a5a;
	n = pwrite(d->fd, &v, 4, (off_t)(bar.offset + 64));
	rec(k(d, "pwrite.bar2"), "%zd seen=0x%x", n, w[16]);
	w[16] = 0xA5000000u ^ 16;
	n = pread(d->fd, buf, 8, (off_t)(bar.offset + bar.size - 4));
	rec_ret(k(d, "pread.across_bar_end"), n, errno);
	if (n >= 0)
		rec(k(d, "pread.across_bar_end.bytes"), "%zd", n);
	char perms[8] = "", name[256] = "";
	unsigned long long off = 0;
	rec_ret(k(d, "maps.found"), maps_entry(map, perms, &off, name, sizeof(name)), ENOENT);
	rec(k(d, "maps.perms"), "%s", perms);
	rec_x(k(d, "maps.offset"), off);
	rec(k(d, "maps.name"), "%s", name);
	vma_ops(d, map, &bar);
	munmap(map, bar.size);
}

static void access_rec(struct conf_dev *d, const char *what, volatile uint32_t *p)
{
	uint32_t v = 0;
	int sb = try_read32(p, &v);
	rec(k(d, "%s.read", what), "%s si_code=%d", sb ? "SIGBUS" : "ok", sigbus_code());
	sb = try_write32(p + 64, 0xA5000000u ^ 64); /* past the marker */
	rec(k(d, "%s.write", what), "%s si_code=%d", sb ? "SIGBUS" : "ok", sigbus_code());
}

/* Clearing PCI_COMMAND.MEMORY through config space, then setting it again. */
void scenario_memory_disable(struct conf_dev *d)
{
	rec_scenario("memory_disable", 0);
	install_sigbus_handler();
	struct vfio_region_info bar;
	region_info(d->fd, VFIO_PCI_BAR2_REGION_INDEX, &bar);
	void *map = mmap(NULL, bar.size, PROT_READ | PROT_WRITE, MAP_SHARED, d->fd, (off_t)bar.offset);
	if (map == MAP_FAILED) {
		rec_ret(k(d, "mmap"), -1, errno);
		return;
	}
	volatile uint32_t *w = map;
	memcpy(map, kMarker, sizeof(kMarker));
	uint16_t cmd = (uint16_t)cfg_read(d, 0x04, 2);
	rec_x(k(d, "command.before"), cmd);
	rec(k(d, "command.clear_memory"), "%d", cfg_write(d, 0x04, 2, cmd & ~0x2u));
	rec_x(k(d, "command.disabled"), cfg_read(d, 0x04, 2));
	access_rec(d, "disabled.old_map", w);
	char buf[8];
	ssize_t n = pread(d->fd, buf, 4, (off_t)bar.offset);
	rec_ret(k(d, "disabled.pread"), n, errno);
	n = pwrite(d->fd, buf, 4, (off_t)bar.offset + 512);
	rec_ret(k(d, "disabled.pwrite"), n, errno);
	void *map2 = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, d->fd, (off_t)bar.offset);
	rec_ret(k(d, "disabled.new_mmap"), map2 == MAP_FAILED ? -1 : 0, errno);
	if (map2 != MAP_FAILED)
		access_rec(d, "disabled.new_map", map2);
	rec(k(d, "command.set_memory"), "%d", cfg_write(d, 0x04, 2, cmd | 0x2u));
	rec_x(k(d, "command.enabled"), cfg_read(d, 0x04, 2));
	access_rec(d, "enabled.old_map", w);
	if (map2 != MAP_FAILED) {
		access_rec(d, "enabled.new_map", map2);
		munmap(map2, 4096);
	}
	rec_check(k(d, "enabled.marker_intact"), memcmp(map, kMarker, sizeof(kMarker)) == 0);
	munmap(map, bar.size);
}
