/* SPDX-License-Identifier: MIT */
#include "vfio/capability.h"

#include <linux/capability.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace softvfio::vfio {

bool capable(int cap)
{
	__user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
	__user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3] = {};
	if (::syscall(SYS_capget, &header, data) != 0)
		return false;
	return data[cap / 32].effective & (1u << (cap % 32));
}

} /* namespace softvfio::vfio */
