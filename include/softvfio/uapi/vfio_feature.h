/* SPDX-License-Identifier: MIT */
/*
 * VFIO uAPI, part 3: VFIO_DEVICE_FEATURE (n = 17) and its payloads, feature
 * indexes 0..14 (docs/semantics.md §2.2, §2.4-§2.6). Included by
 * <softvfio/uapi/vfio.h> only.
 *
 * Indexes 13 and 14 are unmerged proposals whose meaning depends on the
 * series version: v3/v4 use 13 = DMA_BUF_REVOKE and 14 = DMA_BUF_MEMATTR
 * (the kernel names below), v2 used 13 = MEMATTR with GET and SET
 * (SOFTVFIO_SERIES_V2_FEATURE_DMA_BUF_MEMATTR). The model takes feature
 * numbers 13 and 14 from its profile table (include/softvfio/profile.h,
 * docs/semantics.md §1.1), not from these macros.
 */
#ifndef SOFTVFIO_UAPI_VFIO_FEATURE_H
#define SOFTVFIO_UAPI_VFIO_FEATURE_H

#ifndef SOFTVFIO_UAPI_VFIO_H
#error "include <softvfio/uapi/vfio.h>, not its parts"
#endif

#if !SOFTVFIO_UAPI_VFIO_SYSTEM

/*
 * argsz covers this 8-byte header plus the payload in data[]. GET and SET
 * exclude each other unless PROBE is set; PROBE alone asks "supported?".
 */
struct vfio_device_feature {
	__u32 argsz;
	__u32 flags;
#define VFIO_DEVICE_FEATURE_MASK (0xffff) /* the feature index */
#define VFIO_DEVICE_FEATURE_GET (1 << 16)
#define VFIO_DEVICE_FEATURE_SET (1 << 17)
#define VFIO_DEVICE_FEATURE_PROBE (1 << 18)
	__extension__ __u8 data[];
};
#define VFIO_DEVICE_FEATURE _IO(VFIO_TYPE, VFIO_BASE + 17)

/* 0: SET a 16-byte UUID shared by an SR-IOV PF and its VFs' users. */
#define VFIO_DEVICE_FEATURE_PCI_VF_TOKEN (0)

/* 1: GET the supported migration arcs. */
struct vfio_device_feature_migration {
	__aligned_u64 flags;
#define VFIO_MIGRATION_STOP_COPY (1 << 0)
#define VFIO_MIGRATION_P2P (1 << 1)
#define VFIO_MIGRATION_PRE_COPY (1 << 2)
};
#define VFIO_DEVICE_FEATURE_MIGRATION 1

/* 2: GET/SET the migration state; SET may return a data transfer fd. */
struct vfio_device_feature_mig_state {
	__u32 device_state; /* enum vfio_device_mig_state */
	__s32 data_fd;
};
#define VFIO_DEVICE_FEATURE_MIG_DEVICE_STATE 2

enum vfio_device_mig_state {
	VFIO_DEVICE_STATE_ERROR = 0,
	VFIO_DEVICE_STATE_STOP = 1,
	VFIO_DEVICE_STATE_RUNNING = 2,
	VFIO_DEVICE_STATE_STOP_COPY = 3,
	VFIO_DEVICE_STATE_RESUMING = 4,
	VFIO_DEVICE_STATE_RUNNING_P2P = 5,
	VFIO_DEVICE_STATE_PRE_COPY = 6,
	VFIO_DEVICE_STATE_PRE_COPY_P2P = 7,
};

/* 3, 4, 5: runtime low power; entry disables access to mmapped regions. */
#define VFIO_DEVICE_FEATURE_LOW_POWER_ENTRY 3
struct vfio_device_low_power_entry_with_wakeup {
	__s32 wakeup_eventfd;
	__u32 reserved;
};
#define VFIO_DEVICE_FEATURE_LOW_POWER_ENTRY_WITH_WAKEUP 4
#define VFIO_DEVICE_FEATURE_LOW_POWER_EXIT 5

/* 6, 7, 8: device DMA dirty logging. */
struct vfio_device_feature_dma_logging_control {
	__aligned_u64 page_size;
	__u32 num_ranges;
	__u32 __reserved;
	__aligned_u64 ranges; /* user pointer to dma_logging_range[] */
};
struct vfio_device_feature_dma_logging_range {
	__aligned_u64 iova;
	__aligned_u64 length;
};
#define VFIO_DEVICE_FEATURE_DMA_LOGGING_START 6
#define VFIO_DEVICE_FEATURE_DMA_LOGGING_STOP 7
struct vfio_device_feature_dma_logging_report {
	__aligned_u64 iova;
	__aligned_u64 length;
	__aligned_u64 page_size;
	__aligned_u64 bitmap; /* user pointer to __u64[] */
};
#define VFIO_DEVICE_FEATURE_DMA_LOGGING_REPORT 8

