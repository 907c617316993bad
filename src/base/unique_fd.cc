/* SPDX-License-Identifier: MIT */
#include <softvfio/base/unique_fd.h>

#include <unistd.h>

namespace softvfio {

void UniqueFD::reset(int fd)
{
	int old = std::exchange(fd_, fd);
	if (old >= 0)
		::close(old);
}

} /* namespace softvfio */
