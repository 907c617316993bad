/* SPDX-License-Identifier: MIT */
/*
 * KernelCalls: the session kernel's entry points as the interceptors call
 * them, named as softvfio::Kernel names them. Each is one call of the
 * session (session/wire/protocol.h) made through the process's
 * Connection; the shim adds nothing of its own to what they mean.
 *
 * Mapping calls hold the process's mm table (MmTable::Guard) around the
 * call, so the kernel's decisions and the real mappings change together,
 * and then make the real call for the part of the range no emulated
 * mapping covers (Kernel::kForeign: "not mine, do it yourself").
 */
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <softvfio/introspection.h>
#include <softvfio/kernel.h>

#include "session/client/connection.h"
#include "session/wire/protocol.h"

namespace softvfio::shim {

class KernelCalls
{
public:
	explicit KernelCalls(session::Connection &connection) : c_(connection) {}

	session::Connection &connection() { return c_; }

	/* --- nodes and sysfs --- */
	long open(const char *path, int flags);
	std::optional<NodeInfo> node_info(std::string_view path);
	std::vector<std::string> list_nodes(std::string_view dir);
	std::string sysfs_root();
	long sysfs_write(std::string_view path, const void *buf, size_t count);

	/* --- fds: kForeign when `fd` is not the session's --- */
	/* `key`: the fd cache's word for `fd` (its file, for the memo). */
	long ioctl(int fd, uint32_t key, unsigned long cmd, uintptr_t arg);
	/* The answer the process remembers, if it does (Connection's memo). */
	bool ioctl_from_memo(int fd, uint32_t key, unsigned long cmd, uintptr_t arg, long &result) noexcept
	{
		return c_.ioctl_from_memo(fd, key, cmd, arg, result);
	}
	long read(int fd, void *buf, size_t count);
	long write(int fd, const void *buf, size_t count);
	long pread(int fd, void *buf, size_t count, off_t offset);
	long pwrite(int fd, const void *buf, size_t count, off_t offset);
	long lseek(int fd, off_t offset, int whence);
	/* The process closed `fd` (or replaced it): 0. */
	long closed(int fd);
	long closed_range(unsigned first, unsigned last);
	/* Does `fd` stand in for a file of the session? */
	bool owns_fd(int fd);
	/* F_GETFL's access mode bits of the file, or -errno. */
	long access_mode(int fd);
	/* readlink("/proc/self/fd/<fd>") as the kernel shows it. */
	std::optional<std::string> link_name(int fd);

	/* --- memory: the whole range, the foreign part done for real --- */
	long mmap(void *addr, size_t length, int prot, int flags, int fd, off_t offset);
	long munmap(void *addr, size_t length);
	long mremap(void *old_addr, size_t old_length, size_t new_length, int flags, void *new_addr);
	long mprotect(void *addr, size_t length, int prot);
	long madvise(void *addr, size_t length, int advice);
	/* Does [addr, addr + length) touch an emulated mapping? */
	bool owns_address(const void *addr, size_t length = 1);
	bool may_own_address(const void *addr, size_t length = 1) { return c_.mm().may_contain(
		reinterpret_cast<uintptr_t>(addr), length); }

	/* --- introspection --- */
	std::vector<session::wire::MappingData> mappings();
	std::optional<session::wire::BufferData> buffer_of(int fd);
	/* Address ranges of this process's own session machinery (mailbox,
	 * templates), which /proc/self/maps does not show. */
	std::vector<std::pair<uintptr_t, uintptr_t>> hidden_ranges();

private:
	long call(session::wire::Op op, std::initializer_list<int64_t> args, bool mm_held = false);

	session::Connection &c_;
};

} /* namespace softvfio::shim */
