/* SPDX-License-Identifier: MIT */
/*
 * softvfio's own definition of the iommufd uAPI (<linux/iommufd.h>, /dev/iommu),
 * written from docs/semantics-client.md §3.4. Names, values and layouts are
 * the kernel's; the text is not. Pure C11/C++20.
 *
 * Every ioctl is _IO(';', 0x80 + k) = 0x3B80 | k, and every struct starts
 * with __u32 size: the kernel accepts a larger size only if the bytes it does
 * not know are zero (else E2BIG).
 *
 * Coexistence: Debian 12 (6.1) has no <linux/iommufd.h>. Newer systems do,
 * with the guard _IOMMUFD_H (installed) or _UAPI_IOMMUFD_H (kernel tree).
 *  - This header first: it defines everything and both guards, so a later
 *    <linux/iommufd.h> is a no-op.
 *  - <linux/iommufd.h> first: each ioctl group below is keyed on its ioctl
 *    macro and added only if the system header lacks it. Enumerators and
 *    fields that a system header added to an existing group later than the
 *    group itself cannot be detected, and are then missing.
 */
#ifndef SOFTVFIO_UAPI_IOMMUFD_H
#define SOFTVFIO_UAPI_IOMMUFD_H

#include <linux/ioctl.h>
#include <linux/types.h>

#include "layout_check.h"

#if defined(_IOMMUFD_H) || defined(_UAPI_IOMMUFD_H)
#define SOFTVFIO_UAPI_IOMMUFD_SYSTEM 1
#else
#define SOFTVFIO_UAPI_IOMMUFD_SYSTEM 0
#define _IOMMUFD_H
#define _UAPI_IOMMUFD_H
#endif

SOFTVFIO_UAPI_BEGIN

#ifndef IOMMUFD_TYPE
#define IOMMUFD_TYPE (';')
#endif

/* ---- The original set (0x80..0x88): IOAS management and options ---- */
#ifndef IOMMU_DESTROY
enum {
	IOMMUFD_CMD_BASE = 0x80,
	IOMMUFD_CMD_DESTROY = 0x80,
	IOMMUFD_CMD_IOAS_ALLOC = 0x81,
	IOMMUFD_CMD_IOAS_ALLOW_IOVAS = 0x82,
	IOMMUFD_CMD_IOAS_COPY = 0x83,
	IOMMUFD_CMD_IOAS_IOVA_RANGES = 0x84,
	IOMMUFD_CMD_IOAS_MAP = 0x85,
	IOMMUFD_CMD_IOAS_UNMAP = 0x86,
	IOMMUFD_CMD_OPTION = 0x87,
	IOMMUFD_CMD_VFIO_IOAS = 0x88,
};

/* Destroys any destroyable object by id. */
struct iommu_destroy {
	__u32 size;
	__u32 id;
};
#define IOMMU_DESTROY _IO(IOMMUFD_TYPE, IOMMUFD_CMD_DESTROY)

struct iommu_ioas_alloc {
	__u32 size;
	__u32 flags; /* 0 */
	__u32 out_ioas_id;
};
#define IOMMU_IOAS_ALLOC _IO(IOMMUFD_TYPE, IOMMUFD_CMD_IOAS_ALLOC)

struct iommu_iova_range {
	__aligned_u64 start;
	__aligned_u64 last; /* inclusive */
};

/* Too small a num_iovas: EMSGSIZE with the needed count written back. */
struct iommu_ioas_iova_ranges {
	__u32 size;
	__u32 ioas_id;
	__u32 num_iovas;
	__u32 __reserved;
	__aligned_u64 allowed_iovas; /* user pointer to iommu_iova_range[] */
	__aligned_u64 out_iova_alignment;
};
#define IOMMU_IOAS_IOVA_RANGES _IO(IOMMUFD_TYPE, IOMMUFD_CMD_IOAS_IOVA_RANGES)

/* Replaces the IOAS's allowed list; later narrowing is refused. */
struct iommu_ioas_allow_iovas {
	__u32 size;
	__u32 ioas_id;
	__u32 num_iovas;
	__u32 __reserved;
	__aligned_u64 allowed_iovas;
};
#define IOMMU_IOAS_ALLOW_IOVAS _IO(IOMMUFD_TYPE, IOMMUFD_CMD_IOAS_ALLOW_IOVAS)

