/* SPDX-License-Identifier: MIT */
/*
 * `softvfio record`, step three: a Recording as TOML in the format
 * docs/device-descriptions.md describes, every field written out (defaults
 * included, so the file shows what was found), with comments at the top
 * for the notes and for what the format cannot express.
 */
#pragma once

#include <string>

#include <softvfio/device_description.h>

#include "cli/record_decode.h"

namespace softvfio::cli::record {

/* The description alone, without comments: what parse_device_description()
 * reads back as `desc` (BAR contents and models included). */
std::string description_toml(const DeviceDescription &desc);

/* The whole file: a comment block, then description_toml(rec.desc). */
std::string recording_toml(const Recording &rec);

/* "16KiB" for sizes a binary unit divides, else "0x..." (quoted, as size
 * strings are). */
std::string size_text(uint64_t size);

} /* namespace softvfio::cli::record */
