/* SPDX-License-Identifier: MIT */
/*
 * DMA mapping bookkeeping at the edges, on both ways in:
 *
 *  - type1 (container and group): the IOVA ranges from IOMMU_GET_INFO's
 *    capability chain (a mapping inside one works, one in a gap between
 *    them fails with EINVAL), wrapping MAP_DMA and UNMAP_DMA ranges (the
 *    errno given: EOVERFLOW on current kernels, EINVAL on 6.12), and
 *    UNMAP_DMA with FLAG_ALL (everything goes, the byte count comes back).
 *  - iommufd (/dev/iommu): IOAS_IOVA_RANGES called twice (EMSGSIZE with
 *    the count, then the ranges), a wrapping IOAS_MAP (EOVERFLOW), an
 *    IOAS_MAP at an IOVA the kernel picks, and unmap-all.
 *
 * usage: dma_ranges <bdf> EOVERFLOW|EINVAL   (the type1 wrap errno)
 */
#include "svt.h"

#include <softvfio/uapi/iommufd.h>

#define PAGE 4096ul

struct range {
	uint64_t start, last;
};

/* The IOVA ranges of a type1 container; their number, -1 on error. */
static int type1_ranges(int container, struct range *out, int max)
{
	struct vfio_iommu_type1_info probe = {.argsz = sizeof(probe)};
	if (ioctl(container, VFIO_IOMMU_GET_INFO, &probe) < 0)
		return -1;
	struct vfio_iommu_type1_info *info = calloc(1, probe.argsz);
	info->argsz = probe.argsz;
	int n = -1;
	if (ioctl(container, VFIO_IOMMU_GET_INFO, info) == 0 && (info->flags & VFIO_IOMMU_INFO_CAPS)) {
		for (uint32_t off = info->cap_offset, hops = 0; off && hops < 16; hops++) {
			struct vfio_info_cap_header *h = (struct vfio_info_cap_header *)((char *)info + off);
			if (h->id == VFIO_IOMMU_TYPE1_INFO_CAP_IOVA_RANGE) {
				struct vfio_iommu_type1_info_cap_iova_range *r = (void *)h;
				n = 0;
				for (uint32_t i = 0; i < r->nr_iovas && n < max; i++, n++) {
					out[n].start = r->iova_ranges[i].start;
					out[n].last = r->iova_ranges[i].end;
				}
			}
			off = h->next;
		}
	}
	free(info);
	return n;
}

static int map_dma(int container, void *va, uint64_t iova, uint64_t size)
{
	struct vfio_iommu_type1_dma_map map = {.argsz = sizeof(map),
					       .flags = VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE,
					       .vaddr = (uintptr_t)va,
					       .iova = iova,
					       .size = size};
	return ioctl(container, VFIO_IOMMU_MAP_DMA, &map);
}

static void type1_checks(const char *bdf, int wrap_errno, uint8_t *ram)
{
	struct svt_dev d;
	if (svt_open_group_path(bdf, &d) < 0) {
		SVT_CHECK(0, "open %s through container and group", bdf);
		return;
	}
	struct range r[8];
	int n = type1_ranges(d.container, r, 8);
	SVT_CHECK(n >= 1, "type1: %d IOVA ranges", n);
	for (int i = 0; i < n; i++)
		SVT_INFO("type1 IOVA range [0x%llx, 0x%llx]", (unsigned long long)r[i].start, (unsigned long long)r[i].last);
	int sorted = n >= 1;
	for (int i = 0; i < n; i++)
		sorted &= r[i].start <= r[i].last && (i == 0 || r[i].start > r[i - 1].last + 1);
	SVT_CHECK(sorted, "ranges are ordered, disjoint and separated by gaps");

	if (n >= 1) {
		uint64_t iova = (r[0].start + PAGE - 1) & ~(PAGE - 1);
		SVT_CHECK(map_dma(d.container, ram, iova, PAGE) == 0, "MAP_DMA inside the first range (0x%llx)",
			  (unsigned long long)iova);
	}
	if (n >= 2) {
		uint64_t gap = (r[0].last + 1) & ~(PAGE - 1);
		errno = 0;
		SVT_CHECK(map_dma(d.container, ram, gap, PAGE) < 0 && errno == EINVAL,
			  "MAP_DMA in the gap at 0x%llx: EINVAL (errno %d)", (unsigned long long)gap, errno);
		uint64_t iova = (r[1].start + PAGE - 1) & ~(PAGE - 1);
		SVT_CHECK(map_dma(d.container, ram + PAGE, iova, PAGE) == 0, "MAP_DMA inside the second range (0x%llx)",
			  (unsigned long long)iova);
	}

	errno = 0;
	SVT_CHECK(map_dma(d.container, ram, UINT64_MAX - PAGE + 1, 2 * PAGE) < 0 && errno == wrap_errno,
		  "MAP_DMA of a wrapping IOVA range: errno %d (want %d)", errno, wrap_errno);
	errno = 0;
	SVT_CHECK(map_dma(d.container, (void *)(UINTPTR_MAX - PAGE + 1), 0x200000, 2 * PAGE) < 0 && errno == wrap_errno,
		  "MAP_DMA of a wrapping vaddr range: errno %d (want %d)", errno, wrap_errno);
	struct vfio_iommu_type1_dma_unmap unmap = {.argsz = sizeof(unmap), .iova = UINT64_MAX - PAGE + 1, .size = 2 * PAGE};
	errno = 0;
	SVT_CHECK(ioctl(d.container, VFIO_IOMMU_UNMAP_DMA, &unmap) < 0 && errno == wrap_errno,
		  "UNMAP_DMA of a wrapping range: errno %d (want %d)", errno, wrap_errno);

	struct vfio_iommu_type1_dma_unmap all = {.argsz = sizeof(all), .flags = VFIO_DMA_UNMAP_FLAG_ALL, .iova = PAGE};
	errno = 0;
	SVT_CHECK(ioctl(d.container, VFIO_IOMMU_UNMAP_DMA, &all) < 0 && errno == EINVAL,
		  "UNMAP_DMA FLAG_ALL with an iova: EINVAL");
	all.iova = 0;
	uint64_t mapped = (uint64_t)(n >= 2 ? 2 : n >= 1 ? 1 : 0) * PAGE;
	SVT_CHECK(ioctl(d.container, VFIO_IOMMU_UNMAP_DMA, &all) == 0 && all.size == mapped,
		  "UNMAP_DMA FLAG_ALL: %llu bytes (want %llu)", (unsigned long long)all.size, (unsigned long long)mapped);
	if (n >= 1) {
		uint64_t iova = (r[0].start + PAGE - 1) & ~(PAGE - 1);
		SVT_CHECK(map_dma(d.container, ram, iova, PAGE) == 0, "the IOVA is free again after unmap-all");
	}
	svt_close_dev(&d);
}

