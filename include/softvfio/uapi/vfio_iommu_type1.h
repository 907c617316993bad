/* SPDX-License-Identifier: MIT */
/*
 * VFIO uAPI, part 4: the type1 IOMMU ioctls on a container fd
 * (docs/semantics-client.md §3.1). Included by <softvfio/uapi/vfio.h> only.
 */
#ifndef SOFTVFIO_UAPI_VFIO_IOMMU_TYPE1_H
#define SOFTVFIO_UAPI_VFIO_IOMMU_TYPE1_H

#ifndef SOFTVFIO_UAPI_VFIO_H
#error "include <softvfio/uapi/vfio.h>, not its parts"
#endif

#if !SOFTVFIO_UAPI_VFIO_SYSTEM

/* ---- VFIO_IOMMU_GET_INFO (n = 12) ---- */
struct vfio_iommu_type1_info {
	__u32 argsz;
	__u32 flags;
#define VFIO_IOMMU_INFO_PGSIZES (1 << 0)
#define VFIO_IOMMU_INFO_CAPS (1 << 1)
	__aligned_u64 iova_pgsizes; /* bitmap of supported page sizes */
	__u32 cap_offset; /* 0 when the chain did not fit in argsz */
	__u32 pad;
};

/* Capability 1 (version 1): usable IOVA ranges, end inclusive. */
#define VFIO_IOMMU_TYPE1_INFO_CAP_IOVA_RANGE 1
struct vfio_iova_range {
	__u64 start;
	__u64 end;
};
struct vfio_iommu_type1_info_cap_iova_range {
	struct vfio_info_cap_header header;
	__u32 nr_iovas;
	__u32 reserved;
	__extension__ struct vfio_iova_range iova_ranges[];
};

/* Capability 2 (version 1): dirty page logging is supported. */
#define VFIO_IOMMU_TYPE1_INFO_CAP_MIGRATION 2
struct vfio_iommu_type1_info_cap_migration {
	struct vfio_info_cap_header header;
	__u32 flags;
	__u64 pgsize_bitmap; /* plain __u64: offset 12 on i386 */
	__u64 max_dirty_bitmap_size; /* bytes */
};

/* Capability 3 (version 1): how many more DMA mappings are allowed. */
#define VFIO_IOMMU_TYPE1_INFO_DMA_AVAIL 3
struct vfio_iommu_type1_info_dma_avail {
	struct vfio_info_cap_header header;
	__u32 avail;
};

#define VFIO_IOMMU_GET_INFO _IO(VFIO_TYPE, VFIO_BASE + 12)

/* ---- VFIO_IOMMU_MAP_DMA (n = 13) ---- */
struct vfio_iommu_type1_dma_map {
	__u32 argsz;
	__u32 flags;
#define VFIO_DMA_MAP_FLAG_READ (1 << 0) /* device may read */
#define VFIO_DMA_MAP_FLAG_WRITE (1 << 1) /* device may write */
#define VFIO_DMA_MAP_FLAG_VADDR (1 << 2) /* re-supply vaddr after UNMAP_FLAG_VADDR */
	__u64 vaddr;
	__u64 iova;
	__u64 size;
};
#define VFIO_IOMMU_MAP_DMA _IO(VFIO_TYPE, VFIO_BASE + 13)

/* Dirty bitmap descriptor, placed in dma_unmap.data[] or dirty_bitmap_get. */
struct vfio_bitmap {
	__u64 pgsize; /* bytes per bit */
	__u64 size; /* bytes of bitmap */
	__u64 *data; /* zeroed by the caller */
};

/* ---- VFIO_IOMMU_UNMAP_DMA (n = 14): size is written back ---- */
struct vfio_iommu_type1_dma_unmap {
	__u32 argsz;
	__u32 flags;
#define VFIO_DMA_UNMAP_FLAG_GET_DIRTY_BITMAP (1 << 0)
#define VFIO_DMA_UNMAP_FLAG_ALL (1 << 1) /* iova and size must be 0 */
#define VFIO_DMA_UNMAP_FLAG_VADDR (1 << 2) /* invalidate vaddr, keep mapping */
	__u64 iova;
	__u64 size;
	__extension__ __u8 data[];
};
#define VFIO_IOMMU_UNMAP_DMA _IO(VFIO_TYPE, VFIO_BASE + 14)

/* n = 15, 16: enable/disable the container's IOMMU (sPAPR). */
#define VFIO_IOMMU_ENABLE _IO(VFIO_TYPE, VFIO_BASE + 15)
#define VFIO_IOMMU_DISABLE _IO(VFIO_TYPE, VFIO_BASE + 16)

