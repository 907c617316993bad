/* SPDX-License-Identifier: MIT */
/*
 * VFIO uAPI, part 2: device fd ioctls other than VFIO_DEVICE_FEATURE
 * (docs/semantics-client.md §3.3; docs/semantics.md §2.1, §2.3, §2.5).
 * Included by <softvfio/uapi/vfio.h> only.
 */
#ifndef SOFTVFIO_UAPI_VFIO_DEVICE_H
#define SOFTVFIO_UAPI_VFIO_DEVICE_H

#ifndef SOFTVFIO_UAPI_VFIO_H
#error "include <softvfio/uapi/vfio.h>, not its parts"
#endif

#if !SOFTVFIO_UAPI_VFIO_SYSTEM

/* ---- VFIO_DEVICE_GET_INFO (n = 7) ---- */
struct vfio_device_info {
	__u32 argsz;
	__u32 flags;
#define VFIO_DEVICE_FLAGS_RESET (1 << 0)
#define VFIO_DEVICE_FLAGS_PCI (1 << 1)
#define VFIO_DEVICE_FLAGS_PLATFORM (1 << 2)
#define VFIO_DEVICE_FLAGS_AMBA (1 << 3)
#define VFIO_DEVICE_FLAGS_CCW (1 << 4)
#define VFIO_DEVICE_FLAGS_AP (1 << 5)
#define VFIO_DEVICE_FLAGS_FSL_MC (1 << 6)
#define VFIO_DEVICE_FLAGS_CAPS (1 << 7)
	__u32 num_regions;
	__u32 num_irqs;
	__u32 cap_offset;
	__u32 pad; /* 6.1-era headers end before this: 20 bytes */
};
#define VFIO_DEVICE_GET_INFO _IO(VFIO_TYPE, VFIO_BASE + 7)

/* device_api strings of mediated device types, one per VFIO_DEVICE_FLAGS_* bus */
#define VFIO_DEVICE_API_PCI_STRING "vfio-pci"
#define VFIO_DEVICE_API_PLATFORM_STRING "vfio-platform"
#define VFIO_DEVICE_API_AMBA_STRING "vfio-amba"
#define VFIO_DEVICE_API_CCW_STRING "vfio-ccw"
#define VFIO_DEVICE_API_AP_STRING "vfio-ap"

/* Device info capability ids 1..4: s390 zPCI (contents in vfio_zdev.h). */
#define VFIO_DEVICE_INFO_CAP_ZPCI_BASE 1
#define VFIO_DEVICE_INFO_CAP_ZPCI_GROUP 2
#define VFIO_DEVICE_INFO_CAP_ZPCI_UTIL 3
#define VFIO_DEVICE_INFO_CAP_ZPCI_PFIP 4

/* ---- VFIO_DEVICE_GET_REGION_INFO (n = 8) ---- */
struct vfio_region_info {
	__u32 argsz;
	__u32 flags;
#define VFIO_REGION_INFO_FLAG_READ (1 << 0)
#define VFIO_REGION_INFO_FLAG_WRITE (1 << 1)
#define VFIO_REGION_INFO_FLAG_MMAP (1 << 2)
#define VFIO_REGION_INFO_FLAG_CAPS (1 << 3)
	__u32 index;
	__u32 cap_offset;
	__aligned_u64 size;
	__aligned_u64 offset; /* device fd offset of the region's byte 0 */
};
#define VFIO_DEVICE_GET_REGION_INFO _IO(VFIO_TYPE, VFIO_BASE + 8)

/* Region capability 1 (version 1): only these areas may be mmapped. */
#define VFIO_REGION_INFO_CAP_SPARSE_MMAP 1
struct vfio_region_sparse_mmap_area {
	__aligned_u64 offset; /* within the region */
	__aligned_u64 size;
};
struct vfio_region_info_cap_sparse_mmap {
	struct vfio_info_cap_header header;
	__u32 nr_areas;
	__u32 reserved;
	__extension__ struct vfio_region_sparse_mmap_area areas[];
};

/* Region capability 2 (version 1): what a device-specific region is. */
#define VFIO_REGION_INFO_CAP_TYPE 2
struct vfio_region_info_cap_type {
	struct vfio_info_cap_header header;
	__u32 type;
	__u32 subtype;
};

