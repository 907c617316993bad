/* SPDX-License-Identifier: MIT */
/* VFIO_DEVICE_FEATURE with a payload, through the model, as test programs
 * build it: the header followed by `size` bytes of `payload`. */
#pragma once

#include <cstddef>
#include <cstdint>

#include <softvfio/kernel.h>

namespace softvfio::test {

/* The ioctl's result: >= 0 (a new fd for DMA_BUF), or -errno. */
long device_feature(Kernel &k, int fd, uint32_t flags, const void *payload, size_t size);

} /* namespace softvfio::test */
