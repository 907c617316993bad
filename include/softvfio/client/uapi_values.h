/* SPDX-License-Identifier: MIT */
/*
 * The VFIO uAPI numbers the client's public types and calls speak of, named,
 * so a driver reads `probe_feature(kFeatureDmaBuf, kFeatureGet)` rather than
 * `probe_feature(11, 1u << 16)`. They are the values of the kernel's macros
 * (<softvfio/uapi/vfio.h> has those, for code that builds its own ioctls);
 * this header does not include them, so it pulls no macros into a driver's
 * namespace. src/client checks at compile time that the two agree.
 */
#pragma once

#include <cstdint>

namespace softvfio::client {

/* The sentinel of an fd that does not exist (a moved-from object, a vector
 * out of range). */
inline constexpr int kNoFd = -1;

/* DeviceInfo::flags: VFIO_DEVICE_FLAGS_RESET. */
inline constexpr uint32_t kDeviceFlagReset = 1u << 0;

/* Region::flags: VFIO_REGION_INFO_FLAG_READ, _WRITE, _MMAP. */
inline constexpr uint32_t kRegionFlagRead = 1u << 0;
inline constexpr uint32_t kRegionFlagWrite = 1u << 1;
inline constexpr uint32_t kRegionFlagMmap = 1u << 2;

/* Device::probe_feature's op: VFIO_DEVICE_FEATURE_GET and _SET. */
inline constexpr uint32_t kFeatureGet = 1u << 16;
inline constexpr uint32_t kFeatureSet = 1u << 17;

/* Device::probe_feature's index: the features Features records. */
inline constexpr uint32_t kFeatureLowPowerEntry = 3;
inline constexpr uint32_t kFeatureLowPowerExit = 5;
inline constexpr uint32_t kFeatureDmaBuf = 11;
/* Series v3/v4 (the numbers v2 used differ: below). */
inline constexpr uint32_t kFeatureDmaBufRevoke = 13;
inline constexpr uint32_t kFeatureDmaBufMemattr = 14;
/* Series v2: MEMATTR was feature 13 (with a GET), and REVOKE the device
 * ioctl VFIO_BASE + 122, which no probe can find. */
inline constexpr uint32_t kSeriesV2FeatureDmaBufMemattr = 13;
inline constexpr unsigned kSeriesV2RevokeIoctlNumber = 122;

} /* namespace softvfio::client */
