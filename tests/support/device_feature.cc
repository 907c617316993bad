/* SPDX-License-Identifier: MIT */
#include "support/device_feature.h"

#include <cstring>
#include <vector>

#include <softvfio/uapi/vfio.h>

namespace softvfio::test {

long device_feature(Kernel &k, int fd, uint32_t flags, const void *payload, size_t size)
{
	std::vector<uint8_t> buf(sizeof(vfio_device_feature) + size);
	vfio_device_feature hdr{static_cast<uint32_t>(buf.size()), flags};
	std::memcpy(buf.data(), &hdr, sizeof(hdr));
	if (size)
		std::memcpy(buf.data() + sizeof(hdr), payload, size);
	return k.ioctl(fd, VFIO_DEVICE_FEATURE, buf.data());
}

} /* namespace softvfio::test */
