/* SPDX-License-Identifier: MIT */
/*
 * Model diagnostics: the messages the kernel would print (dev_dbg, ratelimited
 * warnings). Silent unless SOFTVFIO_LOG is set in the environment
 * (SOFTVFIO_LOG=warn or =debug); every warning is also counted, so tests can
 * assert that the kernel would have warned.
 */
#pragma once

#include <cstdint>
#include <string_view>

namespace softvfio::log {

enum class Level { Debug, Warning };

void message(Level level, std::string_view text);

/* How many warnings have been issued in this process, printed or not. */
uint64_t warning_count();

} /* namespace softvfio::log */
