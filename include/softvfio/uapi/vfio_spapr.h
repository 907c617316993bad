/* SPDX-License-Identifier: MIT */
/*
 * VFIO uAPI, part 5: the sPAPR TCE IOMMU and EEH ioctls (POWER only). The
 * model does not implement them; they are here so that including this
 * header before <linux/vfio.h> (which it then hides) loses no name. They
 * reuse container ioctl numbers 12 and 15..21 (docs/semantics-client.md §3.1).
 * Included by <softvfio/uapi/vfio.h> only.
 */
#ifndef SOFTVFIO_UAPI_VFIO_SPAPR_H
#define SOFTVFIO_UAPI_VFIO_SPAPR_H

#ifndef SOFTVFIO_UAPI_VFIO_H
#error "include <softvfio/uapi/vfio.h>, not its parts"
#endif

#if !SOFTVFIO_UAPI_VFIO_SYSTEM

/* Dynamic DMA window limits. */
struct vfio_iommu_spapr_tce_ddw_info {
	__u64 pgsizes;
	__u32 max_dynamic_windows_supported;
	__u32 levels;
};

struct vfio_iommu_spapr_tce_info {
	__u32 argsz;
	__u32 flags;
#define VFIO_IOMMU_SPAPR_INFO_DDW (1 << 0) /* ddw is valid */
	__u32 dma32_window_start; /* PCI bus address */
	__u32 dma32_window_size;
	struct vfio_iommu_spapr_tce_ddw_info ddw;
};
#define VFIO_IOMMU_SPAPR_TCE_GET_INFO _IO(VFIO_TYPE, VFIO_BASE + 12)

/* EEH (Enhanced Error Handling) on a partitionable endpoint. */
struct vfio_eeh_pe_err {
	__u32 type;
	__u32 func;
	__u64 addr;
	__u64 mask;
};

struct vfio_eeh_pe_op {
	__u32 argsz;
	__u32 flags;
	__u32 op;
	__extension__ union {
		struct vfio_eeh_pe_err err; /* for VFIO_EEH_PE_INJECT_ERR */
	};
};

#define VFIO_EEH_PE_DISABLE 0
#define VFIO_EEH_PE_ENABLE 1
#define VFIO_EEH_PE_UNFREEZE_IO 2
#define VFIO_EEH_PE_UNFREEZE_DMA 3
#define VFIO_EEH_PE_GET_STATE 4 /* returns one of the states below */
#define VFIO_EEH_PE_STATE_NORMAL 0
#define VFIO_EEH_PE_STATE_RESET 1
#define VFIO_EEH_PE_STATE_STOPPED 2
#define VFIO_EEH_PE_STATE_STOPPED_DMA 4
#define VFIO_EEH_PE_STATE_UNAVAIL 5
#define VFIO_EEH_PE_RESET_DEACTIVATE 5
#define VFIO_EEH_PE_RESET_HOT 6
#define VFIO_EEH_PE_RESET_FUNDAMENTAL 7
#define VFIO_EEH_PE_CONFIGURE 8
#define VFIO_EEH_PE_INJECT_ERR 9
#define VFIO_EEH_PE_OP _IO(VFIO_TYPE, VFIO_BASE + 21)

/* Pre-register (pin) memory for TCE v2. */
struct vfio_iommu_spapr_register_memory {
	__u32 argsz;
	__u32 flags;
	__u64 vaddr;
	__u64 size;
};
#define VFIO_IOMMU_SPAPR_REGISTER_MEMORY _IO(VFIO_TYPE, VFIO_BASE + 17)
#define VFIO_IOMMU_SPAPR_UNREGISTER_MEMORY _IO(VFIO_TYPE, VFIO_BASE + 18)

struct vfio_iommu_spapr_tce_create {
	__u32 argsz;
	__u32 flags;
	__u32 page_shift; /* in */
	__u32 __resv1;
	__u64 window_size; /* in */
	__u32 levels; /* in */
	__u32 __resv2;
	__u64 start_addr; /* out */
};
#define VFIO_IOMMU_SPAPR_TCE_CREATE _IO(VFIO_TYPE, VFIO_BASE + 19)

struct vfio_iommu_spapr_tce_remove {
	__u32 argsz;
	__u32 flags;
	__u64 start_addr;
};
#define VFIO_IOMMU_SPAPR_TCE_REMOVE _IO(VFIO_TYPE, VFIO_BASE + 20)

#endif /* !SOFTVFIO_UAPI_VFIO_SYSTEM */

/* ---- Layout (kernel facts; not in the specs) ---- */
SOFTVFIO_UAPI_SIZE(struct vfio_iommu_spapr_tce_ddw_info, 16);
SOFTVFIO_UAPI_SIZE(struct vfio_iommu_spapr_tce_info, 32);
SOFTVFIO_UAPI_OFFSET(struct vfio_iommu_spapr_tce_info, ddw, 16);
SOFTVFIO_UAPI_SIZE(struct vfio_eeh_pe_err, 24);
SOFTVFIO_UAPI_SIZE(struct vfio_iommu_spapr_register_memory, 24);
SOFTVFIO_UAPI_SIZE(struct vfio_iommu_spapr_tce_create, 40);
SOFTVFIO_UAPI_OFFSET(struct vfio_iommu_spapr_tce_create, start_addr, 32);
SOFTVFIO_UAPI_SIZE(struct vfio_iommu_spapr_tce_remove, 16);
#if SOFTVFIO_UAPI_LP64
SOFTVFIO_UAPI_SIZE(struct vfio_eeh_pe_op, 40);
SOFTVFIO_UAPI_OFFSET(struct vfio_eeh_pe_op, err, 16);
#endif

#endif /* SOFTVFIO_UAPI_VFIO_SPAPR_H */
