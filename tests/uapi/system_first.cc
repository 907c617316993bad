/* SPDX-License-Identifier: MIT */
/*
 * Coexistence, system first (C++20): our headers must see the system guards,
 * add only what 6.1 lacks and redefine nothing.
 */
#include <linux/dma-buf.h>
#include <linux/vfio.h>
#if __has_include(<linux/iommufd.h>)
#include <linux/iommufd.h>
#endif

#include <softvfio/uapi/dma-buf.h>
#include <softvfio/uapi/iommufd.h>
#include <softvfio/uapi/vfio.h>

static_assert(SOFTVFIO_UAPI_VFIO_SYSTEM == 1, "linux/vfio.h came first");
static_assert(SOFTVFIO_UAPI_DMA_BUF_SYSTEM == 1, "linux/dma-buf.h came first");

/* Post-6.1 names are there too, from softvfio. */
static_assert(VFIO_DEVICE_FEATURE_DMA_BUF == 11, "added by softvfio");
static_assert(sizeof(struct vfio_device_feature_dma_buf_memattr) == 8, "added");
static_assert(DMA_BUF_IOCTL_REVOKE == 0x6204, "added by softvfio");
static_assert(VFIO_DEVICE_STATE_PRE_COPY_P2P == 7, "6.1's state enum, extended");

#define UAPI_TABLE_FN uapi_table_system_first_cc
#define UAPI_TABLE_LABEL "system first (C++)"
#define UAPI_VFIO_SYSTEM SOFTVFIO_UAPI_VFIO_SYSTEM
#define UAPI_DMA_BUF_SYSTEM SOFTVFIO_UAPI_DMA_BUF_SYSTEM
#define UAPI_TO_LL(x) static_cast<long long>(x)
#include "name_table_impl.inc"
