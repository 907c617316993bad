/* SPDX-License-Identifier: MIT */
/* The reference table: Debian's 6.1 headers alone, no softvfio header. */
#include <linux/dma-buf.h>
#include <linux/vfio.h>

#define UAPI_TABLE_FN uapi_table_system_only_c
#define UAPI_TABLE_LABEL "system only (C)"
#define UAPI_VFIO_SYSTEM (-1)
#define UAPI_DMA_BUF_SYSTEM (-1)
#define UAPI_TO_LL(x) ((long long)(x))
#include "name_table_impl.inc"
