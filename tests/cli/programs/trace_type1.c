/* SPDX-License-Identifier: MIT */
/*
 * A type1 program, written out call by call (no helpers) so that the
 * trace of it can be checked line by line (trace_e2e_test.cc): find the
 * group in sysfs, container and group, type1v2, IOMMU info with its
 * capability chain, the device, its info, a region, an IRQ, a DMA map and
 * unmap, a reset, and the closes.
 *
 * usage: trace_type1 BDF
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <softvfio/uapi/vfio.h>

static char dma_buffer[1 << 16] __attribute__((aligned(1 << 16)));

int main(int argc, char **argv)
{
	if (argc != 2)
		return 2;
	char path[256], target[256];
	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/iommu_group", argv[1]);
	ssize_t n = readlink(path, target, sizeof(target) - 1);
	if (n <= 0)
		return 1;
	target[n] = '\0';
	int group_number = atoi(strrchr(target, '/') + 1);

	struct stat st;
	if (stat("/dev/vfio/vfio", &st) < 0)
		return 1;
	int container = open("/dev/vfio/vfio", O_RDWR | O_CLOEXEC);
	if (container < 0)
		return 1;
	if (ioctl(container, VFIO_GET_API_VERSION) != VFIO_API_VERSION)
		return 1;
	if (ioctl(container, VFIO_CHECK_EXTENSION, VFIO_TYPE1v2_IOMMU) != 1)
		return 1;
	snprintf(path, sizeof(path), "/dev/vfio/%d", group_number);
	int group = open(path, O_RDWR | O_CLOEXEC);
	if (group < 0)
		return 1;
	struct vfio_group_status status = {.argsz = sizeof(status)};
	if (ioctl(group, VFIO_GROUP_GET_STATUS, &status) < 0)
		return 1;
	if (ioctl(group, VFIO_GROUP_SET_CONTAINER, &container) < 0)
		return 1;
	if (ioctl(container, VFIO_SET_IOMMU, VFIO_TYPE1v2_IOMMU) < 0)
		return 1;

	/* The usual two steps: the size of the chain, then the chain. */
	struct vfio_iommu_type1_info probe = {.argsz = sizeof(probe)};
	if (ioctl(container, VFIO_IOMMU_GET_INFO, &probe) < 0)
		return 1;
	struct vfio_iommu_type1_info *info = calloc(1, probe.argsz);
	if (!info)
		return 1;
	info->argsz = probe.argsz;
	if (ioctl(container, VFIO_IOMMU_GET_INFO, info) < 0)
		return 1;
	free(info);

	int device = ioctl(group, VFIO_GROUP_GET_DEVICE_FD, argv[1]);
	if (device < 0)
		return 1;
	struct vfio_device_info dev = {.argsz = sizeof(dev)};
	if (ioctl(device, VFIO_DEVICE_GET_INFO, &dev) < 0)
		return 1;
	struct vfio_region_info region = {.argsz = sizeof(region), .index = VFIO_PCI_BAR0_REGION_INDEX};
	if (ioctl(device, VFIO_DEVICE_GET_REGION_INFO, &region) < 0)
		return 1;
	struct vfio_irq_info irq = {.argsz = sizeof(irq), .index = VFIO_PCI_MSIX_IRQ_INDEX};
	if (ioctl(device, VFIO_DEVICE_GET_IRQ_INFO, &irq) < 0)
		return 1;

	struct vfio_iommu_type1_dma_map map = {.argsz = sizeof(map),
					       .flags = VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE,
					       .vaddr = (uintptr_t)dma_buffer,
					       .iova = 0x100000,
					       .size = sizeof(dma_buffer)};
	if (ioctl(container, VFIO_IOMMU_MAP_DMA, &map) < 0)
		return 1;
	struct vfio_iommu_type1_dma_unmap unmap = {.argsz = sizeof(unmap), .iova = 0x100000, .size = sizeof(dma_buffer)};
	if (ioctl(container, VFIO_IOMMU_UNMAP_DMA, &unmap) < 0)
		return 1;
	if (ioctl(device, VFIO_DEVICE_RESET) < 0)
		return 1;
	close(device);
	close(group);
	close(container);
	return 0;
}
