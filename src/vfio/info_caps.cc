/* SPDX-License-Identifier: MIT */
#include "vfio/info_caps.h"

#include <cstring>

#include "base/fault_injection.h"
#include "base/user_copy.h"

namespace softvfio::vfio {

namespace {

/* struct vfio_info_cap_header { u16 id; u16 version; u32 next; } */
constexpr size_t kNextOffset = 4;

uint32_t next_of(const uint8_t *hdr)
{
	uint32_t next;
	std::memcpy(&next, hdr + kNextOffset, sizeof(next));
	return next;
}

void set_next(uint8_t *hdr, uint32_t next) { std::memcpy(hdr + kNextOffset, &next, sizeof(next)); }

} /* namespace */

uint8_t *InfoCaps::add(size_t size, uint16_t id, uint16_t version)
{
	/* A failed kzalloc: the chain is still built (callers fill it in), but
	 * place() answers ENOMEM, as the handler would. */
	if (int e = fault_check(FaultPoint::InfoCapAlloc))
		error_ = e;
	size = (size + 7) & ~size_t(7);
	size_t at = buf_.size();
	buf_.resize(at + size, 0);
	uint8_t *hdr = buf_.data() + at;
	std::memcpy(hdr, &id, sizeof(id));
	std::memcpy(hdr + 2, &version, sizeof(version));
	if (at) {
		size_t tail = 0;
		while (next_of(buf_.data() + tail))
			tail = next_of(buf_.data() + tail);
		set_next(buf_.data() + tail, static_cast<uint32_t>(at));
	}
	return hdr;
}

void InfoCaps::shift(size_t offset)
{
	size_t at = 0;
	for (;;) {
		uint8_t *hdr = buf_.data() + at;
		uint32_t next = next_of(hdr);
		if (!next)
			break;
		set_next(hdr, static_cast<uint32_t>(next + offset));
		at = next;
	}
}

Result<void> InfoCaps::place(void *user_arg, size_t struct_size, uint32_t &argsz, uint32_t &flags,
			     uint32_t &cap_offset, uint32_t caps_flag)
{
	if (error_)
		return err(error_);
	if (empty())
		return {};
	flags |= caps_flag;
	if (argsz < struct_size + size()) {
		argsz = static_cast<uint32_t>(struct_size + size());
		cap_offset = 0;
		return {};
	}
	shift(struct_size);
	SVFIO_TRY(copy_to_user(static_cast<uint8_t *>(user_arg) + struct_size, data(), size()));
	cap_offset = static_cast<uint32_t>(struct_size);
	return {};
}

} /* namespace softvfio::vfio */
