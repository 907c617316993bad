/* SPDX-License-Identifier: MIT */
/* Names of PCI capabilities, for `softvfio record`'s comments. */
#pragma once

#include <string>

namespace softvfio::cli::record {

/* As the PCI specifications call them ("Vendor Specific"); "" for an ID
 * without a name. */
std::string capability_name(unsigned id);
std::string extended_capability_name(unsigned id);

} /* namespace softvfio::cli::record */
