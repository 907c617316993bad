/* SPDX-License-Identifier: MIT */
/*
 * VFIO uAPI, part 1: ioctl encoding, extension ids, the capability chain
 * header, container and group ioctls (docs/semantics-client.md §3.1, §3.2;
 * docs/semantics.md §2.1). Included by <softvfio/uapi/vfio.h> only.
 */
#ifndef SOFTVFIO_UAPI_VFIO_BASE_H
#define SOFTVFIO_UAPI_VFIO_BASE_H

#ifndef SOFTVFIO_UAPI_VFIO_H
#error "include <softvfio/uapi/vfio.h>, not its parts"
#endif

#if !SOFTVFIO_UAPI_VFIO_SYSTEM

#define VFIO_API_VERSION 0

/* Extension ids for VFIO_CHECK_EXTENSION; 1..8 double as VFIO_SET_IOMMU types. */
#define VFIO_TYPE1_IOMMU 1
#define VFIO_SPAPR_TCE_IOMMU 2
#define VFIO_TYPE1v2_IOMMU 3
#define VFIO_DMA_CC_IOMMU 4 /* the IOMMU enforces cache coherence */
#define VFIO_EEH 5
#define VFIO_TYPE1_NESTING_IOMMU 6 /* gone from recent kernels */
#define VFIO_SPAPR_TCE_v2_IOMMU 7
#define VFIO_NOIOMMU_IOMMU 8 /* no DMA isolation, no DMA mapping */
#define VFIO_UNMAP_ALL 9 /* VFIO_DMA_UNMAP_FLAG_ALL works */
#define VFIO_UPDATE_VADDR 10 /* VFIO_DMA_{MAP,UNMAP}_FLAG_VADDR work */

/*
 * Every VFIO ioctl is _IO(';', 100 + n): no size or direction bits, the
 * structs carry argsz instead. The same value means different things on
 * different fd kinds (docs/semantics-client.md §3).
 */
#define VFIO_TYPE (';')
#define VFIO_BASE 100

/* Head of every capability in a GET_*_INFO chain; next is an offset from
 * the start of the info struct, 0 ends the chain. */
struct vfio_info_cap_header {
	__u16 id;
	__u16 version;
	__u32 next;
};

/* Container fd (/dev/vfio/vfio, or /dev/iommu in compatibility mode). */
#define VFIO_GET_API_VERSION _IO(VFIO_TYPE, VFIO_BASE + 0)
#define VFIO_CHECK_EXTENSION _IO(VFIO_TYPE, VFIO_BASE + 1) /* arg by value */
#define VFIO_SET_IOMMU _IO(VFIO_TYPE, VFIO_BASE + 2) /* arg by value */

/* Group fd (/dev/vfio/<group>, /dev/vfio/noiommu-<n>). */
struct vfio_group_status {
	__u32 argsz;
	__u32 flags;
#define VFIO_GROUP_FLAGS_VIABLE (1 << 0)
#define VFIO_GROUP_FLAGS_CONTAINER_SET (1 << 1)
};

#define VFIO_GROUP_GET_STATUS _IO(VFIO_TYPE, VFIO_BASE + 3)
#define VFIO_GROUP_SET_CONTAINER _IO(VFIO_TYPE, VFIO_BASE + 4) /* int32 * */
#define VFIO_GROUP_UNSET_CONTAINER _IO(VFIO_TYPE, VFIO_BASE + 5)
#define VFIO_GROUP_GET_DEVICE_FD _IO(VFIO_TYPE, VFIO_BASE + 6) /* char * */

#endif /* !SOFTVFIO_UAPI_VFIO_SYSTEM */

/* ---- Layout: docs/semantics-client.md §3.1 (cap header), §3.2 ---- */
SOFTVFIO_UAPI_SIZE(struct vfio_info_cap_header, 8);
SOFTVFIO_UAPI_OFFSET(struct vfio_info_cap_header, id, 0);
SOFTVFIO_UAPI_OFFSET(struct vfio_info_cap_header, version, 2);
SOFTVFIO_UAPI_OFFSET(struct vfio_info_cap_header, next, 4);

SOFTVFIO_UAPI_SIZE(struct vfio_group_status, 8);
SOFTVFIO_UAPI_OFFSET(struct vfio_group_status, argsz, 0);
SOFTVFIO_UAPI_OFFSET(struct vfio_group_status, flags, 4);

#endif /* SOFTVFIO_UAPI_VFIO_BASE_H */