/*
 * Region types; vendor types are VENDOR_TYPE | PCI vendor id. The kernel
 * writes VENDOR_TYPE as (1 << 31), an int with the value INT_MIN; this is
 * the same int without C's signed-shift undefined behaviour (UBSan).
 */
#define VFIO_REGION_TYPE_PCI_VENDOR_TYPE (-0x7fffffff - 1)
#define VFIO_REGION_TYPE_PCI_VENDOR_MASK (0xffff)
#define VFIO_REGION_TYPE_GFX (1)
#define VFIO_REGION_TYPE_CCW (2)
#define VFIO_REGION_TYPE_MIGRATION_DEPRECATED (3)

/* Subtypes: Intel (8086) */
#define VFIO_REGION_SUBTYPE_INTEL_IGD_OPREGION (1)
#define VFIO_REGION_SUBTYPE_INTEL_IGD_HOST_CFG (2)
#define VFIO_REGION_SUBTYPE_INTEL_IGD_LPC_CFG (3)
/* NVIDIA (10de) and IBM (1014) NVLink2: no longer provided by kernels */
#define VFIO_REGION_SUBTYPE_NVIDIA_NVLINK2_RAM (1)
#define VFIO_REGION_SUBTYPE_IBM_NVLINK2_ATSD (1)
/* GFX */
#define VFIO_REGION_SUBTYPE_GFX_EDID (1)
/* CCW */
#define VFIO_REGION_SUBTYPE_CCW_ASYNC_CMD (1)
#define VFIO_REGION_SUBTYPE_CCW_SCHIB (2)
#define VFIO_REGION_SUBTYPE_CCW_CRW (3)
/* v1 migration region (removed from kernels, kept for the names) */
#define VFIO_REGION_SUBTYPE_MIGRATION_DEPRECATED (1)

/* Layout of a GFX_EDID region. */
struct vfio_region_gfx_edid {
	__u32 edid_offset;
	__u32 edid_max_size;
	__u32 edid_size;
	__u32 max_xres;
	__u32 max_yres;
	__u32 link_state;
#define VFIO_DEVICE_GFX_LINK_STATE_UP 1
#define VFIO_DEVICE_GFX_LINK_STATE_DOWN 2
};

/* Header of the deprecated v1 migration region. */
struct vfio_device_migration_info {
	__u32 device_state;
#define VFIO_DEVICE_STATE_V1_STOP (0)
#define VFIO_DEVICE_STATE_V1_RUNNING (1 << 0)
#define VFIO_DEVICE_STATE_V1_SAVING (1 << 1)
#define VFIO_DEVICE_STATE_V1_RESUMING (1 << 2)
#define VFIO_DEVICE_STATE_MASK \
	(VFIO_DEVICE_STATE_V1_RUNNING | VFIO_DEVICE_STATE_V1_SAVING | \
	 VFIO_DEVICE_STATE_V1_RESUMING)
/* RESUMING may not be combined with another bit. */
#define VFIO_DEVICE_STATE_VALID(state) \
	(((state) & VFIO_DEVICE_STATE_V1_RESUMING) \
		 ? (((state) & VFIO_DEVICE_STATE_MASK) == VFIO_DEVICE_STATE_V1_RESUMING) \
		 : 1)
/* SAVING|RESUMING together encode the error state. */
#define VFIO_DEVICE_STATE_IS_ERROR(state) \
	(((state) & VFIO_DEVICE_STATE_MASK) == \
	 (VFIO_DEVICE_STATE_V1_SAVING | VFIO_DEVICE_STATE_V1_RESUMING))
#define VFIO_DEVICE_STATE_SET_ERROR(state) \
	(((state) & ~VFIO_DEVICE_STATE_MASK) | VFIO_DEVICE_STATE_V1_SAVING | \
	 VFIO_DEVICE_STATE_V1_RESUMING)
	__u32 reserved;
	__aligned_u64 pending_bytes;
	__aligned_u64 data_offset;
	__aligned_u64 data_size;
};

/* Region capability 3 (header only): the MSI-X BAR may be mmapped whole. */
#define VFIO_REGION_INFO_CAP_MSIX_MAPPABLE 3

