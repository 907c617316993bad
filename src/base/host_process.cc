/* SPDX-License-Identifier: MIT */
#include "base/host_process.h"

#include <cerrno>
#include <cstdio>
#include <fcntl.h>
#include <unistd.h>

#include "base/user_copy.h"

namespace softvfio {

namespace {

/* The model's own process: its memory through the fault-safe copies, its
 * fds directly. */
class SelfProcess final : public HostProcess
{
public:
	bool is_self() const override { return true; }
	pid_t pid() const override { return ::getpid(); }

	Result<void> read_memory(void *dst, uintptr_t src, size_t n) override
	{
		return copy_from_user(dst, reinterpret_cast<const void *>(src), n);
	}

	Result<void> write_memory(uintptr_t dst, const void *src, size_t n) override
	{
		return copy_to_user(reinterpret_cast<void *>(dst), src, n);
	}

	Result<UniqueFD> take_fd(int fd) override
	{
		if (fd < 0)
			return err(EBADF);
		UniqueFD copy(::fcntl(fd, F_DUPFD_CLOEXEC, 0));
		if (!copy)
			return err(errno);
		return copy;
	}

	Result<FileIdentity> fd_identity(int fd) override { return file_identity(fd); }

	Result<std::string> fd_link(int fd) override
	{
		char path[64], target[256];
		std::snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
		ssize_t n = ::readlink(path, target, sizeof(target) - 1);
		if (n < 0)
			return err(errno == ENOENT ? EBADF : errno);
		return std::string(target, static_cast<size_t>(n));
	}

	std::string proc_file(std::string_view name) const override
	{
		return "/proc/self/" + std::string(name);
	}
};

/* Initial-exec: read on every copy_from_user. */
__thread HostProcess *t_current __attribute__((tls_model("initial-exec"))) = nullptr;

} /* namespace */

std::shared_ptr<HostProcess> self_process_ref()
{
	static const std::shared_ptr<HostProcess> self = std::make_shared<SelfProcess>();
	return self;
}

HostProcess &self_process()
{
	static HostProcess &self = *self_process_ref();
	return self;
}

HostProcess &current_host() noexcept
{
	return t_current ? *t_current : self_process();
}

HostProcess *current_remote_host() noexcept
{
	return t_current;
}

std::shared_ptr<HostProcess> current_remote_host_ref()
{
	return t_current ? t_current->lasting_ref() : nullptr;
}

HostScope::HostScope(HostProcess &host) noexcept : saved_(t_current)
{
	t_current = host.is_self() ? nullptr : &host;
}

HostScope::~HostScope()
{
	t_current = saved_;
}

} /* namespace softvfio */
