/* SPDX-License-Identifier: MIT */
/*
 * softvfio's own definition of the VFIO uAPI (<linux/vfio.h>), written from
 * docs/semantics.md §2 and docs/semantics-client.md §3.1-§3.3. Names, values
 * and layouts are the kernel's; the text is not. Pure C11/C++20.
 *
 * Besides what Debian 12's 6.1 header has, it defines the later upstream
 * additions the specs use (cdev/iommufd device ioctls, PCI_ATOMIC_COMP,
 * feature indexes 9..12 with 11 = DMA_BUF from 6.19) and the proposals of
 * the series "vfio/pci: Add mmap() for DMABUFs": REVOKE and MEMATTR
 * (features 13/14 in v3/v4) and v2's device ioctl
 * VFIO_DEVICE_PCI_DMABUF_REVOKE. It also carries the 6.1 names the model
 * has no use for (sPAPR, EEH, CCW, mdev graphics, v1 migration), so that
 * hiding the system header loses nothing.
 *
 * Coexistence with the system header, in either include order:
 *
 *  - This header first: it defines everything (with the newest layouts) and
 *    also the system header's include guards (VFIO_H as installed,
 *    _UAPIVFIO_H in the kernel tree), so a later <linux/vfio.h> is a no-op.
 *  - <linux/vfio.h> first (6.1 or newer): the 6.1 content is taken from it,
 *    and each later addition is guarded by a sentinel macro introduced with
 *    it, so only what the system header lacks is added. Structs then keep the
 *    system header's layout (6.1: vfio_device_info without pad, ...), which
 *    SOFTVFIO_UAPI_VFIO_SYSTEM lets code detect.
 *
 * Only the parts of this directory are included here; never include a part
 * on its own.
 */
#ifndef SOFTVFIO_UAPI_VFIO_H
#define SOFTVFIO_UAPI_VFIO_H

#include <linux/ioctl.h>
#include <linux/types.h>

#include "layout_check.h"

#if defined(VFIO_H) || defined(_UAPIVFIO_H)
/* A system <linux/vfio.h> was included first; it provides the 6.1 set. */
#define SOFTVFIO_UAPI_VFIO_SYSTEM 1
#else
#define SOFTVFIO_UAPI_VFIO_SYSTEM 0
#define VFIO_H
#define _UAPIVFIO_H
#endif

SOFTVFIO_UAPI_BEGIN
#include "vfio_base.h"
#include "vfio_device.h"
#include "vfio_feature.h"
#include "vfio_iommu_type1.h"
#include "vfio_spapr.h"
SOFTVFIO_UAPI_END

#endif /* SOFTVFIO_UAPI_VFIO_H */
