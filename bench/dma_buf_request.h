/* SPDX-License-Identifier: MIT */
/*
 * The payload of VFIO_DEVICE_FEATURE_GET | DMA_BUF for one range of a BAR,
 * for the in-process benchmarks (bench_setup.h) and those run under
 * `softvfio run` (vfio_uapi.h) alike. Header-only: the latter link no
 * softvfio code.
 */
#pragma once

#include <array>
#include <cstdint>
#include <cstring>
#include <fcntl.h>

#include <softvfio/uapi/vfio.h>

namespace softvfio::bench {

using DmaBufRequest = std::array<unsigned char, sizeof(vfio_device_feature_dma_buf) + sizeof(vfio_region_dma_range)>;

/* [offset, offset + length) of `bar`, opened O_RDWR | O_CLOEXEC. The
 * request ends in a flexible array of ranges: one here. */
inline DmaBufRequest dma_buf_request(unsigned bar, uint64_t offset, uint64_t length)
{
	vfio_device_feature_dma_buf req{};
	req.region_index = bar;
	req.open_flags = O_RDWR | O_CLOEXEC;
	req.nr_ranges = 1;
	vfio_region_dma_range range{offset, length};
	DmaBufRequest p;
	std::memcpy(p.data(), &req, sizeof(req));
	std::memcpy(p.data() + sizeof(req), &range, sizeof(range));
	return p;
}

} /* namespace softvfio::bench */
