/* SPDX-License-Identifier: MIT */
#include "vfio/pci/eventfd.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <unistd.h>

#include "base/fault_injection.h"
#include "base/host_process.h"

namespace softvfio::vfio {

/* The fd is the calling process's: another process's when the session
 * kernel serves it (base/host_process.h). */
Result<std::shared_ptr<EventfdRef>> EventfdRef::get(int fd)
{
	if (fd < 0)
		return err(EBADF);
	HostProcess &caller = current_host();
	auto link = caller.fd_link(fd);
	if (!link)
		return err(link.error());
	if (*link != "anon_inode:[eventfd]")
		return err(EINVAL);
	if (int e = fault_check(FaultPoint::EventfdRef))
		return err(e);
	auto copy = caller.take_fd(fd);
	if (!copy)
		return err(copy.error());
	return std::shared_ptr<EventfdRef>(new EventfdRef(std::move(*copy)));
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
