/* SPDX-License-Identifier: MIT */
/*
 * ReadAheadHost: a calling process's memory as one call of the kernel
 * reads it, a window at a time.
 *
 * An ioctl reads its argument in pieces, as the kernel's copy_from_user
 * calls do: the header (argsz, flags), then the payload, then the ranges
 * after it. Each read of another process's memory is a process_vm_readv
 * (about half a microsecond here); the first read brings in up to kWindow
 * bytes from the same page, and the reads after it that fall inside are
 * answered from there. Writes go through and update the window, so the
 * call reads back what it wrote. A window lives for one call only: the
 * bytes it holds are the caller's at some moment during the call, which is
 * all a system call promises about memory another thread may change.
 */
#pragma once

#include <cstddef>
#include <cstdint>

#include "base/host_process.h"

namespace softvfio::session {

class ReadAheadHost final : public HostProcessView
{
public:
	explicit ReadAheadHost(HostProcess &inner) : HostProcessView(inner) {}

	Result<void> read_memory(void *dst, uintptr_t src, size_t n) override;
	Result<void> write_memory(uintptr_t dst, const void *src, size_t n) override;

	/* How much one read brings in, at most: ioctl arguments are small. */
	static constexpr size_t kWindow = 256;

private:
	bool covers(uintptr_t at, size_t n) const { return length_ && at >= base_ && at - base_ + n <= length_; }

	uintptr_t base_ = 0;
	size_t length_ = 0;
	unsigned char bytes_[kWindow];
};

} /* namespace softvfio::session */
