/* SPDX-License-Identifier: MIT */
/*
 * <softvfio/client/uapi_values.h> names uAPI numbers without including the
 * uAPI headers; a drift between the two would make a driver probe or test
 * the wrong bit, so it is a compile error here.
 */
#include <asm/ioctl.h>

#include <softvfio/client/uapi_values.h>
#include <softvfio/uapi/vfio.h>

namespace softvfio::client {

static_assert(kDeviceFlagReset == VFIO_DEVICE_FLAGS_RESET);
static_assert(kRegionFlagRead == VFIO_REGION_INFO_FLAG_READ);
static_assert(kRegionFlagWrite == VFIO_REGION_INFO_FLAG_WRITE);
static_assert(kRegionFlagMmap == VFIO_REGION_INFO_FLAG_MMAP);
static_assert(kFeatureGet == VFIO_DEVICE_FEATURE_GET);
static_assert(kFeatureSet == VFIO_DEVICE_FEATURE_SET);
static_assert(kFeatureLowPowerEntry == VFIO_DEVICE_FEATURE_LOW_POWER_ENTRY);
static_assert(kFeatureLowPowerExit == VFIO_DEVICE_FEATURE_LOW_POWER_EXIT);
static_assert(kFeatureDmaBuf == VFIO_DEVICE_FEATURE_DMA_BUF);
static_assert(kFeatureDmaBufRevoke == VFIO_DEVICE_FEATURE_DMA_BUF_REVOKE);
static_assert(kFeatureDmaBufMemattr == VFIO_DEVICE_FEATURE_DMA_BUF_MEMATTR);
static_assert(kSeriesV2FeatureDmaBufMemattr == SOFTVFIO_SERIES_V2_FEATURE_DMA_BUF_MEMATTR);
static_assert(kSeriesV2RevokeIoctlNumber == _IOC_NR(VFIO_DEVICE_PCI_DMABUF_REVOKE));

} /* namespace softvfio::client */
