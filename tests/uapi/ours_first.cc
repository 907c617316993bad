/* SPDX-License-Identifier: MIT */
/*
 * Coexistence, softvfio first (C++20): our headers define everything and the
 * system guards, so the system includes that follow must be no-ops without
 * any redefinition, and no 6.1 name may go missing (name_table_impl.inc).
 */
#include <softvfio/uapi/dma-buf.h>
#include <softvfio/uapi/iommufd.h>
#include <softvfio/uapi/vfio.h>

#include <linux/dma-buf.h>
#include <linux/vfio.h>
#if __has_include(<linux/iommufd.h>)
#include <linux/iommufd.h>
#endif

static_assert(SOFTVFIO_UAPI_VFIO_SYSTEM == 0, "vfio.h came first");
static_assert(SOFTVFIO_UAPI_DMA_BUF_SYSTEM == 0, "dma-buf.h came first");
static_assert(SOFTVFIO_UAPI_IOMMUFD_SYSTEM == 0, "iommufd.h came first");

#define UAPI_TABLE_FN uapi_table_ours_first_cc
#define UAPI_TABLE_LABEL "softvfio first (C++)"
#define UAPI_VFIO_SYSTEM SOFTVFIO_UAPI_VFIO_SYSTEM
#define UAPI_DMA_BUF_SYSTEM SOFTVFIO_UAPI_DMA_BUF_SYSTEM
#define UAPI_TO_LL(x) static_cast<long long>(x)
#include "name_table_impl.inc"
