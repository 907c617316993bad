/* SPDX-License-Identifier: MIT */
#include "base/reentry.h"

namespace softvfio {

__thread unsigned t_model_depth __attribute__((tls_model("initial-exec"))) = 0;

} /* namespace softvfio */