/* Flags of MAP, MAP_FILE and COPY. */
enum iommufd_ioas_map_flags {
	IOMMU_IOAS_MAP_FIXED_IOVA = 1 << 0, /* else the kernel picks iova */
	IOMMU_IOAS_MAP_WRITEABLE = 1 << 1,
	IOMMU_IOAS_MAP_READABLE = 1 << 2,
};

struct iommu_ioas_map {
	__u32 size;
	__u32 flags;
	__u32 ioas_id;
	__u32 __reserved;
	__aligned_u64 user_va;
	__aligned_u64 length;
	__aligned_u64 iova; /* in with FIXED_IOVA, else out */
};
#define IOMMU_IOAS_MAP _IO(IOMMUFD_TYPE, IOMMUFD_CMD_IOAS_MAP)

/* src_iova/length must match an earlier MAP exactly. */
struct iommu_ioas_copy {
	__u32 size;
	__u32 flags;
	__u32 dst_ioas_id;
	__u32 src_ioas_id;
	__aligned_u64 length;
	__aligned_u64 dst_iova;
	__aligned_u64 src_iova;
};
#define IOMMU_IOAS_COPY _IO(IOMMUFD_TYPE, IOMMUFD_CMD_IOAS_COPY)

/* Whole mappings only; iova 0 with length UINT64_MAX unmaps everything.
 * length is written back with the bytes unmapped. */
struct iommu_ioas_unmap {
	__u32 size;
	__u32 ioas_id;
	__aligned_u64 iova;
	__aligned_u64 length;
};
#define IOMMU_IOAS_UNMAP _IO(IOMMUFD_TYPE, IOMMUFD_CMD_IOAS_UNMAP)

enum iommufd_option {
	IOMMU_OPTION_RLIMIT_MODE = 0, /* global: 0 user, 1 process accounting */
	IOMMU_OPTION_HUGE_PAGES = 1, /* per IOAS: 1 (default) combine pages */
};
enum iommufd_option_ops {
	IOMMU_OPTION_OP_SET = 0,
	IOMMU_OPTION_OP_GET = 1,
};
struct iommu_option {
	__u32 size;
	__u32 option_id;
	__u16 op;
	__u16 __reserved;
	__u32 object_id;
	__aligned_u64 val64;
};
#define IOMMU_OPTION _IO(IOMMUFD_TYPE, IOMMUFD_CMD_OPTION)

/* Which IOAS the VFIO compatibility container uses. */
enum iommufd_vfio_ioas_op {
	IOMMU_VFIO_IOAS_GET = 0,
	IOMMU_VFIO_IOAS_SET = 1,
	IOMMU_VFIO_IOAS_CLEAR = 2,
};
struct iommu_vfio_ioas {
	__u32 size;
	__u32 ioas_id;
	__u16 op;
	__u16 __reserved;
};
#define IOMMU_VFIO_IOAS _IO(IOMMUFD_TYPE, IOMMUFD_CMD_VFIO_IOAS)
#endif /* IOMMU_DESTROY */

/* ---- 0x89: hardware page tables ---- */
#ifndef IOMMU_HWPT_ALLOC
enum { IOMMUFD_CMD_HWPT_ALLOC = 0x89 };
enum iommufd_hwpt_alloc_flags {
	IOMMU_HWPT_ALLOC_NEST_PARENT = 1 << 0,
	IOMMU_HWPT_ALLOC_DIRTY_TRACKING = 1 << 1,
	IOMMU_HWPT_FAULT_ID_VALID = 1 << 2,
	IOMMU_HWPT_ALLOC_PASID = 1 << 3,
};
enum iommu_hwpt_data_type {
	IOMMU_HWPT_DATA_NONE = 0,
	IOMMU_HWPT_DATA_VTD_S1 = 1,
	IOMMU_HWPT_DATA_ARM_SMMUV3 = 2,
};
struct iommu_hwpt_alloc {
	__u32 size;
	__u32 flags;
	__u32 dev_id;
	__u32 pt_id; /* IOAS, parent HWPT or vIOMMU */
	__u32 out_hwpt_id;
	__u32 __reserved;
	__u32 data_type;
	__u32 data_len;
	__aligned_u64 data_uptr;
	__u32 fault_id; /* with IOMMU_HWPT_FAULT_ID_VALID */
	__u32 __reserved2;
};
#define IOMMU_HWPT_ALLOC _IO(IOMMUFD_TYPE, IOMMUFD_CMD_HWPT_ALLOC)
#endif

