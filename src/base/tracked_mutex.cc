/* SPDX-License-Identifier: MIT */
#include "base/tracked_mutex.h"

namespace softvfio {

namespace {

/* Initial-exec, as the fault guard's: one fs-relative access per lock
 * operation, no __tls_get_addr from a shared library. */
__thread unsigned t_held __attribute__((tls_model("initial-exec"))) = 0;

} /* namespace */

unsigned tracked_locks_held() noexcept { return t_held; }

namespace tracked_detail {

void acquired() noexcept { t_held++; }
void released() noexcept { t_held--; }

} /* namespace tracked_detail */

} /* namespace softvfio */
