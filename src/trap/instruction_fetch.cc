/* SPDX-License-Identifier: MIT */
#include "trap/instruction_fetch.h"

#include <cstring>
#include <sys/uio.h>
#include <unistd.h>

namespace softvfio::trap {

namespace {
/* The smallest page x86-64 has: a larger page holding RIP also holds the
 * bytes up to the next 4 KiB boundary, so this bound is always safe. */
constexpr uint64_t kPageSize = 4096;
}

size_t fetch_instruction(uint64_t rip, uint8_t (&out)[kMaxInstructionLength])
{
	uint64_t to_page_end = kPageSize - (rip & (kPageSize - 1));
	size_t here = to_page_end < kMaxInstructionLength ? to_page_end : kMaxInstructionLength;
	std::memcpy(out, reinterpret_cast<const void *>(rip), here);
	if (here == kMaxInstructionLength)
		return here;
	iovec local{out + here, kMaxInstructionLength - here};
	iovec remote{reinterpret_cast<void *>(rip + here), kMaxInstructionLength - here};
	ssize_t more = process_vm_readv(getpid(), &local, 1, &remote, 1, 0);
	return more > 0 ? here + static_cast<size_t>(more) : here;
}

} /* namespace softvfio::trap */
