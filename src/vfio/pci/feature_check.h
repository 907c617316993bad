/* SPDX-License-Identifier: MIT */
/*
 * vfio_check_feature(): the common first step of every feature handler.
 */
#pragma once

#include <cstddef>
#include <cstdint>

namespace softvfio::vfio {

/* Returns 1 to proceed, 0 for a successful PROBE, or -EINVAL:
 * requested GET/SET bits outside `supported_ops` → -EINVAL; PROBE → 0;
 * neither GET nor SET → -EINVAL; payload shorter than `minsz` → -EINVAL. */
int check_feature(uint32_t flags, size_t payload_argsz, uint32_t supported_ops, size_t minsz);

} /* namespace softvfio::vfio */