/* ---- 0x8a: IOMMU hardware information of a bound device ---- */
#ifndef IOMMU_GET_HW_INFO
enum { IOMMUFD_CMD_GET_HW_INFO = 0x8a };
enum iommu_hw_info_type {
	IOMMU_HW_INFO_TYPE_NONE = 0,
	IOMMU_HW_INFO_TYPE_DEFAULT = 0, /* input: whatever the driver reports */
	IOMMU_HW_INFO_TYPE_INTEL_VTD = 1,
	IOMMU_HW_INFO_TYPE_ARM_SMMUV3 = 2,
	IOMMU_HW_INFO_TYPE_TEGRA241_CMDQV = 3,
};
enum iommufd_hw_capabilities {
	IOMMU_HW_CAP_DIRTY_TRACKING = 1 << 0,
	IOMMU_HW_CAP_PCI_PASID_EXEC = 1 << 1,
	IOMMU_HW_CAP_PCI_PASID_PRIV = 1 << 2,
};
enum iommufd_hw_info_flags {
	IOMMU_HW_INFO_FLAG_INPUT_TYPE = 1 << 0, /* in_data_type is an input */
};
struct iommu_hw_info {
	__u32 size;
	__u32 flags;
	__u32 dev_id;
	__u32 data_len; /* in: buffer size; out: size the kernel has */
	__aligned_u64 data_uptr;
	__extension__ union {
		__u32 in_data_type;
		__u32 out_data_type;
	};
	__u8 out_max_pasid_log2; /* 0: no PASID */
	__u8 __reserved[3];
	__aligned_u64 out_capabilities;
};
#define IOMMU_GET_HW_INFO _IO(IOMMUFD_TYPE, IOMMUFD_CMD_GET_HW_INFO)
#endif

/* ---- 0x8b, 0x8c: dirty tracking ---- */
#ifndef IOMMU_HWPT_SET_DIRTY_TRACKING
enum { IOMMUFD_CMD_HWPT_SET_DIRTY_TRACKING = 0x8b };
enum iommufd_hwpt_set_dirty_tracking_flags {
	IOMMU_HWPT_DIRTY_TRACKING_ENABLE = 1,
};
struct iommu_hwpt_set_dirty_tracking {
	__u32 size;
	__u32 flags;
	__u32 hwpt_id;
	__u32 __reserved;
};
#define IOMMU_HWPT_SET_DIRTY_TRACKING \
	_IO(IOMMUFD_TYPE, IOMMUFD_CMD_HWPT_SET_DIRTY_TRACKING)
#endif

#ifndef IOMMU_HWPT_GET_DIRTY_BITMAP
enum { IOMMUFD_CMD_HWPT_GET_DIRTY_BITMAP = 0x8c };
enum iommufd_hwpt_get_dirty_bitmap_flags {
	IOMMU_HWPT_GET_DIRTY_BITMAP_NO_CLEAR = 1, /* read without clearing */
};
struct iommu_hwpt_get_dirty_bitmap {
	__u32 size;
	__u32 hwpt_id;
	__u32 flags;
	__u32 __reserved;
	__aligned_u64 iova;
	__aligned_u64 length;
	__aligned_u64 page_size; /* bytes per bit */
	__aligned_u64 data; /* user pointer to the bitmap */
};
#define IOMMU_HWPT_GET_DIRTY_BITMAP \
	_IO(IOMMUFD_TYPE, IOMMUFD_CMD_HWPT_GET_DIRTY_BITMAP)
#endif

/* ---- 0x8d: cache invalidation for user-managed page tables ---- */
#ifndef IOMMU_HWPT_INVALIDATE
enum { IOMMUFD_CMD_HWPT_INVALIDATE = 0x8d };
enum iommu_hwpt_invalidate_data_type {
	IOMMU_HWPT_INVALIDATE_DATA_VTD_S1 = 0,
	IOMMU_VIOMMU_INVALIDATE_DATA_ARM_SMMUV3 = 1,
};
struct iommu_hwpt_invalidate {
	__u32 size;
	__u32 hwpt_id; /* nested HWPT or vIOMMU */
	__aligned_u64 data_uptr;
	__u32 data_type;
	__u32 entry_len;
	__u32 entry_num; /* in: requests; out: requests handled */
	__u32 __reserved;
};
#define IOMMU_HWPT_INVALIDATE _IO(IOMMUFD_TYPE, IOMMUFD_CMD_HWPT_INVALIDATE)
#endif