/* Region capabilities 4 and 5: POWER NVLink2, no longer provided. */
#define VFIO_REGION_INFO_CAP_NVLINK2_SSATGT 4
struct vfio_region_info_cap_nvlink2_ssatgt {
	struct vfio_info_cap_header header;
	__aligned_u64 tgt;
};
#define VFIO_REGION_INFO_CAP_NVLINK2_LNKSPD 5
struct vfio_region_info_cap_nvlink2_lnkspd {
	struct vfio_info_cap_header header;
	__u32 link_speed;
	__u32 __pad;
};

/* ---- VFIO_DEVICE_GET_IRQ_INFO (n = 9), VFIO_DEVICE_SET_IRQS (n = 10) ---- */
struct vfio_irq_info {
	__u32 argsz;
	__u32 flags;
#define VFIO_IRQ_INFO_EVENTFD (1 << 0)
#define VFIO_IRQ_INFO_MASKABLE (1 << 1)
#define VFIO_IRQ_INFO_AUTOMASKED (1 << 2)
#define VFIO_IRQ_INFO_NORESIZE (1 << 3)
	__u32 index;
	__u32 count;
};
#define VFIO_DEVICE_GET_IRQ_INFO _IO(VFIO_TYPE, VFIO_BASE + 9)

struct vfio_irq_set {
	__u32 argsz;
	__u32 flags;
#define VFIO_IRQ_SET_DATA_NONE (1 << 0)
#define VFIO_IRQ_SET_DATA_BOOL (1 << 1) /* data[]: count x __u8 */
#define VFIO_IRQ_SET_DATA_EVENTFD (1 << 2) /* data[]: count x __s32, -1 unassigns */
#define VFIO_IRQ_SET_ACTION_MASK (1 << 3)
#define VFIO_IRQ_SET_ACTION_UNMASK (1 << 4)
#define VFIO_IRQ_SET_ACTION_TRIGGER (1 << 5)
	__u32 index;
	__u32 start;
	__u32 count;
	__extension__ __u8 data[];
};
#define VFIO_DEVICE_SET_IRQS _IO(VFIO_TYPE, VFIO_BASE + 10)

#define VFIO_IRQ_SET_DATA_TYPE_MASK \
	(VFIO_IRQ_SET_DATA_NONE | VFIO_IRQ_SET_DATA_BOOL | VFIO_IRQ_SET_DATA_EVENTFD)
#define VFIO_IRQ_SET_ACTION_TYPE_MASK \
	(VFIO_IRQ_SET_ACTION_MASK | VFIO_IRQ_SET_ACTION_UNMASK | \
	 VFIO_IRQ_SET_ACTION_TRIGGER)

/* ---- VFIO_DEVICE_RESET (n = 11) ---- */
#define VFIO_DEVICE_RESET _IO(VFIO_TYPE, VFIO_BASE + 11)

/* vfio-pci's fixed region indexes; >= NUM_REGIONS are described by CAP_TYPE. */
enum {
	VFIO_PCI_BAR0_REGION_INDEX = 0,
	VFIO_PCI_BAR1_REGION_INDEX = 1,
	VFIO_PCI_BAR2_REGION_INDEX = 2,
	VFIO_PCI_BAR3_REGION_INDEX = 3,
	VFIO_PCI_BAR4_REGION_INDEX = 4,
	VFIO_PCI_BAR5_REGION_INDEX = 5,
	VFIO_PCI_ROM_REGION_INDEX = 6,
	VFIO_PCI_CONFIG_REGION_INDEX = 7,
	VFIO_PCI_VGA_REGION_INDEX = 8, /* legacy VGA I/O and MMIO at identity offsets */
	VFIO_PCI_NUM_REGIONS = 9,
};

/* vfio-pci's irq indexes. */
enum {
	VFIO_PCI_INTX_IRQ_INDEX = 0,
	VFIO_PCI_MSI_IRQ_INDEX = 1,
	VFIO_PCI_MSIX_IRQ_INDEX = 2,
	VFIO_PCI_ERR_IRQ_INDEX = 3,
	VFIO_PCI_REQ_IRQ_INDEX = 4,
	VFIO_PCI_NUM_IRQS = 5,
};

/* vfio-ccw's indexes (kept so no 6.1 name goes missing). */
enum {
	VFIO_CCW_CONFIG_REGION_INDEX = 0,
	VFIO_CCW_NUM_REGIONS = 1,
};
enum {
	VFIO_CCW_IO_IRQ_INDEX = 0,
	VFIO_CCW_CRW_IRQ_INDEX = 1,
	VFIO_CCW_REQ_IRQ_INDEX = 2,
	VFIO_CCW_NUM_IRQS = 3,
};