/* ---- VFIO_IOMMU_DIRTY_PAGES (n = 17, the number of VFIO_DEVICE_FEATURE) ---- */
struct vfio_iommu_type1_dirty_bitmap {
	__u32 argsz;
	__u32 flags; /* exactly one of: */
#define VFIO_IOMMU_DIRTY_PAGES_FLAG_START (1 << 0)
#define VFIO_IOMMU_DIRTY_PAGES_FLAG_STOP (1 << 1)
#define VFIO_IOMMU_DIRTY_PAGES_FLAG_GET_BITMAP (1 << 2)
	__extension__ __u8 data[]; /* GET_BITMAP: struct vfio_iommu_type1_dirty_bitmap_get */
};
struct vfio_iommu_type1_dirty_bitmap_get {
	__u64 iova;
	__u64 size;
	struct vfio_bitmap bitmap;
};
#define VFIO_IOMMU_DIRTY_PAGES _IO(VFIO_TYPE, VFIO_BASE + 17)

#endif /* !SOFTVFIO_UAPI_VFIO_SYSTEM */

/* ---- Layout: docs/semantics-client.md §3.1 ---- */
SOFTVFIO_UAPI_SIZE(struct vfio_iommu_type1_info, 24);
SOFTVFIO_UAPI_OFFSET(struct vfio_iommu_type1_info, argsz, 0);
SOFTVFIO_UAPI_OFFSET(struct vfio_iommu_type1_info, flags, 4);
SOFTVFIO_UAPI_OFFSET(struct vfio_iommu_type1_info, iova_pgsizes, 8);
SOFTVFIO_UAPI_OFFSET(struct vfio_iommu_type1_info, cap_offset, 16);
#if !SOFTVFIO_UAPI_VFIO_SYSTEM
SOFTVFIO_UAPI_OFFSET(struct vfio_iommu_type1_info, pad, 20); /* implicit in 6.1 */
#endif

SOFTVFIO_UAPI_SIZE(struct vfio_iova_range, 16);
SOFTVFIO_UAPI_OFFSET(struct vfio_iova_range, end, 8);
SOFTVFIO_UAPI_SIZE(struct vfio_iommu_type1_info_cap_iova_range, 16);
SOFTVFIO_UAPI_OFFSET(struct vfio_iommu_type1_info_cap_iova_range, nr_iovas, 8);
SOFTVFIO_UAPI_OFFSET(struct vfio_iommu_type1_info_cap_iova_range, reserved, 12);
SOFTVFIO_UAPI_OFFSET(struct vfio_iommu_type1_info_cap_iova_range, iova_ranges, 16);
#if SOFTVFIO_UAPI_LP64
SOFTVFIO_UAPI_SIZE(struct vfio_iommu_type1_info_cap_migration, 32);
SOFTVFIO_UAPI_OFFSET(struct vfio_iommu_type1_info_cap_migration, flags, 8);
SOFTVFIO_UAPI_OFFSET(struct vfio_iommu_type1_info_cap_migration, pgsize_bitmap, 16);
SOFTVFIO_UAPI_OFFSET(struct vfio_iommu_type1_info_cap_migration, max_dirty_bitmap_size, 24);
SOFTVFIO_UAPI_SIZE(struct vfio_bitmap, 24);
SOFTVFIO_UAPI_SIZE(struct vfio_iommu_type1_dirty_bitmap_get, 40);
#endif
SOFTVFIO_UAPI_SIZE(struct vfio_iommu_type1_info_dma_avail, 12);
SOFTVFIO_UAPI_OFFSET(struct vfio_iommu_type1_info_dma_avail, avail, 8);

SOFTVFIO_UAPI_SIZE(struct vfio_iommu_type1_dma_map, 32);
SOFTVFIO_UAPI_OFFSET(struct vfio_iommu_type1_dma_map, flags, 4);
SOFTVFIO_UAPI_OFFSET(struct vfio_iommu_type1_dma_map, vaddr, 8);
SOFTVFIO_UAPI_OFFSET(struct vfio_iommu_type1_dma_map, iova, 16);
SOFTVFIO_UAPI_OFFSET(struct vfio_iommu_type1_dma_map, size, 24);

SOFTVFIO_UAPI_SIZE(struct vfio_iommu_type1_dma_unmap, 24);
SOFTVFIO_UAPI_OFFSET(struct vfio_iommu_type1_dma_unmap, flags, 4);
SOFTVFIO_UAPI_OFFSET(struct vfio_iommu_type1_dma_unmap, iova, 8);
SOFTVFIO_UAPI_OFFSET(struct vfio_iommu_type1_dma_unmap, size, 16);
SOFTVFIO_UAPI_OFFSET(struct vfio_iommu_type1_dma_unmap, data, 24);

SOFTVFIO_UAPI_SIZE(struct vfio_iommu_type1_dirty_bitmap, 8);
SOFTVFIO_UAPI_OFFSET(struct vfio_iommu_type1_dirty_bitmap, data, 8);

#endif /* SOFTVFIO_UAPI_VFIO_IOMMU_TYPE1_H */
