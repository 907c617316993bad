/* SPDX-License-Identifier: MIT */
/* capable(): the calling thread's effective capabilities, as the kernel
 * checks them (CAP_SYS_RAWIO for no-IOMMU groups). */
#pragma once

namespace softvfio::vfio {

bool capable(int cap);

} /* namespace softvfio::vfio */