/* ---- Hot reset (n = 12 info, n = 13 reset) ---- */
struct vfio_pci_dependent_device {
	/* group_id on group-obtained fds, devid on cdev fds (FLAG_DEV_ID) */
	__extension__ union {
		__u32 group_id;
		__u32 devid;
	};
	__u16 segment;
	__u8 bus;
	__u8 devfn;
};

struct vfio_pci_hot_reset_info {
	__u32 argsz;
	__u32 flags;
	__u32 count;
	__extension__ struct vfio_pci_dependent_device devices[];
};
#define VFIO_DEVICE_GET_PCI_HOT_RESET_INFO _IO(VFIO_TYPE, VFIO_BASE + 12)

struct vfio_pci_hot_reset {
	__u32 argsz;
	__u32 flags;
	__u32 count;
	__extension__ __s32 group_fds[];
};
#define VFIO_DEVICE_PCI_HOT_RESET _IO(VFIO_TYPE, VFIO_BASE + 13)

/* ---- Mediated graphics (n = 14, 15): ENOTTY on vfio-pci ---- */
struct vfio_device_gfx_plane_info {
	__u32 argsz;
	__u32 flags;
#define VFIO_GFX_PLANE_TYPE_PROBE (1 << 0)
#define VFIO_GFX_PLANE_TYPE_DMABUF (1 << 1)
#define VFIO_GFX_PLANE_TYPE_REGION (1 << 2)
	__u32 drm_plane_type;
	__u32 drm_format;
	__aligned_u64 drm_format_mod;
	__u32 width;
	__u32 height;
	__u32 stride;
	__u32 size;
	__u32 x_pos;
	__u32 y_pos;
	__u32 x_hot;
	__u32 y_hot;
	__extension__ union {
		__u32 region_index;
		__u32 dmabuf_id;
	};
	__u32 reserved; /* explicit tail padding in newer headers */
};
#define VFIO_DEVICE_QUERY_GFX_PLANE _IO(VFIO_TYPE, VFIO_BASE + 14)
#define VFIO_DEVICE_GET_GFX_DMABUF _IO(VFIO_TYPE, VFIO_BASE + 15)

/* ---- VFIO_DEVICE_IOEVENTFD (n = 16) ---- */
struct vfio_device_ioeventfd {
	__u32 argsz;
	__u32 flags; /* exactly one width bit */
#define VFIO_DEVICE_IOEVENTFD_8 (1 << 0)
#define VFIO_DEVICE_IOEVENTFD_16 (1 << 1)
#define VFIO_DEVICE_IOEVENTFD_32 (1 << 2)
#define VFIO_DEVICE_IOEVENTFD_64 (1 << 3)
#define VFIO_DEVICE_IOEVENTFD_SIZE_MASK (0xf)
	__aligned_u64 offset; /* device fd offset written to */
	__aligned_u64 data;
	__s32 fd; /* -1 removes */
	__u32 reserved;
};
#define VFIO_DEVICE_IOEVENTFD _IO(VFIO_TYPE, VFIO_BASE + 16)

#endif /* !SOFTVFIO_UAPI_VFIO_SYSTEM */

/*
 * Additions after 6.1. Each block keys on a macro that came with it, so a
 * newer system header that already has it wins.
 */

#ifndef VFIO_DEVICE_FLAGS_CDX
#define VFIO_DEVICE_FLAGS_CDX (1 << 8)
#endif

/* Device info capability 5: PCIe AtomicOp completion widths to the root. */
#ifndef VFIO_DEVICE_INFO_CAP_PCI_ATOMIC_COMP
#define VFIO_DEVICE_INFO_CAP_PCI_ATOMIC_COMP 5
struct vfio_device_info_cap_pci_atomic_comp {
	struct vfio_info_cap_header header;
	__u32 flags;
#define VFIO_PCI_ATOMIC_COMP32 (1 << 0)
#define VFIO_PCI_ATOMIC_COMP64 (1 << 1)
#define VFIO_PCI_ATOMIC_COMP128 (1 << 2)
	__u32 reserved;
};
#endif

