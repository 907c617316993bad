/* SPDX-License-Identifier: MIT */
/*
 * Config space through the config region: identity registers, a
 * virtualised BAR register, and PCI_COMMAND.MEMORY toggled with pwrite:
 * while it is clear, a BAR mapping raises SIGBUS (BUS_ADRERR at the exact
 * address) and pread of the BAR region fails with EIO; once set again both
 * work and the data is intact (the real 6.12 kernel's behaviour).
 *
 * usage: config_space <bdf> <vendor hex> <device hex>
 */
#include "svt.h"

#define PCI_COMMAND_OFF 0x04
#define PCI_COMMAND_MEM 0x2

int main(int argc, char **argv)
{
	if (argc != 4) {
		fprintf(stderr, "usage: %s <bdf> <vendor> <device>\n", argv[0]);
		return 2;
	}
	unsigned vendor = (unsigned)strtoul(argv[2], NULL, 16), device = (unsigned)strtoul(argv[3], NULL, 16);
	struct svt_dev d;
	SVT_REQUIRE(svt_open_group_path(argv[1], &d) == 0, "open %s", argv[1]);

	struct vfio_region_info cfg;
	SVT_REQUIRE(svt_region(d.device, VFIO_PCI_CONFIG_REGION_INDEX, &cfg) == 0, "config region info");
	SVT_CHECK((cfg.flags & (VFIO_REGION_INFO_FLAG_READ | VFIO_REGION_INFO_FLAG_WRITE)) ==
			  (VFIO_REGION_INFO_FLAG_READ | VFIO_REGION_INFO_FLAG_WRITE) && cfg.size >= 256,
		  "config region: size 0x%llx flags 0x%x", (unsigned long long)cfg.size, cfg.flags);
	uint32_t id = svt_config_read(d.device, 0, 4);
	SVT_CHECK((id & 0xffff) == vendor && (id >> 16) == device, "vendor:device %04x:%04x", id & 0xffff, id >> 16);
	uint16_t vendor16 = 0;
	SVT_CHECK(pread(d.device, &vendor16, 2, (off_t)cfg.offset) == 2 && vendor16 == vendor, "2-byte read of the vendor id");

	/* BAR registers are virtualised: sizing works as on hardware. */
	struct vfio_region_info bar0;
	svt_region(d.device, VFIO_PCI_BAR0_REGION_INDEX, &bar0);
	uint32_t saved = svt_config_read(d.device, 0x10, 4);
	svt_config_write(d.device, 0x10, 4, 0xffffffffu);
	uint32_t sized = svt_config_read(d.device, 0x10, 4);
	svt_config_write(d.device, 0x10, 4, saved);
	SVT_CHECK(bar0.size && (~(sized & ~0xfu) + 1) == (uint32_t)bar0.size, "BAR0 sizes to 0x%x", ~(sized & ~0xfu) + 1);

	/* A mappable BAR to watch while memory decode goes off and on. */
	int bar = -1;
	struct vfio_region_info r;
	for (unsigned i = 0; i < VFIO_PCI_ROM_REGION_INDEX && bar < 0; i++)
		if (svt_region(d.device, i, &r) == 0 && (r.flags & VFIO_REGION_INFO_FLAG_MMAP) && r.size >= 4096)
			bar = (int)i;
	SVT_REQUIRE(bar >= 0, "a mappable BAR (%d)", bar);
	volatile uint32_t *map = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, d.device, (off_t)r.offset);
	SVT_REQUIRE(map != MAP_FAILED, "mmap BAR%d", bar);
	svt_catch_sigbus();

	uint16_t cmd = (uint16_t)svt_config_read(d.device, PCI_COMMAND_OFF, 2);
	SVT_INFO("PCI_COMMAND 0x%04x", cmd);
	if (!(cmd & PCI_COMMAND_MEM)) {
		svt_config_write(d.device, PCI_COMMAND_OFF, 2, cmd | PCI_COMMAND_MEM);
		cmd = (uint16_t)svt_config_read(d.device, PCI_COMMAND_OFF, 2);
	}
	SVT_CHECK(cmd & PCI_COMMAND_MEM, "memory decode on");
	SVT_CHECK(!svt_touch(map, 1, 0x4f494656, NULL), "a write through the mapping");
	/* What reads back: the value written on a memory BAR, the register's
	 * own on a register BAR (edu's BAR0: its ID, whatever is written). */
	uint32_t before = 0;
	SVT_CHECK(!svt_touch(map, 0, 0, &before), "a read through the mapping (0x%x)", before);
	SVT_CHECK(svt_config_write(d.device, PCI_COMMAND_OFF, 2, cmd & ~PCI_COMMAND_MEM) == 0 &&
			  !(svt_config_read(d.device, PCI_COMMAND_OFF, 2) & PCI_COMMAND_MEM),
		  "config pwrite clears PCI_COMMAND.MEMORY");
	uint32_t v = 0;
	SVT_CHECK(svt_touch(map, 0, 0, &v) && svt_bus_code == BUS_ADRERR && svt_bus_addr == (void *)map,
		  "read with memory off: SIGBUS (si_code %d, si_addr %p)", svt_bus_code, svt_bus_addr);
	SVT_CHECK(svt_touch(map + 1, 1, 7, NULL) && svt_bus_addr == (void *)(map + 1), "write with memory off: SIGBUS at %p",
		  svt_bus_addr);
	errno = 0;
	SVT_CHECK(pread(d.device, &v, 4, (off_t)r.offset) < 0 && errno == EIO, "pread of the BAR with memory off: EIO");
	volatile uint32_t *late = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, d.device, (off_t)r.offset);
	SVT_CHECK(late != MAP_FAILED && svt_touch(late, 0, 0, &v), "a new mapping made with memory off raises SIGBUS");

	SVT_CHECK(svt_config_write(d.device, PCI_COMMAND_OFF, 2, cmd) == 0, "config pwrite sets PCI_COMMAND.MEMORY");
	SVT_CHECK(!svt_touch(map, 0, 0, &v) && v == before, "memory on: data intact (0x%x)", v);
	SVT_CHECK(late != MAP_FAILED && !svt_touch(late, 0, 0, &v) && v == before, "the late mapping works too");
	svt_close_dev(&d);
	return svt_finish();
}