#endif /* !SOFTVFIO_UAPI_VFIO_SYSTEM */

/* Additions after 6.1, each keyed on a macro that came with it. */

#ifndef VFIO_MIGRATION_PRE_COPY
/* A 6.1 system header: its state enum ends at RUNNING_P2P (6.2 added these). */
#define VFIO_MIGRATION_PRE_COPY (1 << 2)
enum {
	VFIO_DEVICE_STATE_PRE_COPY = 6,
	VFIO_DEVICE_STATE_PRE_COPY_P2P = 7,
};
#endif

/* On the migration data fd during PRE_COPY (n = 21; sPAPR reuses 21). */
#ifndef VFIO_MIG_GET_PRECOPY_INFO
struct vfio_precopy_info {
	__u32 argsz;
	__u32 flags;
	__aligned_u64 initial_bytes;
	__aligned_u64 dirty_bytes;
};
#define VFIO_MIG_GET_PRECOPY_INFO _IO(VFIO_TYPE, VFIO_BASE + 21)
#endif
#ifndef VFIO_PRECOPY_INFO_REINIT
/* Output flag, only after opting in with feature 12. */
#define VFIO_PRECOPY_INFO_REINIT (1 << 0)
#endif

/* 9: GET the estimated STOP_COPY data length. */
#ifndef VFIO_DEVICE_FEATURE_MIG_DATA_SIZE
struct vfio_device_feature_mig_data_size {
	__aligned_u64 stop_copy_length;
};
#define VFIO_DEVICE_FEATURE_MIG_DATA_SIZE 9
#endif

/* 10: SET bus mastering for devices without in-band control (CDX). */
#ifndef VFIO_DEVICE_FEATURE_BUS_MASTER
struct vfio_device_feature_bus_master {
	__u32 op;
#define VFIO_DEVICE_FEATURE_CLEAR_MASTER 0
#define VFIO_DEVICE_FEATURE_SET_MASTER 1
};
#define VFIO_DEVICE_FEATURE_BUS_MASTER 10
#endif

/*
 * 11 (merged in 6.19): GET exports BAR ranges as a new dma-buf and returns
 * its fd; nothing is written back. PROBE allowed. The buffer is the ranges
 * concatenated in array order. flags must be 0. The kernel reads nr_ranges
 * ranges after the fixed part without checking them against argsz.
 */
#ifndef VFIO_DEVICE_FEATURE_DMA_BUF
#define VFIO_DEVICE_FEATURE_DMA_BUF 11
struct vfio_region_dma_range {
	__u64 offset; /* from the start of the BAR */
	__u64 length;
};
struct vfio_device_feature_dma_buf {
	__u32 region_index; /* BAR 0..5 */
	__u32 open_flags; /* open(2) flags of the new fd, e.g. O_RDWR | O_CLOEXEC */
	__u32 flags;
	__u32 nr_ranges;
	__extension__ struct vfio_region_dma_range dma_ranges[];
};
#endif

/* 12: SET opts in to vfio_precopy_info.flags being a real output. */
#ifndef VFIO_DEVICE_FEATURE_MIG_PRECOPY_INFOv2
#define VFIO_DEVICE_FEATURE_MIG_PRECOPY_INFOv2 12
#endif

/*
 * 13 in series v3/v4: SET only (PROBE allowed). Permanently revokes a DMABUF
 * exported by this device: mappings zapped, importers unmapped, future
 * attach/map/mmap refused; the fd stays valid. May block.
 */
#ifndef VFIO_DEVICE_FEATURE_DMA_BUF_REVOKE
#define VFIO_DEVICE_FEATURE_DMA_BUF_REVOKE 13
struct vfio_device_feature_dma_buf_revoke {
	__s32 dmabuf_fd;
};
#endif

/*
 * 14 in series v3/v4: SET only (PROBE allowed). The CPU mapping attribute
 * for future mmap()s of that DMABUF fd; existing mappings keep theirs. One
 * value, not a mask; an unknown one fails with ENOENT (v2: errno 524).
 */
