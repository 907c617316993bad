/* SPDX-License-Identifier: MIT */
/*
 * InfoCaps: an info ioctl's capability chain (vfio_info_cap).
 *
 * Capabilities are appended 8-byte aligned and chained through `next`;
 * offsets are relative to the chain until placed after the fixed struct,
 * then relative to the struct's start, as userspace walks them.
 */
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include <softvfio/base/result.h>

namespace softvfio::vfio {

class InfoCaps
{
public:
	/* Append a capability of `size` bytes (header included) and return a
	 * pointer to it, header id/version set and the body zeroed. */
	uint8_t *add(size_t size, uint16_t id, uint16_t version);
	size_t size() const { return buf_.size(); }
	bool empty() const { return buf_.empty(); }

	/* Make every `next` relative to a struct of `offset` bytes. */
	void shift(size_t offset);
	const uint8_t *data() const { return buf_.data(); }

	/* The shared tail of GET_INFO and GET_REGION_INFO: with capabilities,
	 * set `caps_flag` in flags; if the user's argsz is too small, grow it
	 * and set cap_offset 0; else copy the chain after the struct and point
	 * cap_offset at it. ENOMEM if building the chain failed. */
	Result<void> place(void *user_arg, size_t struct_size, uint32_t &argsz, uint32_t &flags,
			   uint32_t &cap_offset, uint32_t caps_flag);

private:
	std::vector<uint8_t> buf_;
	int error_ = 0;   /* an allocation failed while building the chain */
};

} /* namespace softvfio::vfio */
