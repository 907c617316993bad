/* SPDX-License-Identifier: MIT */
/*
 * The softvfio C++ client library: one API over the real kernel's VFIO and
 * the software device (docs/client.md).
 */
#pragma once

#include <softvfio/client/backend.h>
#include <softvfio/client/device.h>
#include <softvfio/client/dma_buf.h>
#include <softvfio/client/dma_mapping.h>
#include <softvfio/client/irqs.h>
#include <softvfio/client/mapping.h>
#include <softvfio/client/region.h>
#include <softvfio/client/result.h>
#include <softvfio/client/safe_access.h>
#include <softvfio/client/uapi_values.h>
