/* SPDX-License-Identifier: MIT */
/*
 * type1 MAP_DMA of a mapping of a register BAR (edu's BAR0), as a VMM does
 * when the BAR is in its guest's address space (QEMU maps every RAM device
 * section, for peer-to-peer): the kernel follows the VM_PFNMAP VMA, so the
 * mapping is accepted with the VMA's permissions, whatever the real page
 * protection behind it (laid PROT_NONE under softvfio so that accesses
 * trap). A read-only mapping refuses a writable DMA mapping (EFAULT), a
 * revoked one (memory decoding off) any, and the registers still answer
 * through the mapping afterwards.
 *
 * usage: bar_dma_map <bdf>
 */
#include "svt.h"

static int map_dma(int container, void *vaddr, uint64_t iova, uint64_t size, uint32_t flags)
{
	struct vfio_iommu_type1_dma_map map = {
		.argsz = sizeof(map), .flags = flags, .vaddr = (uintptr_t)vaddr, .iova = iova, .size = size};
	return ioctl(container, VFIO_IOMMU_MAP_DMA, &map) == 0 ? 0 : -errno;
}

static int unmap_dma(int container, uint64_t iova, uint64_t size)
{
	struct vfio_iommu_type1_dma_unmap unmap = {.argsz = sizeof(unmap), .iova = iova, .size = size};
	return ioctl(container, VFIO_IOMMU_UNMAP_DMA, &unmap) == 0 ? 0 : -errno;
}

int main(int argc, char **argv)
{
	struct svt_dev d;
	SVT_OPEN_FROM_ARGS(argc, argv, &d);
	const uint32_t rw = VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE;
	const uint16_t command = (uint16_t)svt_config_read(d.device, 0x04, 2);
	SVT_REQUIRE(svt_config_write(d.device, 0x04, 2, command | 0x2) == 0, "memory on");
	struct vfio_region_info info;
	SVT_REQUIRE(svt_region(d.device, VFIO_PCI_BAR0_REGION_INDEX, &info) == 0, "BAR0 region info");
	volatile uint32_t *bar =
		mmap(NULL, info.size, PROT_READ | PROT_WRITE, MAP_SHARED, d.device, (off_t)info.offset);
	SVT_REQUIRE(bar != MAP_FAILED, "mmap of BAR0");
	SVT_CHECK(bar[0] == 0x010000ed, "a trapped register BAR (identification %#x)", bar[0]);

	const uint64_t iova = 0x40000000;
	int r = map_dma(d.container, (void *)bar, iova, info.size, rw);
	SVT_CHECK(r == 0, "MAP_DMA read+write of the BAR mapping: %d (0 expected)", r);
	SVT_CHECK(unmap_dma(d.container, iova, info.size) == 0, "UNMAP_DMA of it");

	void *ro = mmap(NULL, info.size, PROT_READ, MAP_SHARED, d.device, (off_t)info.offset);
	SVT_REQUIRE(ro != MAP_FAILED, "read-only mmap of BAR0");
	r = map_dma(d.container, ro, iova, info.size, rw);
	SVT_CHECK(r == -EFAULT, "MAP_DMA read+write of a read-only BAR mapping: %d (-EFAULT expected)", r);
	r = map_dma(d.container, ro, iova, info.size, VFIO_DMA_MAP_FLAG_READ);
	SVT_CHECK(r == 0, "MAP_DMA read of a read-only BAR mapping: %d (0 expected)", r);
	SVT_CHECK(unmap_dma(d.container, iova, info.size) == 0, "UNMAP_DMA of it");
	munmap(ro, info.size);

	SVT_REQUIRE(svt_config_write(d.device, 0x04, 2, command & ~0x2u) == 0, "memory off");
	r = map_dma(d.container, (void *)bar, iova, info.size, rw);
	SVT_CHECK(r == -EFAULT, "MAP_DMA of the BAR mapping with memory off: %d (-EFAULT expected)", r);
	SVT_REQUIRE(svt_config_write(d.device, 0x04, 2, command | 0x2) == 0, "memory on again");
	SVT_CHECK(bar[0] == 0x010000ed, "the registers through the mapping afterwards (%#x)", bar[0]);

	munmap((void *)bar, info.size);
	svt_close_dev(&d);
	return svt_finish();
}