/* Hot reset on cdev fds: devices[] carries devids (6.5). */
#ifndef VFIO_PCI_HOT_RESET_FLAG_DEV_ID
#define VFIO_PCI_HOT_RESET_FLAG_DEV_ID (1 << 0)
#endif
#ifndef VFIO_PCI_HOT_RESET_FLAG_DEV_ID_OWNED
#define VFIO_PCI_HOT_RESET_FLAG_DEV_ID_OWNED (1 << 1)
#endif
#ifndef VFIO_PCI_DEVID_OWNED
#define VFIO_PCI_DEVID_OWNED 0
#endif
#ifndef VFIO_PCI_DEVID_NOT_OWNED
#define VFIO_PCI_DEVID_NOT_OWNED (-1)
#endif

/* ---- cdev binding (n = 18, 19, 20; cdev fds only) ---- */
#ifndef VFIO_DEVICE_BIND_IOMMUFD
struct vfio_device_bind_iommufd {
	__u32 argsz;
	__u32 flags;
	__s32 iommufd;
	__u32 out_devid;
	__aligned_u64 token_uuid_ptr; /* 16-byte VF token when FLAG_TOKEN */
};
#define VFIO_DEVICE_BIND_IOMMUFD _IO(VFIO_TYPE, VFIO_BASE + 18)
#endif
#ifndef VFIO_DEVICE_BIND_FLAG_TOKEN
#define VFIO_DEVICE_BIND_FLAG_TOKEN (1 << 0)
#endif

#ifndef VFIO_DEVICE_ATTACH_IOMMUFD_PT
struct vfio_device_attach_iommufd_pt {
	__u32 argsz;
	__u32 flags;
	__u32 pt_id; /* in: IOAS or HWPT id; out: the HWPT attached */
	__u32 pasid;
};
#define VFIO_DEVICE_ATTACH_IOMMUFD_PT _IO(VFIO_TYPE, VFIO_BASE + 19)
#endif
#ifndef VFIO_DEVICE_ATTACH_PASID
#define VFIO_DEVICE_ATTACH_PASID (1 << 0)
#endif

#ifndef VFIO_DEVICE_DETACH_IOMMUFD_PT
struct vfio_device_detach_iommufd_pt {
	__u32 argsz;
	__u32 flags;
	__u32 pasid;
};
#define VFIO_DEVICE_DETACH_IOMMUFD_PT _IO(VFIO_TYPE, VFIO_BASE + 20)
#endif
#ifndef VFIO_DEVICE_DETACH_PASID
#define VFIO_DEVICE_DETACH_PASID (1 << 0)
#endif

/*
 * ---- VFIO_DEVICE_PCI_DMABUF_REVOKE (n = 22, 0x3B7A) ----
 * Series v2 (and RFC v2, v1) only; v3+ made REVOKE feature 13. Permanently
 * revokes a DMABUF this device exported. Never merged: every other profile
 * answers ENOTTY, like any device ioctl vfio-pci does not know.
 */
#ifndef VFIO_DEVICE_PCI_DMABUF_REVOKE
struct vfio_pci_dmabuf_revoke {
	__u32 argsz; /* < 8 -> EINVAL */
	__s32 dmabuf_fd; /* __u32 before series v2 */
};
#define VFIO_DEVICE_PCI_DMABUF_REVOKE _IO(VFIO_TYPE, VFIO_BASE + 22)
#endif

/*
 * vfio-pci's device fd offset encoding, under the kernel's names. Kernel-
 * internal, not uAPI (clients should use region_info.offset), but clients
 * hard-code it and the model uses it (docs/semantics.md §2.3).
 */
#ifndef VFIO_PCI_OFFSET_SHIFT
#define VFIO_PCI_OFFSET_SHIFT 40
#define VFIO_PCI_OFFSET_TO_INDEX(off) ((off) >> VFIO_PCI_OFFSET_SHIFT)
#define VFIO_PCI_INDEX_TO_OFFSET(index) ((0ULL + (index)) << VFIO_PCI_OFFSET_SHIFT)
#define VFIO_PCI_OFFSET_MASK ((1ULL << VFIO_PCI_OFFSET_SHIFT) - 1)
#endif

