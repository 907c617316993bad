/* SPDX-License-Identifier: MIT */
/*
 * /proc/self/pagemap: which pages of a range the real page tables hold, so
 * the model can learn what the program really touched.
 */
#pragma once

#include <cstdint>
#include <vector>

#include <softvfio/base/result.h>

namespace softvfio::mm {

/* One flag per page of [start, end): present (pagemap bit 63). Needs no
 * privilege: only the PFN field is hidden from unprivileged readers. */
Result<std::vector<bool>> present_pages(uintptr_t start, uintptr_t end);

} /* namespace softvfio::mm */