#ifndef VFIO_DEVICE_FEATURE_DMA_BUF_MEMATTR
#define VFIO_DEVICE_FEATURE_DMA_BUF_MEMATTR 14
struct vfio_device_feature_dma_buf_memattr {
	__s32 dmabuf_fd;
	__u32 memattr; /* enum vfio_device_dma_buf_memattr */
};
enum vfio_device_dma_buf_memattr {
	VFIO_DEVICE_FEATURE_DMA_BUF_MEMATTR_NC = 0, /* uncached, the default */
	VFIO_DEVICE_FEATURE_DMA_BUF_MEMATTR_WC = 1, /* write-combining */
};
#endif

/*
 * Series v2's number for MEMATTR (same struct and enum, GET and SET). Not a
 * kernel name: 13 means REVOKE from v3 on.
 */
#define SOFTVFIO_SERIES_V2_FEATURE_DMA_BUF_MEMATTR 13

/* ---- Layout: docs/semantics.md §2.2 ---- */
SOFTVFIO_UAPI_SIZE(struct vfio_device_feature, 8);
SOFTVFIO_UAPI_OFFSET(struct vfio_device_feature, argsz, 0);
SOFTVFIO_UAPI_OFFSET(struct vfio_device_feature, flags, 4);
SOFTVFIO_UAPI_OFFSET(struct vfio_device_feature, data, 8);

/* Payloads of features 1..10 (not in the specs; kernel layouts) */
SOFTVFIO_UAPI_SIZE(struct vfio_device_feature_migration, 8);
SOFTVFIO_UAPI_SIZE(struct vfio_device_feature_mig_state, 8);
SOFTVFIO_UAPI_OFFSET(struct vfio_device_feature_mig_state, data_fd, 4);
SOFTVFIO_UAPI_SIZE(struct vfio_device_low_power_entry_with_wakeup, 8);
SOFTVFIO_UAPI_SIZE(struct vfio_device_feature_dma_logging_control, 24);
SOFTVFIO_UAPI_OFFSET(struct vfio_device_feature_dma_logging_control, ranges, 16);
SOFTVFIO_UAPI_SIZE(struct vfio_device_feature_dma_logging_range, 16);
SOFTVFIO_UAPI_SIZE(struct vfio_device_feature_dma_logging_report, 32);
SOFTVFIO_UAPI_SIZE(struct vfio_precopy_info, 24);
SOFTVFIO_UAPI_OFFSET(struct vfio_precopy_info, initial_bytes, 8);
SOFTVFIO_UAPI_OFFSET(struct vfio_precopy_info, dirty_bytes, 16);
SOFTVFIO_UAPI_SIZE(struct vfio_device_feature_mig_data_size, 8);
SOFTVFIO_UAPI_SIZE(struct vfio_device_feature_bus_master, 4);

/* docs/semantics.md §2.4 */
SOFTVFIO_UAPI_SIZE(struct vfio_region_dma_range, 16);
SOFTVFIO_UAPI_OFFSET(struct vfio_region_dma_range, offset, 0);
SOFTVFIO_UAPI_OFFSET(struct vfio_region_dma_range, length, 8);
SOFTVFIO_UAPI_SIZE(struct vfio_device_feature_dma_buf, 16);
SOFTVFIO_UAPI_OFFSET(struct vfio_device_feature_dma_buf, region_index, 0);
SOFTVFIO_UAPI_OFFSET(struct vfio_device_feature_dma_buf, open_flags, 4);
SOFTVFIO_UAPI_OFFSET(struct vfio_device_feature_dma_buf, flags, 8);
SOFTVFIO_UAPI_OFFSET(struct vfio_device_feature_dma_buf, nr_ranges, 12);
SOFTVFIO_UAPI_OFFSET(struct vfio_device_feature_dma_buf, dma_ranges, 16);

/* docs/semantics.md §2.5 (v4) */
SOFTVFIO_UAPI_SIZE(struct vfio_device_feature_dma_buf_revoke, 4);
SOFTVFIO_UAPI_OFFSET(struct vfio_device_feature_dma_buf_revoke, dmabuf_fd, 0);

/* docs/semantics.md §2.6 */
SOFTVFIO_UAPI_SIZE(struct vfio_device_feature_dma_buf_memattr, 8);
SOFTVFIO_UAPI_OFFSET(struct vfio_device_feature_dma_buf_memattr, dmabuf_fd, 0);
SOFTVFIO_UAPI_OFFSET(struct vfio_device_feature_dma_buf_memattr, memattr, 4);

#endif /* SOFTVFIO_UAPI_VFIO_FEATURE_H */
