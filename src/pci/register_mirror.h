/* SPDX-License-Identifier: MIT */
/*
 * Mirrored reads: the register reads a process may make from the BAR's
 * mirror (the memfd window the model keeps its plain-value registers in)
 * instead of asking the model, because the model guarantees both that the
 * read has no side effect and that the mirror holds, at the register's
 * offset, exactly the bytes the read returns.
 *
 * The session client serves such a trapped load in the process itself
 * (docs/trap.md, "Reads from the mirror"): a fault and a decode, no round
 * trip to the session kernel. Writes, and every read not listed (read-to-
 * clear status, registers the mirror does not hold, widths the model
 * answers differently), still reach the model.
 *
 * The list is the model's promise, so it lives beside the models and a
 * test holds each model to it (tests/pci/register_mirror_test.cc: after
 * any sequence of accesses, every listed read equals the mirror's bytes).
 */
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include <softvfio/device_description.h>

namespace softvfio::pci {

/* Reads of `widths` (a mask of 1, 2, 4, 8 bytes) at exactly `offset`. */
struct MirroredRead {
	uint32_t offset;
	uint32_t widths;
};

/* The mirrored reads of the register model `model` (empty when it has
 * none or the name is unknown), sorted by offset. A plugin's are found
 * under plugin_mirror_model(). */
std::span<const MirroredRead> mirrored_reads(std::string_view model);

/* A plugin supplies its table when it is loaded (description_plugin.cc,
 * after checking it): the name its BAR `bar`'s reads are found under,
 * "plugin:<bar>:<path>", and the table for it. The reads are those of the
 * plugin's declaration for that BAR, merged per offset (a mask of
 * widths) and sorted; a table once given stays valid for the process's
 * lifetime (a directory entry may point at it). */
std::string plugin_mirror_model(std::string_view plugin, unsigned bar);
void set_plugin_mirrored_reads(std::string_view plugin, unsigned bar, std::span<const MirroredRead> reads);

/* The name register BAR `index`, described by `bar`, has its mirrored
 * reads under: its model's name, or for a plugin plugin_mirror_model(). */
std::string mirror_model(const BarDescription &bar, unsigned index);

} /* namespace softvfio::pci */
