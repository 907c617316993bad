/* SPDX-License-Identifier: MIT */
/*
 * EventfdRef: the model's reference to a caller's eventfd (the kernel's
 * eventfd_ctx). Taking one dups the fd, so the caller may close theirs and
 * the reference still signals the same eventfd, as in the kernel.
 */
#pragma once

#include <memory>

#include <softvfio/base/result.h>
#include <softvfio/base/unique_fd.h>

namespace softvfio::vfio {

class EventfdRef
{
public:
	/* eventfd_ctx_fdget(): EBADF for a bad fd, EINVAL if it is not an
	 * eventfd. */
	static Result<std::shared_ptr<EventfdRef>> get(int fd);

	/* eventfd_signal(): add 1 to the counter. */
	void signal() const;
	int fd() const { return fd_.get(); }

private:
	explicit EventfdRef(UniqueFD fd) : fd_(std::move(fd)) {}
	UniqueFD fd_;
};

using EventfdPtr = std::shared_ptr<EventfdRef>;

} /* namespace softvfio::vfio */