/* ---- 0x8e: I/O page fault queue; records are read from out_fault_fd ---- */
#ifndef IOMMU_FAULT_QUEUE_ALLOC
enum { IOMMUFD_CMD_FAULT_QUEUE_ALLOC = 0x8e };
enum iommu_hwpt_pgfault_flags {
	IOMMU_PGFAULT_FLAGS_PASID_VALID = 1 << 0,
	IOMMU_PGFAULT_FLAGS_LAST_PAGE = 1 << 1, /* last of its group */
};
enum iommu_hwpt_pgfault_perm {
	IOMMU_PGFAULT_PERM_READ = 1 << 0,
	IOMMU_PGFAULT_PERM_WRITE = 1 << 1,
	IOMMU_PGFAULT_PERM_EXEC = 1 << 2,
	IOMMU_PGFAULT_PERM_PRIV = 1 << 3,
};
struct iommu_hwpt_pgfault {
	__u32 flags;
	__u32 dev_id;
	__u32 pasid;
	__u32 grpid;
	__u32 perm;
	__u32 __reserved;
	__aligned_u64 addr;
	__u32 length; /* hint */
	__u32 cookie; /* echoed in the response */
};
enum iommufd_page_response_code {
	IOMMUFD_PAGE_RESP_SUCCESS = 0,
	IOMMUFD_PAGE_RESP_INVALID = 1,
};
struct iommu_hwpt_page_response {
	__u32 cookie;
	__u32 code;
};
struct iommu_fault_alloc {
	__u32 size;
	__u32 flags; /* 0 */
	__u32 out_fault_id;
	__u32 out_fault_fd;
};
#define IOMMU_FAULT_QUEUE_ALLOC _IO(IOMMUFD_TYPE, IOMMUFD_CMD_FAULT_QUEUE_ALLOC)
#endif

/*
 * ---- 0x8f: map a file range (memfd, or a VFIO DMABUF fd on 6.19+) ----
 * The way to map BAR memory for peer-to-peer: a VA backed by an mmapped BAR
 * is refused by IOAS_MAP. A revoked DMABUF gives ENODEV, a multi-range one
 * EOPNOTSUPP (docs/semantics.md §4.10).
 */
#ifndef IOMMU_IOAS_MAP_FILE
enum { IOMMUFD_CMD_IOAS_MAP_FILE = 0x8f };
struct iommu_ioas_map_file {
	__u32 size;
	__u32 flags; /* enum iommufd_ioas_map_flags */
	__u32 ioas_id;
	__s32 fd;
	__aligned_u64 start; /* byte offset in the file */
	__aligned_u64 length;
	__aligned_u64 iova;
};
#define IOMMU_IOAS_MAP_FILE _IO(IOMMUFD_TYPE, IOMMUFD_CMD_IOAS_MAP_FILE)
#endif

/* ---- 0x90..0x94: vIOMMU (nesting) and process hand-over; not modelled ---- */
#ifndef IOMMU_VIOMMU_ALLOC
enum { IOMMUFD_CMD_VIOMMU_ALLOC = 0x90 };
enum iommu_viommu_type {
	IOMMU_VIOMMU_TYPE_DEFAULT = 0,
	IOMMU_VIOMMU_TYPE_ARM_SMMUV3 = 1,
	IOMMU_VIOMMU_TYPE_TEGRA241_CMDQV = 2,
};
struct iommu_viommu_alloc {
	__u32 size;
	__u32 flags;
	__u32 type;
	__u32 dev_id;
	__u32 hwpt_id; /* nesting parent */
	__u32 out_viommu_id;
	__u32 data_len;
	__u32 __reserved;
	__aligned_u64 data_uptr;
};
#define IOMMU_VIOMMU_ALLOC _IO(IOMMUFD_TYPE, IOMMUFD_CMD_VIOMMU_ALLOC)
#endif

#ifndef IOMMU_VDEVICE_ALLOC
enum { IOMMUFD_CMD_VDEVICE_ALLOC = 0x91 };
struct iommu_vdevice_alloc {
	__u32 size;
	__u32 viommu_id;
	__u32 dev_id;
	__u32 out_vdevice_id;
	__aligned_u64 virt_id;
};
#define IOMMU_VDEVICE_ALLOC _IO(IOMMUFD_TYPE, IOMMUFD_CMD_VDEVICE_ALLOC)
#endif