static void iommufd_checks(uint8_t *ram)
{
	int iommufd = open("/dev/iommu", O_RDWR | O_CLOEXEC);
	if (iommufd < 0) {
		SVT_CHECK(0, "open /dev/iommu (errno %d)", errno);
		return;
	}
	struct iommu_ioas_alloc alloc = {.size = sizeof(alloc)};
	SVT_CHECK(ioctl(iommufd, IOMMU_IOAS_ALLOC, &alloc) == 0, "IOAS_ALLOC: id %u", alloc.out_ioas_id);

	struct iommu_ioas_iova_ranges q = {.size = sizeof(q), .ioas_id = alloc.out_ioas_id};
	errno = 0;
	SVT_CHECK(ioctl(iommufd, IOMMU_IOAS_IOVA_RANGES, &q) < 0 && errno == EMSGSIZE && q.num_iovas >= 1,
		  "IOAS_IOVA_RANGES with no room: EMSGSIZE, %u ranges needed", q.num_iovas);
	struct iommu_iova_range ranges[8] = {{0}};
	q.num_iovas = q.num_iovas > 8 ? 8 : q.num_iovas;
	q.allowed_iovas = (uintptr_t)ranges;
	SVT_CHECK(ioctl(iommufd, IOMMU_IOAS_IOVA_RANGES, &q) == 0 && ranges[0].start <= ranges[0].last &&
			  q.out_iova_alignment >= 1,
		  "IOAS_IOVA_RANGES: first [0x%llx, 0x%llx], alignment 0x%llx", (unsigned long long)ranges[0].start,
		  (unsigned long long)ranges[0].last, (unsigned long long)q.out_iova_alignment);

	struct iommu_ioas_map map = {.size = sizeof(map),
				     .flags = IOMMU_IOAS_MAP_FIXED_IOVA | IOMMU_IOAS_MAP_READABLE | IOMMU_IOAS_MAP_WRITEABLE,
				     .ioas_id = alloc.out_ioas_id,
				     .user_va = (uintptr_t)ram,
				     .length = 2 * PAGE,
				     .iova = UINT64_MAX - PAGE + 1};
	errno = 0;
	SVT_CHECK(ioctl(iommufd, IOMMU_IOAS_MAP, &map) < 0 && errno == EOVERFLOW, "IOAS_MAP of a wrapping range: EOVERFLOW (errno %d)",
		  errno);
	map.flags = IOMMU_IOAS_MAP_READABLE | IOMMU_IOAS_MAP_WRITEABLE;
	map.iova = 0;
	SVT_CHECK(ioctl(iommufd, IOMMU_IOAS_MAP, &map) == 0 && map.iova >= ranges[0].start, "IOAS_MAP, kernel's IOVA 0x%llx",
		  (unsigned long long)map.iova);
	struct iommu_ioas_unmap unmap = {.size = sizeof(unmap), .ioas_id = alloc.out_ioas_id, .iova = 0, .length = UINT64_MAX};
	SVT_CHECK(ioctl(iommufd, IOMMU_IOAS_UNMAP, &unmap) == 0 && unmap.length == 2 * PAGE, "IOAS_UNMAP all: %llu bytes",
		  (unsigned long long)unmap.length);
	close(iommufd);
}

int main(int argc, char **argv)
{
	if (argc != 3 || (strcmp(argv[2], "EOVERFLOW") != 0 && strcmp(argv[2], "EINVAL") != 0)) {
		fprintf(stderr, "usage: %s <bdf> EOVERFLOW|EINVAL\n", argv[0]);
		return 2;
	}
	int wrap_errno = strcmp(argv[2], "EOVERFLOW") == 0 ? EOVERFLOW : EINVAL;
	uint8_t *ram = mmap(NULL, 4 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	SVT_REQUIRE(ram != MAP_FAILED, "RAM for DMA");
	memset(ram, 0x5a, 4 * PAGE);
	type1_checks(argv[1], wrap_errno, ram);
	iommufd_checks(ram);
	munmap(ram, 4 * PAGE);
	return svt_finish();
}
