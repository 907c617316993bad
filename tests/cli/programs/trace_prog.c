/* SPDX-License-Identifier: MIT */
/*
 * The calls `softvfio trace` must show decoded: the group way in, the
 * container's GET_INFO, MAP_DMA and UNMAP_DMA (numbers a device fd gives
 * other meanings), region info (one good, one refused with EINVAL), a
 * config read, a DMABUF export, an mmap of it, munmap and close.
 *
 * usage: trace_prog BDF
 */
#include "svt.h"

/* DMA-mapped by the container: page-aligned, in the program's own memory. */
static char dma_buffer[1 << 16] __attribute__((aligned(1 << 16)));

int main(int argc, char **argv)
{
	if (argc != 2)
		return 2;
	struct svt_dev d;
	if (svt_open_group_path(argv[1], &d) < 0)
		return 1;
	struct vfio_iommu_type1_info iommu = {.argsz = sizeof(iommu)};
	if (ioctl(d.container, VFIO_IOMMU_GET_INFO, &iommu) < 0)
		return 1;
	struct vfio_iommu_type1_dma_map dma = {.argsz = sizeof(dma),
					       .flags = VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE,
					       .vaddr = (uintptr_t)dma_buffer,
					       .iova = 0x100000,
					       .size = sizeof(dma_buffer)};
	if (ioctl(d.container, VFIO_IOMMU_MAP_DMA, &dma) < 0)
		return 1;
	struct vfio_iommu_type1_dma_unmap unmap = {.argsz = sizeof(unmap), .iova = 0x100000, .size = sizeof(dma_buffer)};
	if (ioctl(d.container, VFIO_IOMMU_UNMAP_DMA, &unmap) < 0)
		return 1;
	struct vfio_region_info info;
	if (svt_region(d.device, 2, &info) < 0)
		return 1;
	if (svt_region(d.device, 99, &info) == 0 || errno != EINVAL)
		return 1;
	uint16_t vendor = 0;
	struct vfio_region_info cfg;
	svt_region(d.device, VFIO_PCI_CONFIG_REGION_INDEX, &cfg);
	if (pread(d.device, &vendor, 2, (off_t)cfg.offset) != 2)
		return 1;
	int buf = svt_export_bar(d.device, 2, 0, 1ul << 21);
	if (buf < 0)
		return 1;
	void *map = mmap(NULL, 1ul << 21, PROT_READ | PROT_WRITE, MAP_SHARED, buf, 0);
	if (map == MAP_FAILED)
		return 1;
	munmap(map, 1ul << 21);
	close(buf);
	svt_close_dev(&d);
	return 0;
}
