/* SPDX-License-Identifier: MIT */
/*
 * Spec values and layouts with the system headers included first: the 6.1
 * names come from them, everything newer from softvfio's headers.
 */
#include <linux/dma-buf.h>
#include <linux/vfio.h>

#include <softvfio/uapi/dma-buf.h>
#include <softvfio/uapi/iommufd.h>
#include <softvfio/uapi/vfio.h>

#define SUITE(name) name##SystemFirst
#include "layout.inc"
#include "spec_values.inc"