#ifndef IOMMU_IOAS_CHANGE_PROCESS
enum { IOMMUFD_CMD_IOAS_CHANGE_PROCESS = 0x92 };
/* Moves pinned-page accounting to the caller; MAP_FILE mappings only. */
struct iommu_ioas_change_process {
	__u32 size;
	__u32 __reserved;
};
#define IOMMU_IOAS_CHANGE_PROCESS _IO(IOMMUFD_TYPE, IOMMUFD_CMD_IOAS_CHANGE_PROCESS)
#endif

#ifndef IOMMU_VEVENTQ_ALLOC
enum { IOMMUFD_CMD_VEVENTQ_ALLOC = 0x93 };
enum iommu_veventq_flag {
	IOMMU_VEVENTQ_FLAG_LOST_EVENTS = 1U << 0,
};
struct iommufd_vevent_header {
	__u32 flags;
	__u32 sequence;
};
enum iommu_veventq_type {
	IOMMU_VEVENTQ_TYPE_DEFAULT = 0,
	IOMMU_VEVENTQ_TYPE_ARM_SMMUV3 = 1,
	IOMMU_VEVENTQ_TYPE_TEGRA241_CMDQV = 2,
};
struct iommu_veventq_alloc {
	__u32 size;
	__u32 flags;
	__u32 viommu_id;
	__u32 type;
	__u32 veventq_depth;
	__u32 out_veventq_id;
	__u32 out_veventq_fd;
	__u32 __reserved;
};
#define IOMMU_VEVENTQ_ALLOC _IO(IOMMUFD_TYPE, IOMMUFD_CMD_VEVENTQ_ALLOC)
#endif

#ifndef IOMMU_HW_QUEUE_ALLOC
enum { IOMMUFD_CMD_HW_QUEUE_ALLOC = 0x94 };
enum iommu_hw_queue_type {
	IOMMU_HW_QUEUE_TYPE_DEFAULT = 0,
	IOMMU_HW_QUEUE_TYPE_TEGRA241_CMDQV = 1,
};
struct iommu_hw_queue_alloc {
	__u32 size;
	__u32 flags;
	__u32 viommu_id;
	__u32 type;
	__u32 index;
	__u32 out_hw_queue_id;
	__aligned_u64 nesting_parent_iova;
	__aligned_u64 length;
};
#define IOMMU_HW_QUEUE_ALLOC _IO(IOMMUFD_TYPE, IOMMUFD_CMD_HW_QUEUE_ALLOC)
#endif

SOFTVFIO_UAPI_END

