/* SPDX-License-Identifier: MIT */
/*
 * The whole argument of VFIO_DEVICE_FEATURE_GET | DMA_BUF for one range of
 * a BAR, as a test program passes it to ioctl(): the feature header, the
 * request and its one range. Header-only, for suites that link nothing of
 * the model.
 */
#pragma once

#include <array>
#include <cstdint>
#include <cstring>
#include <fcntl.h>

#include <softvfio/uapi/vfio.h>

namespace softvfio::test {

using DmaBufArg = std::array<unsigned char, sizeof(vfio_device_feature) + sizeof(vfio_device_feature_dma_buf) +
						  sizeof(vfio_region_dma_range)>;

inline DmaBufArg dma_buf_arg(uint32_t bar, uint64_t offset, uint64_t length, uint32_t open_flags = O_RDWR | O_CLOEXEC)
{
	const vfio_device_feature hdr{sizeof(DmaBufArg), VFIO_DEVICE_FEATURE_DMA_BUF | VFIO_DEVICE_FEATURE_GET};
	const vfio_device_feature_dma_buf req{bar, open_flags, 0, 1};
	const vfio_region_dma_range range{offset, length};
	DmaBufArg arg{};
	std::memcpy(arg.data(), &hdr, sizeof(hdr));
	std::memcpy(arg.data() + sizeof(hdr), &req, sizeof(req));
	std::memcpy(arg.data() + sizeof(hdr) + sizeof(req), &range, sizeof(range));
	return arg;
}

} /* namespace softvfio::test */
