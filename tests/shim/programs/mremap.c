/* SPDX-License-Identifier: MIT */
/*
 * What happens to a BAR mapping after mmap: mremap (growing fails with
 * EFAULT as for any VM_PFNMAP | VM_DONTEXPAND mapping, shrinking drops the
 * tail, a MREMAP_FIXED move keeps data, offset and revocation), mprotect
 * (the permissions column follows), madvise hints (accepted), MAP_FIXED
 * re-mapping at an address the program chose, and revocation reaching the
 * mapping wherever it went: PCI_COMMAND.MEMORY cleared makes the moved
 * mapping raise SIGBUS at the exact address, and set again brings the data
 * back.
 *
 * usage: mremap <bdf>
 */
#include "svt.h"

#define PAGE 4096ul
#define PCI_COMMAND_OFF 0x04
#define PCI_COMMAND_MEM 0x2

int main(int argc, char **argv)
{
	struct svt_dev d;
	SVT_OPEN_FROM_ARGS(argc, argv, &d);
	struct vfio_region_info bar;
	SVT_REQUIRE(svt_region(d.device, VFIO_PCI_BAR0_REGION_INDEX, &bar) == 0 && (bar.flags & VFIO_REGION_INFO_FLAG_MMAP) &&
			    bar.size >= 4 * PAGE,
		    "BAR0 is mappable (0x%llx bytes)", (unsigned long long)bar.size);
	uint16_t cmd = (uint16_t)svt_config_read(d.device, PCI_COMMAND_OFF, 2);
	svt_config_write(d.device, PCI_COMMAND_OFF, 2, cmd | PCI_COMMAND_MEM);

	size_t len = 4 * PAGE;
	uint32_t *map = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, d.device, (off_t)bar.offset);
	SVT_REQUIRE(map != MAP_FAILED, "mmap of BAR0, 4 pages");
	for (size_t i = 0; i < len / 4; i++)
		map[i] = 0xC0DE0000u + (uint32_t)i;

	/* Growing. */
	errno = 0;
	SVT_CHECK(mremap(map, len, 2 * len, MREMAP_MAYMOVE) == MAP_FAILED && errno == EFAULT,
		  "growing with MREMAP_MAYMOVE: EFAULT (errno %d)", errno);
	errno = 0;
	SVT_CHECK(mremap(map, len, 2 * len, 0) == MAP_FAILED && errno == EFAULT, "growing in place: EFAULT (errno %d)",
		  errno);
	SVT_CHECK(map[5] == 0xC0DE0005u, "the mapping is intact after the failed growth");

	/* Shrinking: the tail goes, the head keeps its data and offset. */
	SVT_CHECK(mremap(map, len, 3 * PAGE, 0) == map, "shrinking to 3 pages keeps the address");
	struct svt_maps_line m;
	SVT_CHECK(svt_maps_find(map, &m) == 0 && m.end == (unsigned long)map + 3 * PAGE && m.offset == bar.offset,
		  "the maps line now ends after 3 pages, offset 0x%llx", m.offset);
	SVT_CHECK(svt_maps_find((char *)map + 3 * PAGE, &m) != 0 || m.offset != bar.offset + 3 * PAGE,
		  "the dropped page is no longer the BAR");
	len = 3 * PAGE;

	/* Moving to an address the program reserved. */
	char *reserve = mmap(NULL, 8 * PAGE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	SVT_REQUIRE(reserve != MAP_FAILED, "reserve 8 pages");
	uint32_t *moved = mremap(map, len, len, MREMAP_MAYMOVE | MREMAP_FIXED, reserve + 4 * PAGE);
	SVT_REQUIRE(moved == (uint32_t *)(reserve + 4 * PAGE), "MREMAP_FIXED move to %p", (void *)(reserve + 4 * PAGE));
	SVT_CHECK(moved[1] == 0xC0DE0001u && moved[(2 * PAGE) / 4] == 0xC0DE0000u + (uint32_t)(2 * PAGE / 4),
		  "the moved mapping has the data");
	SVT_CHECK(svt_maps_find(moved, &m) == 0 && m.offset == bar.offset && m.end == (unsigned long)moved + len,
		  "moved maps line: offset 0x%llx, path '%s'", m.offset, m.path);
	SVT_CHECK(svt_maps_find(map, &m) != 0 || m.offset != bar.offset, "the old address is not the BAR any more");
	uint32_t word = 0;
	SVT_CHECK(pread(d.device, &word, 4, (off_t)(bar.offset + 8)) == 4 && word == 0xC0DE0002u,
		  "pread of the region agrees with the moved mapping");
	moved[3] = 0xFEEDBEEF;
	SVT_CHECK(pread(d.device, &word, 4, (off_t)(bar.offset + 12)) == 4 && word == 0xFEEDBEEF,
		  "a store through the moved mapping reaches the BAR");

	/* mprotect and madvise. */
	SVT_CHECK(mprotect(moved, PAGE, PROT_READ) == 0, "mprotect of the first page to read-only");
	SVT_CHECK(svt_maps_find(moved, &m) == 0 && strcmp(m.perms, "r--s") == 0 && m.end == (unsigned long)moved + PAGE,
		  "its maps line: %s, one page", m.perms);
	SVT_CHECK(svt_maps_find((char *)moved + PAGE, &m) == 0 && strcmp(m.perms, "rw-s") == 0 &&
			  m.offset == bar.offset + PAGE,
		  "the rest stays rw-s at offset 0x%llx", m.offset);
	SVT_CHECK(mprotect(moved, PAGE, PROT_READ | PROT_WRITE) == 0, "mprotect back to read-write");
	SVT_CHECK(madvise(moved, len, MADV_HUGEPAGE) == 0, "madvise(MADV_HUGEPAGE)");
	SVT_CHECK(madvise(moved, len, MADV_DONTDUMP) == 0, "madvise(MADV_DONTDUMP)");
	SVT_CHECK(madvise(moved, len, MADV_WILLNEED) == 0, "madvise(MADV_WILLNEED)");

	/* Revocation reaches the mapping where it is now. */
	svt_catch_sigbus();
	svt_config_write(d.device, PCI_COMMAND_OFF, 2, cmd & ~PCI_COMMAND_MEM);
	volatile uint32_t *probe = moved + PAGE / 4 + 7;
	SVT_CHECK(svt_touch(probe, 0, 0, NULL) && svt_bus_code == BUS_ADRERR && svt_bus_addr == (void *)probe,
		  "memory disabled: the moved mapping raises SIGBUS at %p (code %d)", svt_bus_addr, svt_bus_code);
	svt_config_write(d.device, PCI_COMMAND_OFF, 2, cmd | PCI_COMMAND_MEM);
	uint32_t v = 0;
	SVT_CHECK(!svt_touch(probe, 0, 0, &v) && v == 0xC0DE0000u + (uint32_t)(PAGE / 4 + 7),
		  "memory enabled: the data is back (0x%x)", v);

	/* MAP_FIXED re-mapping over the moved mapping, at another offset. */
	uint32_t *again = mmap(moved, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED, d.device,
			       (off_t)(bar.offset + 2 * PAGE));
	SVT_CHECK(again == moved && again[0] == 0xC0DE0000u + (uint32_t)(2 * PAGE / 4),
		  "MAP_FIXED over the first page maps BAR page 2 there");
	SVT_CHECK(svt_maps_find(again, &m) == 0 && m.offset == bar.offset + 2 * PAGE && m.end == (unsigned long)again + PAGE,
		  "its maps line: offset 0x%llx", m.offset);

	/* The mapping outlives the fds. */
	svt_close_dev(&d);
	SVT_CHECK(moved[(2 * PAGE) / 4] == 0xC0DE0000u + (uint32_t)(2 * PAGE / 4), "the mapping works after every fd is closed");
	SVT_CHECK(munmap(reserve, 8 * PAGE) == 0, "munmap of the whole reservation");
	SVT_CHECK(svt_maps_find(moved, &m) != 0 || m.offset != bar.offset + 2 * PAGE, "nothing of the BAR is left mapped");
	return svt_finish();
}