/* ---- Layout: docs/semantics-client.md §3.4 ---- */
SOFTVFIO_UAPI_SIZE(struct iommu_destroy, 8);
SOFTVFIO_UAPI_OFFSET(struct iommu_destroy, id, 4);
SOFTVFIO_UAPI_SIZE(struct iommu_ioas_alloc, 12);
SOFTVFIO_UAPI_OFFSET(struct iommu_ioas_alloc, flags, 4);
SOFTVFIO_UAPI_OFFSET(struct iommu_ioas_alloc, out_ioas_id, 8);
SOFTVFIO_UAPI_SIZE(struct iommu_iova_range, 16);
SOFTVFIO_UAPI_OFFSET(struct iommu_iova_range, last, 8);
SOFTVFIO_UAPI_SIZE(struct iommu_ioas_allow_iovas, 24);
SOFTVFIO_UAPI_OFFSET(struct iommu_ioas_allow_iovas, ioas_id, 4);
SOFTVFIO_UAPI_OFFSET(struct iommu_ioas_allow_iovas, num_iovas, 8);
SOFTVFIO_UAPI_OFFSET(struct iommu_ioas_allow_iovas, __reserved, 12);
SOFTVFIO_UAPI_OFFSET(struct iommu_ioas_allow_iovas, allowed_iovas, 16);
SOFTVFIO_UAPI_SIZE(struct iommu_ioas_copy, 40);
SOFTVFIO_UAPI_OFFSET(struct iommu_ioas_copy, dst_ioas_id, 8);
SOFTVFIO_UAPI_OFFSET(struct iommu_ioas_copy, src_ioas_id, 12);
SOFTVFIO_UAPI_OFFSET(struct iommu_ioas_copy, length, 16);
SOFTVFIO_UAPI_OFFSET(struct iommu_ioas_copy, dst_iova, 24);
SOFTVFIO_UAPI_OFFSET(struct iommu_ioas_copy, src_iova, 32);
SOFTVFIO_UAPI_SIZE(struct iommu_ioas_iova_ranges, 32);
SOFTVFIO_UAPI_OFFSET(struct iommu_ioas_iova_ranges, num_iovas, 8);
SOFTVFIO_UAPI_OFFSET(struct iommu_ioas_iova_ranges, allowed_iovas, 16);
SOFTVFIO_UAPI_OFFSET(struct iommu_ioas_iova_ranges, out_iova_alignment, 24);
SOFTVFIO_UAPI_SIZE(struct iommu_ioas_map, 40);
SOFTVFIO_UAPI_OFFSET(struct iommu_ioas_map, ioas_id, 8);
SOFTVFIO_UAPI_OFFSET(struct iommu_ioas_map, __reserved, 12);
SOFTVFIO_UAPI_OFFSET(struct iommu_ioas_map, user_va, 16);
SOFTVFIO_UAPI_OFFSET(struct iommu_ioas_map, length, 24);
SOFTVFIO_UAPI_OFFSET(struct iommu_ioas_map, iova, 32);
SOFTVFIO_UAPI_SIZE(struct iommu_ioas_unmap, 24);
SOFTVFIO_UAPI_OFFSET(struct iommu_ioas_unmap, iova, 8);
SOFTVFIO_UAPI_OFFSET(struct iommu_ioas_unmap, length, 16);
SOFTVFIO_UAPI_SIZE(struct iommu_option, 24);
SOFTVFIO_UAPI_OFFSET(struct iommu_option, option_id, 4);
SOFTVFIO_UAPI_OFFSET(struct iommu_option, op, 8);
SOFTVFIO_UAPI_OFFSET(struct iommu_option, __reserved, 10);
SOFTVFIO_UAPI_OFFSET(struct iommu_option, object_id, 12);
SOFTVFIO_UAPI_OFFSET(struct iommu_option, val64, 16);
SOFTVFIO_UAPI_SIZE(struct iommu_vfio_ioas, 12);
SOFTVFIO_UAPI_OFFSET(struct iommu_vfio_ioas, op, 8);
SOFTVFIO_UAPI_OFFSET(struct iommu_vfio_ioas, __reserved, 10);

