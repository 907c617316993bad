/* SPDX-License-Identifier: MIT */
/*
 * The cdev way in: the device's vfio-dev entry in sysfs, its node in
 * /dev/vfio/devices, /dev/iommu, BIND_IOMMUFD, IOAS_ALLOC,
 * ATTACH_IOMMUFD_PT, IOAS_MAP / UNMAP, a DMA by the device (edu) through
 * the IOAS, and DETACH.
 *
 * usage: cdev <edu bdf>
 */
#include "svt.h"

#include <dirent.h>
#include <sys/sysmacros.h>

#include <softvfio/uapi/iommufd.h>

static int edu_dma(int device, uint64_t bar0, uint64_t iova, uint64_t count, int to_ram)
{
	uint64_t regs[4] = {to_ram ? 0x40000 : iova, to_ram ? iova : 0x40000, count, 1u | (to_ram ? 2u : 0u)};
	for (int i = 0; i < 4; i++)
		if (pwrite(device, &regs[i], 8, (off_t)(bar0 + 0x80 + 8 * (unsigned)i)) != 8)
			return -1;
	uint64_t cmd = 1;
	for (int i = 0; i < 1000 && (cmd & 1); i++)
		pread(device, &cmd, 8, (off_t)(bar0 + 0x98));
	return (cmd & 1) ? -1 : 0;
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: %s <edu bdf>\n", argv[0]);
		return 2;
	}
	const char *bdf = argv[1];
	char path[512], name[256] = "";
	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/vfio-dev", bdf);
	DIR *dir = opendir(path);
	SVT_REQUIRE(dir != NULL, "opendir %s", path);
	struct dirent *e;
	while ((e = readdir(dir)))
		if (strncmp(e->d_name, "vfio", 4) == 0)
			snprintf(name, sizeof(name), "%s", e->d_name);
	closedir(dir);
	SVT_REQUIRE(name[0], "the device's cdev is %s", name);

	unsigned major_n = 0, minor_n = 0;
	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/vfio-dev/%s/dev", bdf, name);
	FILE *f = fopen(path, "r");
	SVT_CHECK(f && fscanf(f, "%u:%u", &major_n, &minor_n) == 2, "%s: %u:%u", path, major_n, minor_n);
	if (f)
		fclose(f);
	snprintf(path, sizeof(path), "/dev/vfio/devices/%s", name);
	struct stat st;
	SVT_CHECK(stat(path, &st) == 0 && S_ISCHR(st.st_mode) && major(st.st_rdev) == major_n &&
			  minor(st.st_rdev) == minor_n,
		  "%s is that character device", path);

	int device = open(path, O_RDWR | O_CLOEXEC);
	int iommufd = open("/dev/iommu", O_RDWR | O_CLOEXEC);
	SVT_REQUIRE(device >= 0 && iommufd >= 0, "open %s and /dev/iommu", path);
	char link[128];
	SVT_CHECK(strcmp(svt_fd_link(device, link, sizeof(link)), path) == 0, "the cdev fd links to '%s'", link);
	SVT_CHECK(strcmp(svt_fd_link(iommufd, link, sizeof(link)), "/dev/iommu") == 0, "the iommufd links to '%s'", link);
	struct vfio_device_info info = {.argsz = sizeof(info)};
	errno = 0;
	SVT_CHECK(ioctl(device, VFIO_DEVICE_GET_INFO, &info) < 0 && errno == EINVAL, "device ioctls before binding: EINVAL");

	struct vfio_device_bind_iommufd bind = {.argsz = sizeof(bind), .iommufd = iommufd};
	SVT_CHECK(ioctl(device, VFIO_DEVICE_BIND_IOMMUFD, &bind) == 0, "BIND_IOMMUFD: devid %u", bind.out_devid);
	errno = 0;
	SVT_CHECK(ioctl(device, VFIO_DEVICE_BIND_IOMMUFD, &bind) < 0 && errno == EINVAL, "a second bind: EINVAL");
	struct iommu_ioas_alloc alloc = {.size = sizeof(alloc)};
	SVT_CHECK(ioctl(iommufd, IOMMU_IOAS_ALLOC, &alloc) == 0, "IOAS_ALLOC: ioas %u", alloc.out_ioas_id);
	struct vfio_device_attach_iommufd_pt attach = {.argsz = sizeof(attach), .pt_id = alloc.out_ioas_id};
	SVT_CHECK(ioctl(device, VFIO_DEVICE_ATTACH_IOMMUFD_PT, &attach) == 0, "ATTACH_IOMMUFD_PT: hwpt %u", attach.pt_id);
	SVT_CHECK(ioctl(device, VFIO_DEVICE_GET_INFO, &info) == 0 && (info.flags & VFIO_DEVICE_FLAGS_PCI),
		  "device ioctls work once bound");

	size_t len = 2 * 4096;
	uint8_t *ram = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	struct iommu_ioas_map map = {.size = sizeof(map),
				     .flags = IOMMU_IOAS_MAP_FIXED_IOVA | IOMMU_IOAS_MAP_READABLE | IOMMU_IOAS_MAP_WRITEABLE,
				     .ioas_id = alloc.out_ioas_id,
				     .user_va = (uintptr_t)ram,
				     .length = len,
				     .iova = 0x200000};
	SVT_CHECK(ioctl(iommufd, IOMMU_IOAS_MAP, &map) == 0, "IOAS_MAP at iova 0x200000");
	struct iommu_ioas_map any = map;
	any.flags = IOMMU_IOAS_MAP_READABLE;
	any.iova = 0;
	SVT_CHECK(ioctl(iommufd, IOMMU_IOAS_MAP, &any) == 0 && any.iova != 0x200000, "IOAS_MAP picking the IOVA: 0x%llx",
		  (unsigned long long)any.iova);

	struct vfio_region_info bar0;
	svt_region(device, 0, &bar0);
	svt_config_write(device, 0x04, 2, (uint16_t)svt_config_read(device, 0x04, 2) | 0x6);
	for (int i = 0; i < 4000; i++)
		ram[i] = (uint8_t)(i * 13 + 5);
	SVT_CHECK(edu_dma(device, bar0.offset, 0x200000, 4000, 0) == 0 &&
			  edu_dma(device, bar0.offset, 0x201000, 4000, 1) == 0 && memcmp(ram, ram + 4096, 4000) == 0,
		  "edu DMA round trip through the IOAS");

	struct iommu_ioas_unmap unmap = {.size = sizeof(unmap), .ioas_id = alloc.out_ioas_id, .iova = 0, .length = UINT64_MAX};
	SVT_CHECK(ioctl(iommufd, IOMMU_IOAS_UNMAP, &unmap) == 0 && unmap.length == len + len,
		  "IOAS_UNMAP of everything: %llu bytes", (unsigned long long)unmap.length);
	struct vfio_device_detach_iommufd_pt detach = {.argsz = sizeof(detach)};
	SVT_CHECK(ioctl(device, VFIO_DEVICE_DETACH_IOMMUFD_PT, &detach) == 0, "DETACH_IOMMUFD_PT");
	close(device);
	close(iommufd);
	munmap(ram, len);
	return svt_finish();
}
