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

class ReadAheadHost final : public HostProcess
{
public:
	explicit ReadAheadHost(HostProcess &inner) : inner_(inner) {}

	bool is_self() const override { return inner_.is_self(); }
	pid_t pid() const override { return inner_.pid(); }
	Result<void> read_memory(void *dst, uintptr_t src, size_t n) override;
	Result<void> write_memory(uintptr_t dst, const void *src, size_t n) override;
	Result<UniqueFD> take_fd(int fd) override { return inner_.take_fd(fd); }
	Result<FileIdentity> fd_identity(int fd) override { return inner_.fd_identity(fd); }
	Result<std::string> fd_link(int fd) override { return inner_.fd_link(fd); }
	std::string proc_file(std::string_view name) const override { return inner_.proc_file(name); }
	/* Not this window, which ends with the call. */
	std::shared_ptr<HostProcess> lasting_ref() override { return inner_.lasting_ref(); }

	/* How much one read brings in, at most: ioctl arguments are small. */
	static constexpr size_t kWindow = 256;

private:
	bool covers(uintptr_t at, size_t n) const { return length_ && at >= base_ && at - base_ + n <= length_; }

	HostProcess &inner_;
	uintptr_t base_ = 0;
	size_t length_ = 0;
	unsigned char bytes_[kWindow];
};

} /* namespace softvfio::session */
