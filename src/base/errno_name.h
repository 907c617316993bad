/* SPDX-License-Identifier: MIT */
/*
 * Symbolic errno names ("EINVAL"), for messages, traces and test output.
 */
#pragma once

#include <string>

namespace softvfio {

/* "EINVAL" for 22; "ENOTSUPP" for the kernel-internal 524; "E<n>" otherwise. */
std::string errno_name(int code);

} /* namespace softvfio */