SOFTVFIO_UAPI_OFFSET(struct iommu_hwpt_alloc, flags, 4);
SOFTVFIO_UAPI_OFFSET(struct iommu_hwpt_alloc, dev_id, 8);
SOFTVFIO_UAPI_OFFSET(struct iommu_hwpt_alloc, pt_id, 12);
SOFTVFIO_UAPI_OFFSET(struct iommu_hwpt_alloc, out_hwpt_id, 16);
SOFTVFIO_UAPI_OFFSET(struct iommu_hwpt_alloc, __reserved, 20);
SOFTVFIO_UAPI_OFFSET(struct iommu_hw_info, dev_id, 8);
SOFTVFIO_UAPI_OFFSET(struct iommu_hw_info, data_len, 12);
SOFTVFIO_UAPI_OFFSET(struct iommu_hw_info, data_uptr, 16);
#if !SOFTVFIO_UAPI_IOMMUFD_SYSTEM
/* These grew over kernel versions; only ours is known to be the newest. */
SOFTVFIO_UAPI_SIZE(struct iommu_hwpt_alloc, 48);
SOFTVFIO_UAPI_OFFSET(struct iommu_hwpt_alloc, data_type, 24);
SOFTVFIO_UAPI_OFFSET(struct iommu_hwpt_alloc, data_len, 28);
SOFTVFIO_UAPI_OFFSET(struct iommu_hwpt_alloc, data_uptr, 32);
SOFTVFIO_UAPI_OFFSET(struct iommu_hwpt_alloc, fault_id, 40);
SOFTVFIO_UAPI_OFFSET(struct iommu_hwpt_alloc, __reserved2, 44);
SOFTVFIO_UAPI_SIZE(struct iommu_hw_info, 40);
SOFTVFIO_UAPI_OFFSET(struct iommu_hw_info, in_data_type, 24);
SOFTVFIO_UAPI_OFFSET(struct iommu_hw_info, out_data_type, 24);
SOFTVFIO_UAPI_OFFSET(struct iommu_hw_info, out_max_pasid_log2, 28);
SOFTVFIO_UAPI_OFFSET(struct iommu_hw_info, __reserved, 29);
SOFTVFIO_UAPI_OFFSET(struct iommu_hw_info, out_capabilities, 32);
SOFTVFIO_UAPI_SIZE(struct iommu_viommu_alloc, 40);
SOFTVFIO_UAPI_OFFSET(struct iommu_viommu_alloc, data_uptr, 32);
#endif
SOFTVFIO_UAPI_SIZE(struct iommu_hwpt_set_dirty_tracking, 16);
SOFTVFIO_UAPI_OFFSET(struct iommu_hwpt_set_dirty_tracking, hwpt_id, 8);
SOFTVFIO_UAPI_SIZE(struct iommu_hwpt_get_dirty_bitmap, 48);
SOFTVFIO_UAPI_OFFSET(struct iommu_hwpt_get_dirty_bitmap, hwpt_id, 4);
SOFTVFIO_UAPI_OFFSET(struct iommu_hwpt_get_dirty_bitmap, flags, 8);
SOFTVFIO_UAPI_OFFSET(struct iommu_hwpt_get_dirty_bitmap, iova, 16);
SOFTVFIO_UAPI_OFFSET(struct iommu_hwpt_get_dirty_bitmap, length, 24);
SOFTVFIO_UAPI_OFFSET(struct iommu_hwpt_get_dirty_bitmap, page_size, 32);
SOFTVFIO_UAPI_OFFSET(struct iommu_hwpt_get_dirty_bitmap, data, 40);
SOFTVFIO_UAPI_SIZE(struct iommu_hwpt_invalidate, 32);
SOFTVFIO_UAPI_OFFSET(struct iommu_hwpt_invalidate, data_uptr, 8);
SOFTVFIO_UAPI_OFFSET(struct iommu_hwpt_invalidate, data_type, 16);
SOFTVFIO_UAPI_OFFSET(struct iommu_hwpt_invalidate, entry_len, 20);
SOFTVFIO_UAPI_OFFSET(struct iommu_hwpt_invalidate, entry_num, 24);
SOFTVFIO_UAPI_SIZE(struct iommu_fault_alloc, 16);
SOFTVFIO_UAPI_OFFSET(struct iommu_fault_alloc, out_fault_id, 8);
SOFTVFIO_UAPI_OFFSET(struct iommu_fault_alloc, out_fault_fd, 12);
SOFTVFIO_UAPI_SIZE(struct iommu_hwpt_pgfault, 40);
SOFTVFIO_UAPI_OFFSET(struct iommu_hwpt_pgfault, addr, 24);
SOFTVFIO_UAPI_SIZE(struct iommu_hwpt_page_response, 8);
SOFTVFIO_UAPI_SIZE(struct iommu_ioas_map_file, 40);
SOFTVFIO_UAPI_OFFSET(struct iommu_ioas_map_file, ioas_id, 8);
SOFTVFIO_UAPI_OFFSET(struct iommu_ioas_map_file, fd, 12);
SOFTVFIO_UAPI_OFFSET(struct iommu_ioas_map_file, start, 16);
SOFTVFIO_UAPI_OFFSET(struct iommu_ioas_map_file, length, 24);
SOFTVFIO_UAPI_OFFSET(struct iommu_ioas_map_file, iova, 32);

/* 0x90..0x94 (kernel facts; the specs give no layout) */
SOFTVFIO_UAPI_OFFSET(struct iommu_viommu_alloc, out_viommu_id, 20);
SOFTVFIO_UAPI_SIZE(struct iommu_vdevice_alloc, 24);
SOFTVFIO_UAPI_OFFSET(struct iommu_vdevice_alloc, virt_id, 16);
SOFTVFIO_UAPI_SIZE(struct iommu_ioas_change_process, 8);
SOFTVFIO_UAPI_SIZE(struct iommufd_vevent_header, 8);
SOFTVFIO_UAPI_SIZE(struct iommu_veventq_alloc, 32);
SOFTVFIO_UAPI_SIZE(struct iommu_hw_queue_alloc, 40);
SOFTVFIO_UAPI_OFFSET(struct iommu_hw_queue_alloc, nesting_parent_iova, 24);

#endif /* SOFTVFIO_UAPI_IOMMUFD_H */
