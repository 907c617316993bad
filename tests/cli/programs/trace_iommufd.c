/* SPDX-License-Identifier: MIT */
/*
 * An iommufd program, written out call by call so that the trace of it
 * can be checked line by line (trace_e2e_test.cc): the device's cdev from
 * sysfs, /dev/iommu, bind, an IOAS and its ranges, attach, a map and an
 * unmap, detach, destroy, and the closes.
 *
 * usage: trace_iommufd BDF
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <softvfio/uapi/iommufd.h>
#include <softvfio/uapi/vfio.h>

static char dma_buffer[1 << 16] __attribute__((aligned(1 << 16)));

int main(int argc, char **argv)
{
	if (argc != 2)
		return 2;
	char path[256], name[64] = "";
	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/vfio-dev", argv[1]);
	DIR *dir = opendir(path);
	if (!dir)
		return 1;
	struct dirent *e;
	while ((e = readdir(dir)))
		if (strncmp(e->d_name, "vfio", 4) == 0)
			snprintf(name, sizeof(name), "%s", e->d_name);
	closedir(dir);
	if (!name[0])
		return 1;

	int iommufd = open("/dev/iommu", O_RDWR | O_CLOEXEC);
	if (iommufd < 0)
		return 1;
	snprintf(path, sizeof(path), "/dev/vfio/devices/%s", name);
	if (access(path, R_OK | W_OK) < 0)
		return 1;
	int device = open(path, O_RDWR | O_CLOEXEC);
	if (device < 0)
		return 1;
	struct vfio_device_bind_iommufd bind = {.argsz = 16, .iommufd = iommufd};
	if (ioctl(device, VFIO_DEVICE_BIND_IOMMUFD, &bind) < 0)
		return 1;
	struct iommu_ioas_alloc alloc = {.size = sizeof(alloc)};
	if (ioctl(iommufd, IOMMU_IOAS_ALLOC, &alloc) < 0)
		return 1;

	/* The count first (EMSGSIZE), then the ranges. */
	struct iommu_iova_range ranges[8];
	struct iommu_ioas_iova_ranges query = {.size = sizeof(query), .ioas_id = alloc.out_ioas_id,
					       .allowed_iovas = (uintptr_t)ranges};
	if (ioctl(iommufd, IOMMU_IOAS_IOVA_RANGES, &query) == 0 || errno != EMSGSIZE || query.num_iovas > 8)
		return 1;
	if (ioctl(iommufd, IOMMU_IOAS_IOVA_RANGES, &query) < 0)
		return 1;

	struct vfio_device_attach_iommufd_pt attach = {.argsz = 12, .pt_id = alloc.out_ioas_id};
	if (ioctl(device, VFIO_DEVICE_ATTACH_IOMMUFD_PT, &attach) < 0)
		return 1;
	struct iommu_ioas_map map = {.size = sizeof(map),
				     .flags = IOMMU_IOAS_MAP_FIXED_IOVA | IOMMU_IOAS_MAP_WRITEABLE |
					      IOMMU_IOAS_MAP_READABLE,
				     .ioas_id = alloc.out_ioas_id,
				     .user_va = (uintptr_t)dma_buffer,
				     .length = sizeof(dma_buffer),
				     .iova = 0x100000};
	if (ioctl(iommufd, IOMMU_IOAS_MAP, &map) < 0)
		return 1;
	struct iommu_ioas_unmap unmap = {.size = sizeof(unmap), .ioas_id = alloc.out_ioas_id, .iova = 0x100000,
					 .length = sizeof(dma_buffer)};
	if (ioctl(iommufd, IOMMU_IOAS_UNMAP, &unmap) < 0)
		return 1;
	struct vfio_device_detach_iommufd_pt detach = {.argsz = 12};
	if (ioctl(device, VFIO_DEVICE_DETACH_IOMMUFD_PT, &detach) < 0)
		return 1;
	struct iommu_destroy destroy = {.size = sizeof(destroy), .id = alloc.out_ioas_id};
	if (ioctl(iommufd, IOMMU_DESTROY, &destroy) < 0)
		return 1;
	close(device);
	close(iommufd);
	return 0;
}
