/* SPDX-License-Identifier: MIT */
/*
 * The legacy container and group path with type1, as a VMM or userspace
 * driver drives it: API version and extensions, group viability,
 * SET_CONTAINER, SET_IOMMU, IOMMU_GET_INFO with its capability chain,
 * GROUP_GET_DEVICE_FD by name, MAP_DMA / UNMAP_DMA bookkeeping, and a DMA
 * by the device (QEMU's edu) through the mapping: RAM -> device -> RAM, and
 * nothing reaching memory once the IOVA is unmapped.
 *
 * usage: container <edu bdf> [type1|type1v2]   (the IOMMU type set; default type1v2)
 */
#include "svt.h"

#define EDU_DMA_SRC 0x80
#define EDU_DMA_DST 0x88
#define EDU_DMA_COUNT 0x90
#define EDU_DMA_CMD 0x98
#define EDU_DMA_BUFFER 0x40000
#define EDU_DMA_RUN 0x1
#define EDU_DMA_TO_RAM 0x2

static int edu_write(int device, uint64_t bar0, unsigned reg, uint64_t value)
{
	return pwrite(device, &value, 8, (off_t)(bar0 + reg)) == 8 ? 0 : -1;
}

/* One edu DMA between RAM at `iova` and its buffer. */
static int edu_dma(int device, uint64_t bar0, uint64_t iova, uint64_t count, int to_ram)
{
	if (edu_write(device, bar0, EDU_DMA_SRC, to_ram ? EDU_DMA_BUFFER : iova) ||
	    edu_write(device, bar0, EDU_DMA_DST, to_ram ? iova : EDU_DMA_BUFFER) ||
	    edu_write(device, bar0, EDU_DMA_COUNT, count) ||
	    edu_write(device, bar0, EDU_DMA_CMD, EDU_DMA_RUN | (to_ram ? EDU_DMA_TO_RAM : 0)))
		return -1;
	uint64_t cmd = EDU_DMA_RUN;
	for (int i = 0; i < 1000 && (cmd & EDU_DMA_RUN); i++)
		if (pread(device, &cmd, 8, (off_t)(bar0 + EDU_DMA_CMD)) != 8)
			return -1;
	return (cmd & EDU_DMA_RUN) ? -1 : 0;
}

