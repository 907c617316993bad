/* SPDX-License-Identifier: MIT */
/*
 * A process's pagemap: which pages of a range the real page tables hold, so
 * the model can learn what the program really touched.
 */
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <softvfio/base/result.h>

namespace softvfio::mm {

/* One flag per page of [start, end): present (pagemap bit 63), from a
 * process's pagemap file (/proc/self/pagemap, /proc/<pid>/pagemap). Needs
 * no privilege beyond reading the file: only the PFN field is hidden from
 * unprivileged readers. */
Result<std::vector<bool>> present_pages(const std::string &pagemap, uintptr_t start, uintptr_t end);

} /* namespace softvfio::mm */