/* ---- Layout: docs/semantics.md §2.3, docs/semantics-client.md §3.3 ---- */
#if !SOFTVFIO_UAPI_VFIO_SYSTEM
SOFTVFIO_UAPI_SIZE(struct vfio_device_info, 24);
SOFTVFIO_UAPI_OFFSET(struct vfio_device_info, pad, 20);
#else
SOFTVFIO_UAPI_ASSERT(sizeof(struct vfio_device_info) == 24 ||
			     sizeof(struct vfio_device_info) == 20,
		     "vfio_device_info is 24 bytes, 20 in 6.1-era headers");
#endif
SOFTVFIO_UAPI_OFFSET(struct vfio_device_info, argsz, 0);
SOFTVFIO_UAPI_OFFSET(struct vfio_device_info, flags, 4);
SOFTVFIO_UAPI_OFFSET(struct vfio_device_info, num_regions, 8);
SOFTVFIO_UAPI_OFFSET(struct vfio_device_info, num_irqs, 12);
SOFTVFIO_UAPI_OFFSET(struct vfio_device_info, cap_offset, 16);

SOFTVFIO_UAPI_SIZE(struct vfio_device_info_cap_pci_atomic_comp, 16);
SOFTVFIO_UAPI_OFFSET(struct vfio_device_info_cap_pci_atomic_comp, flags, 8);
SOFTVFIO_UAPI_OFFSET(struct vfio_device_info_cap_pci_atomic_comp, reserved, 12);

SOFTVFIO_UAPI_SIZE(struct vfio_region_info, 32);
SOFTVFIO_UAPI_OFFSET(struct vfio_region_info, argsz, 0);
SOFTVFIO_UAPI_OFFSET(struct vfio_region_info, flags, 4);
SOFTVFIO_UAPI_OFFSET(struct vfio_region_info, index, 8);
SOFTVFIO_UAPI_OFFSET(struct vfio_region_info, cap_offset, 12);
SOFTVFIO_UAPI_OFFSET(struct vfio_region_info, size, 16);
SOFTVFIO_UAPI_OFFSET(struct vfio_region_info, offset, 24);

SOFTVFIO_UAPI_SIZE(struct vfio_region_sparse_mmap_area, 16);
SOFTVFIO_UAPI_OFFSET(struct vfio_region_sparse_mmap_area, offset, 0);
SOFTVFIO_UAPI_OFFSET(struct vfio_region_sparse_mmap_area, size, 8);
SOFTVFIO_UAPI_SIZE(struct vfio_region_info_cap_sparse_mmap, 16);
SOFTVFIO_UAPI_OFFSET(struct vfio_region_info_cap_sparse_mmap, header, 0);
SOFTVFIO_UAPI_OFFSET(struct vfio_region_info_cap_sparse_mmap, nr_areas, 8);
SOFTVFIO_UAPI_OFFSET(struct vfio_region_info_cap_sparse_mmap, reserved, 12);
SOFTVFIO_UAPI_OFFSET(struct vfio_region_info_cap_sparse_mmap, areas, 16);
SOFTVFIO_UAPI_SIZE(struct vfio_region_info_cap_type, 16);
SOFTVFIO_UAPI_OFFSET(struct vfio_region_info_cap_type, type, 8);
SOFTVFIO_UAPI_OFFSET(struct vfio_region_info_cap_type, subtype, 12);

SOFTVFIO_UAPI_SIZE(struct vfio_irq_info, 16);
SOFTVFIO_UAPI_OFFSET(struct vfio_irq_info, flags, 4);
SOFTVFIO_UAPI_OFFSET(struct vfio_irq_info, index, 8);
SOFTVFIO_UAPI_OFFSET(struct vfio_irq_info, count, 12);
SOFTVFIO_UAPI_SIZE(struct vfio_irq_set, 20);
SOFTVFIO_UAPI_OFFSET(struct vfio_irq_set, flags, 4);
SOFTVFIO_UAPI_OFFSET(struct vfio_irq_set, index, 8);
SOFTVFIO_UAPI_OFFSET(struct vfio_irq_set, start, 12);
SOFTVFIO_UAPI_OFFSET(struct vfio_irq_set, count, 16);
SOFTVFIO_UAPI_OFFSET(struct vfio_irq_set, data, 20);