int main(int argc, char **argv)
{
	if (argc < 2 || argc > 3 || (argc == 3 && strcmp(argv[2], "type1") != 0 && strcmp(argv[2], "type1v2") != 0)) {
		fprintf(stderr, "usage: %s <edu bdf> [type1|type1v2]\n", argv[0]);
		return 2;
	}
	const char *bdf = argv[1];
	unsigned long type = argc == 3 && strcmp(argv[2], "type1") == 0 ? VFIO_TYPE1_IOMMU : VFIO_TYPE1v2_IOMMU;
	int group_number = svt_group_of(bdf);
	SVT_REQUIRE(group_number >= 0, "%s is in IOMMU group %d", bdf, group_number);

	int container = open("/dev/vfio/vfio", O_RDWR | O_CLOEXEC);
	SVT_REQUIRE(container >= 0, "open /dev/vfio/vfio");
	SVT_CHECK(ioctl(container, VFIO_GET_API_VERSION) == VFIO_API_VERSION, "VFIO_GET_API_VERSION");
	SVT_CHECK(ioctl(container, VFIO_CHECK_EXTENSION, VFIO_TYPE1_IOMMU) == 1 &&
			  ioctl(container, VFIO_CHECK_EXTENSION, VFIO_TYPE1v2_IOMMU) == 1 &&
			  ioctl(container, VFIO_CHECK_EXTENSION, VFIO_NOIOMMU_IOMMU) == 0,
		  "extensions: TYPE1, TYPE1v2, no NOIOMMU");
	errno = 0;
	SVT_CHECK(ioctl(container, VFIO_SET_IOMMU, type) < 0 && errno == EINVAL, "SET_IOMMU without a group: EINVAL");

	char path[64];
	snprintf(path, sizeof(path), "/dev/vfio/%d", group_number);
	int group = open(path, O_RDWR | O_CLOEXEC);
	SVT_REQUIRE(group >= 0, "open %s", path);
	errno = 0;
	SVT_CHECK(open(path, O_RDWR | O_CLOEXEC) < 0 && errno == EBUSY, "a second open of the group: EBUSY");
	struct vfio_group_status status = {.argsz = sizeof(status)};
	SVT_CHECK(ioctl(group, VFIO_GROUP_GET_STATUS, &status) == 0 && status.flags == VFIO_GROUP_FLAGS_VIABLE,
		  "group status 0x%x: viable", status.flags);
	SVT_CHECK(ioctl(group, VFIO_GROUP_SET_CONTAINER, &container) == 0, "GROUP_SET_CONTAINER");
	status.flags = 0;
	SVT_CHECK(ioctl(group, VFIO_GROUP_GET_STATUS, &status) == 0 &&
			  status.flags == (VFIO_GROUP_FLAGS_VIABLE | VFIO_GROUP_FLAGS_CONTAINER_SET),
		  "group status 0x%x: viable, container set", status.flags);
	errno = 0;
	SVT_CHECK(ioctl(group, VFIO_GROUP_GET_DEVICE_FD, bdf) < 0, "GET_DEVICE_FD before SET_IOMMU fails (errno %d)", errno);
	SVT_CHECK(ioctl(container, VFIO_SET_IOMMU, type) == 0, "SET_IOMMU %s", type == VFIO_TYPE1_IOMMU ? "TYPE1" : "TYPE1v2");
	errno = 0;
	SVT_CHECK(ioctl(container, VFIO_SET_IOMMU, type) < 0 && errno == EINVAL, "a second SET_IOMMU: EINVAL (errno %d)", errno);

	struct vfio_iommu_type1_info small = {.argsz = sizeof(small)};
	SVT_CHECK(ioctl(container, VFIO_IOMMU_GET_INFO, &small) == 0 &&
			  (small.flags & (VFIO_IOMMU_INFO_PGSIZES | VFIO_IOMMU_INFO_CAPS)) ==
				  (VFIO_IOMMU_INFO_PGSIZES | VFIO_IOMMU_INFO_CAPS) &&
			  small.argsz > sizeof(small) && small.cap_offset == 0,
		  "IOMMU_GET_INFO: flags 0x%x, pgsizes 0x%llx, needs argsz %u", small.flags,
		  (unsigned long long)small.iova_pgsizes, small.argsz);
	struct vfio_iommu_type1_info *full = calloc(1, small.argsz);
	full->argsz = small.argsz;
	int ranges = -1;
	if (ioctl(container, VFIO_IOMMU_GET_INFO, full) == 0 && full->cap_offset) {
		for (uint32_t off = full->cap_offset, n = 0; off && n < 16; n++) {
			struct vfio_info_cap_header *h = (struct vfio_info_cap_header *)((char *)full + off);
			if (h->id == VFIO_IOMMU_TYPE1_INFO_CAP_IOVA_RANGE)
				ranges = (int)((struct vfio_iommu_type1_info_cap_iova_range *)h)->nr_iovas;
			off = h->next;
		}
	}
	SVT_CHECK(ranges > 0, "capability chain with %d IOVA ranges", ranges);
	free(full);

	errno = 0;
	SVT_CHECK(ioctl(group, VFIO_GROUP_GET_DEVICE_FD, "0000:ff:1f.7") < 0, "GET_DEVICE_FD of another name fails (errno %d)",
		  errno);
	int device = ioctl(group, VFIO_GROUP_GET_DEVICE_FD, bdf);
	SVT_REQUIRE(device >= 0, "GROUP_GET_DEVICE_FD(\"%s\") = %d", bdf, device);

	/* DMA mappings of anonymous memory. */
	size_t len = 2 * 4096;
	uint8_t *ram = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	SVT_REQUIRE(ram != MAP_FAILED, "two pages of RAM");
	struct vfio_iommu_type1_dma_map map = {.argsz = sizeof(map),
					       .flags = VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE,
					       .vaddr = (uintptr_t)ram,
					       .iova = 0x100000,
					       .size = len};
	SVT_CHECK(ioctl(container, VFIO_IOMMU_MAP_DMA, &map) == 0, "MAP_DMA iova 0x100000, 8 KiB");
	errno = 0;
	SVT_CHECK(ioctl(container, VFIO_IOMMU_MAP_DMA, &map) < 0 && errno == EEXIST, "the same range again: EEXIST");

	/* RAM -> edu -> RAM through the mapping. */
	struct vfio_region_info bar0;
	svt_region(device, 0, &bar0);
	uint16_t cmd = (uint16_t)svt_config_read(device, 0x04, 2);
	svt_config_write(device, 0x04, 2, cmd | 0x6); /* memory + bus master */
	for (int i = 0; i < 4000; i++)
		ram[i] = (uint8_t)(i * 7 + 1);
	SVT_CHECK(edu_dma(device, bar0.offset, 0x100000, 4000, 0) == 0, "DMA RAM -> device");
	SVT_CHECK(edu_dma(device, bar0.offset, 0x101000, 4000, 1) == 0, "DMA device -> RAM at the second page");
	SVT_CHECK(memcmp(ram, ram + 4096, 4000) == 0, "the data made the round trip through the IOMMU mapping");

	struct vfio_iommu_type1_dma_unmap unmap = {.argsz = sizeof(unmap), .iova = 0x100000, .size = len};
	SVT_CHECK(ioctl(container, VFIO_IOMMU_UNMAP_DMA, &unmap) == 0 && unmap.size == len, "UNMAP_DMA: %llu bytes",
		  (unsigned long long)unmap.size);
	memset(ram + 4096, 0, 4000);
	edu_dma(device, bar0.offset, 0x101000, 4000, 1);
	size_t changed = 0;
	for (int i = 0; i < 4000; i++)
		changed += ram[4096 + i] != 0;
	SVT_CHECK(changed == 0, "a DMA to the unmapped IOVA reaches nothing (%zu bytes changed)", changed);

	close(device);
	SVT_CHECK(ioctl(group, VFIO_GROUP_UNSET_CONTAINER) == 0, "GROUP_UNSET_CONTAINER");
	close(group);
	close(container);
	munmap(ram, len);
	return svt_finish();
}
