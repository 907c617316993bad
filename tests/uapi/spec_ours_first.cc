/* SPDX-License-Identifier: MIT */
/*
 * Spec values and layouts with softvfio's headers included first (the
 * system headers after them are then no-ops).
 */
#include <softvfio/uapi/dma-buf.h>
#include <softvfio/uapi/iommufd.h>
#include <softvfio/uapi/vfio.h>

#include <linux/dma-buf.h>
#include <linux/vfio.h>

#define SUITE(name) name##OursFirst
#include "layout.inc"
#include "spec_values.inc"
