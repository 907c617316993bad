/* SPDX-License-Identifier: MIT */
/*
 * No-IOMMU mode (enable_unsafe_noiommu_mode, as DPDK-like frameworks use
 * it): the module parameter, /dev/vfio/noiommu-<n> instead of
 * /dev/vfio/<n>, a container set to VFIO_NOIOMMU_IOMMU, a working device fd
 * and BAR mapping, and no DMA mapping.
 *
 * usage: noiommu <bdf>     (softvfio run --access group,noiommu)
 */
#include "svt.h"

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: %s <bdf>\n", argv[0]);
		return 2;
	}
	const char *bdf = argv[1];
	char text[16] = "";
	FILE *f = fopen("/sys/module/vfio/parameters/enable_unsafe_noiommu_mode", "r");
	SVT_CHECK(f && fgets(text, sizeof(text), f) && strcmp(text, "Y\n") == 0, "enable_unsafe_noiommu_mode is Y");
	if (f)
		fclose(f);

	int n = svt_group_of(bdf);
	SVT_REQUIRE(n >= 0, "%s is in group %d", bdf, n);
	char path[64], plain[64];
	snprintf(path, sizeof(path), "/dev/vfio/noiommu-%d", n);
	snprintf(plain, sizeof(plain), "/dev/vfio/%d", n);
	struct stat st;
	SVT_CHECK(stat(path, &st) == 0 && S_ISCHR(st.st_mode), "%s is a character device", path);
	errno = 0;
	SVT_CHECK(stat(plain, &st) < 0 && errno == ENOENT, "%s does not exist", plain);

	int container = open("/dev/vfio/vfio", O_RDWR | O_CLOEXEC);
	SVT_REQUIRE(container >= 0, "open /dev/vfio/vfio");
	SVT_CHECK(ioctl(container, VFIO_CHECK_EXTENSION, VFIO_NOIOMMU_IOMMU) == 1, "extension NOIOMMU");
	int group = open(path, O_RDWR | O_CLOEXEC);
	SVT_REQUIRE(group >= 0, "open %s", path);
	char link[128];
	SVT_CHECK(strcmp(svt_fd_link(group, link, sizeof(link)), path) == 0, "the group fd links to '%s'", link);
	struct vfio_group_status status = {.argsz = sizeof(status)};
	SVT_CHECK(ioctl(group, VFIO_GROUP_GET_STATUS, &status) == 0 && (status.flags & VFIO_GROUP_FLAGS_VIABLE), "viable");
	SVT_CHECK(ioctl(group, VFIO_GROUP_SET_CONTAINER, &container) == 0, "GROUP_SET_CONTAINER");
	SVT_CHECK(ioctl(container, VFIO_SET_IOMMU, VFIO_NOIOMMU_IOMMU) == 0, "SET_IOMMU NOIOMMU");
	int device = ioctl(group, VFIO_GROUP_GET_DEVICE_FD, bdf);
	SVT_REQUIRE(device >= 0, "GROUP_GET_DEVICE_FD = %d", device);
	struct vfio_device_info info = {.argsz = sizeof(info)};
	SVT_CHECK(ioctl(device, VFIO_DEVICE_GET_INFO, &info) == 0 && info.num_regions >= 9, "VFIO_DEVICE_GET_INFO");

	struct vfio_region_info bar;
	SVT_CHECK(svt_region(device, 0, &bar) == 0, "BAR0 info");
	volatile uint32_t *map = mmap(NULL, 4096, PROT_READ, MAP_SHARED, device, (off_t)bar.offset);
	uint32_t v = 0;
	SVT_CHECK(map != MAP_FAILED && pread(device, &v, 4, (off_t)bar.offset) == 4 && v == map[0],
		  "BAR0 mapped and read");

	void *ram = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	struct vfio_iommu_type1_dma_map dma = {.argsz = sizeof(dma),
					       .flags = VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE,
					       .vaddr = (uintptr_t)ram,
					       .iova = 0x100000,
					       .size = 4096};
	errno = 0;
	SVT_CHECK(ioctl(container, VFIO_IOMMU_MAP_DMA, &dma) < 0, "no DMA mapping without an IOMMU (errno %d)", errno);
	close(device);
	close(group);
	close(container);
	return svt_finish();
}
