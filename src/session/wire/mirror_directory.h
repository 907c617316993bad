/* SPDX-License-Identifier: MIT */
/*
 * The session's register mirror directory: which register reads a client
 * may serve from a BAR's mirror without a RegisterAccess call
 * (docs/trap.md, "Reads from the mirror").
 *
 * One memfd per session, written by the kernel alone and mapped read-only
 * by every client at join (a fork's child keeps the parent's mapping).
 * Entries are appended, never changed: the kernel writes an entry, then
 * publishes it by raising `count` (release); a client reads `count`
 * (acquire) and then only entries below it. A register VMA's Create op
 * names its entry (MmOp::f[5], index + 1; 0: none). An entry is the
 * promise of a model, so equal promises share one.
 */
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>

namespace softvfio::session::wire {

/* A register VMA's runs map the function's memory file, where BAR i
 * starts at file offset i << kBarShift. */
inline constexpr unsigned kBarShift = 40;

inline constexpr uint32_t kMirrorMagic = 0x4d525653;   /* "SVRM" */
inline constexpr unsigned kMirrorEntries = 64;
inline constexpr unsigned kMirrorReads = 32;

struct MirrorRead {
	uint32_t offset;    /* from the start of the BAR */
	uint32_t widths;    /* mask of 1, 2, 4, 8 */
};
static_assert(sizeof(MirrorRead) == 8);

struct MirrorEntry {
	uint32_t bar;       /* the BAR: run file offsets are BAR i at i << 40 */
	uint32_t nreads;    /* at most kMirrorReads, sorted by offset */
	MirrorRead reads[kMirrorReads];
};
static_assert(sizeof(MirrorEntry) == 8 + 8 * kMirrorReads);

struct MirrorDirectory {
	uint32_t magic;
	std::atomic<uint32_t> count;
	uint64_t reserved;
	MirrorEntry entries[kMirrorEntries];
};
static_assert(offsetof(MirrorDirectory, entries) == 16);

inline constexpr size_t kMirrorDirectorySize = (sizeof(MirrorDirectory) + 4095) & ~size_t{4095};

/* The widths `entry` lets a read at BAR offset `offset` be served from
 * the mirror with (0: none). Async-signal-safe. */
inline uint32_t mirrored_widths(const MirrorEntry &entry, uint64_t offset) noexcept
{
	const uint32_t n = entry.nreads < kMirrorReads ? entry.nreads : kMirrorReads;
	for (uint32_t i = 0; i < n; i++)
		if (entry.reads[i].offset == offset)
			return entry.reads[i].widths;
	return 0;
}

} /* namespace softvfio::session::wire */