SOFTVFIO_UAPI_SIZE(struct vfio_pci_dependent_device, 8);
SOFTVFIO_UAPI_OFFSET(struct vfio_pci_dependent_device, group_id, 0);
SOFTVFIO_UAPI_OFFSET(struct vfio_pci_dependent_device, segment, 4);
SOFTVFIO_UAPI_OFFSET(struct vfio_pci_dependent_device, bus, 6);
SOFTVFIO_UAPI_OFFSET(struct vfio_pci_dependent_device, devfn, 7);
SOFTVFIO_UAPI_SIZE(struct vfio_pci_hot_reset_info, 12);
SOFTVFIO_UAPI_OFFSET(struct vfio_pci_hot_reset_info, count, 8);
SOFTVFIO_UAPI_OFFSET(struct vfio_pci_hot_reset_info, devices, 12);
SOFTVFIO_UAPI_SIZE(struct vfio_pci_hot_reset, 12);
SOFTVFIO_UAPI_OFFSET(struct vfio_pci_hot_reset, count, 8);
SOFTVFIO_UAPI_OFFSET(struct vfio_pci_hot_reset, group_fds, 12);

SOFTVFIO_UAPI_SIZE(struct vfio_device_ioeventfd, 32);
SOFTVFIO_UAPI_OFFSET(struct vfio_device_ioeventfd, offset, 8);
SOFTVFIO_UAPI_OFFSET(struct vfio_device_ioeventfd, data, 16);
SOFTVFIO_UAPI_OFFSET(struct vfio_device_ioeventfd, fd, 24);

#if !SOFTVFIO_UAPI_VFIO_SYSTEM
SOFTVFIO_UAPI_OFFSET(struct vfio_pci_dependent_device, devid, 0);
SOFTVFIO_UAPI_OFFSET(struct vfio_device_ioeventfd, reserved, 28);
SOFTVFIO_UAPI_SIZE(struct vfio_device_bind_iommufd, 24);
SOFTVFIO_UAPI_OFFSET(struct vfio_device_bind_iommufd, token_uuid_ptr, 16);
SOFTVFIO_UAPI_SIZE(struct vfio_device_attach_iommufd_pt, 16);
SOFTVFIO_UAPI_OFFSET(struct vfio_device_attach_iommufd_pt, pasid, 12);
SOFTVFIO_UAPI_SIZE(struct vfio_device_detach_iommufd_pt, 12);
SOFTVFIO_UAPI_OFFSET(struct vfio_device_detach_iommufd_pt, pasid, 8);
#else
/* A newer system header may predate the token and pasid fields. */
SOFTVFIO_UAPI_ASSERT(sizeof(struct vfio_device_bind_iommufd) == 24 ||
			     sizeof(struct vfio_device_bind_iommufd) == 16,
		     "vfio_device_bind_iommufd is 24 bytes (16 before token)");
SOFTVFIO_UAPI_ASSERT(sizeof(struct vfio_device_attach_iommufd_pt) == 16 ||
			     sizeof(struct vfio_device_attach_iommufd_pt) == 12,
		     "vfio_device_attach_iommufd_pt is 16 bytes (12 before pasid)");
SOFTVFIO_UAPI_ASSERT(sizeof(struct vfio_device_detach_iommufd_pt) == 12 ||
			     sizeof(struct vfio_device_detach_iommufd_pt) == 8,
		     "vfio_device_detach_iommufd_pt is 12 bytes (8 before pasid)");
#endif
SOFTVFIO_UAPI_OFFSET(struct vfio_device_bind_iommufd, flags, 4);
SOFTVFIO_UAPI_OFFSET(struct vfio_device_bind_iommufd, iommufd, 8);
SOFTVFIO_UAPI_OFFSET(struct vfio_device_bind_iommufd, out_devid, 12);
SOFTVFIO_UAPI_OFFSET(struct vfio_device_attach_iommufd_pt, flags, 4);
SOFTVFIO_UAPI_OFFSET(struct vfio_device_attach_iommufd_pt, pt_id, 8);
SOFTVFIO_UAPI_OFFSET(struct vfio_device_detach_iommufd_pt, flags, 4);

/* docs/semantics.md §1.4, §2.5 (series v2) */
SOFTVFIO_UAPI_SIZE(struct vfio_pci_dmabuf_revoke, 8);
SOFTVFIO_UAPI_OFFSET(struct vfio_pci_dmabuf_revoke, argsz, 0);
SOFTVFIO_UAPI_OFFSET(struct vfio_pci_dmabuf_revoke, dmabuf_fd, 4);

#endif /* SOFTVFIO_UAPI_VFIO_DEVICE_H */
