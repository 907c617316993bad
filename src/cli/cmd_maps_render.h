/* SPDX-License-Identifier: MIT */
/*
 * `softvfio maps`: what each software mapping of a process is, as the
 * kernel would see it, from an introspection snapshot (session/introspect.h):
 * which BAR bytes it covers, through which buffer, with which attribute and
 * status, and which page-table entries (PTE, PMD, PUD) the kernel would
 * use for it, with advice where the address an mmap got costs huge pages.
 * Pure functions of the snapshot, so they are testable without a process.
 */
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "session/introspect.h"

namespace softvfio::cli {

struct MappingView {
	char label = 'A';
	const MappingInfo *mapping = nullptr;
	const BufferInfo *buffer = nullptr;    /* the buffer behind it, if any */
	std::string device;                    /* BDF, when known */
	std::optional<unsigned> bar;
	uint64_t bar_offset = 0;               /* of the mapping's first byte */
	uint64_t contiguous = 0;               /* bytes from there on that are one BAR range */
	std::optional<uint64_t> paddr;         /* bus address of the first byte */
	unsigned best_order = 0;               /* the largest leaf the kernel can use here */
	unsigned ideal_order = 0;              /* ... with the best-aligned address */
	std::map<unsigned, size_t> installed;  /* order -> entries the kernel has now */
	std::string advice;                    /* empty: nothing to gain */
};

/* One line of `softvfio maps` without a PID:
 * "    1234  prog  (1 mapping, 2 buffers)". */
std::string process_line(int pid, const std::string &program, size_t mappings, size_t buffers);

/* "PTE", "PMD", "PUD", or "order N". */
std::string order_name(unsigned order, const session::Snapshot &s);

std::vector<MappingView> analyse(const session::Snapshot &s);
std::string render_text(const session::Snapshot &s, bool colour);
nlohmann::json render_json(const session::Snapshot &s);

} /* namespace softvfio::cli */
