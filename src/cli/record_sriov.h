/* SPDX-License-Identifier: MIT */
/*
 * `softvfio record` of an SR-IOV physical function: the [sriov] section
 * (and [sriov.msix]) from the SR-IOV extended capability, the VF BAR
 * apertures in `resource` (lines 7..12), the sriov_* files and, when VFs
 * are enabled, the first VF's config space. Part of record_decode.
 */
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "cli/record_decode.h"

namespace softvfio::cli::record {

/* The capability at `at` (extended config) into rec.desc.sriov, with notes
 * for what the sysfs files say otherwise and left_out lines for what the
 * format cannot say. */
void decode_sriov(const SysfsFunction &fn, uint16_t at, Recording &rec);

/* Without a readable capability (config read short of 4096 bytes): [sriov]
 * from the sriov_* files and `resource` alone, said to be inferred. */
void infer_sriov(const SysfsFunction &fn, Recording &rec);

/* Why a virtual function is not recorded (the format describes a VF only
 * through its PF's [sriov]); nullopt for any other function. */
std::optional<std::string> virtual_function_problem(const SysfsFunction &fn);

} /* namespace softvfio::cli::record */
