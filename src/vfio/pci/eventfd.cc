/* SPDX-License-Identifier: MIT */
#include "vfio/pci/eventfd.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <unistd.h>

#include "base/fault_injection.h"

namespace softvfio::vfio {

namespace {

bool is_eventfd(int fd)
{
	char path[64], target[64];
	std::snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	ssize_t n = ::readlink(path, target, sizeof(target) - 1);
	if (n < 0)
		return false;
	target[n] = '\0';
	return std::strcmp(target, "anon_inode:[eventfd]") == 0;
}

} /* namespace */

Result<std::shared_ptr<EventfdRef>> EventfdRef::get(int fd)
{
	if (fd < 0 || ::fcntl(fd, F_GETFD) < 0)
		return err(EBADF);
	if (!is_eventfd(fd))
		return err(EINVAL);
	if (int e = fault_check(FaultPoint::EventfdRef))
		return err(e);
	UniqueFD copy(::fcntl(fd, F_DUPFD_CLOEXEC, 0));
	if (!copy)
		return err(errno);
	return std::shared_ptr<EventfdRef>(new EventfdRef(std::move(copy)));
}

void EventfdRef::signal() const
{
	uint64_t one = 1;
	/* A counter at its maximum would block; the kernel's eventfd_signal
	 * saturates instead, so a failed non-blocking write is fine. */
	ssize_t r = ::write(fd_.get(), &one, sizeof(one));
	(void)r;
}

} /* namespace softvfio::vfio */
