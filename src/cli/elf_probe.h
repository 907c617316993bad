/* SPDX-License-Identifier: MIT */
/*
 * What `softvfio run` needs to know about the program it starts: whether
 * it is built with a sanitizer runtime that must come first in the initial
 * library list (ASan, TSan), and whether it is dynamically linked at all.
 */
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace softvfio::cli {

struct ElfFacts {
	bool dynamic = false;              /* has a PT_INTERP (LD_PRELOAD applies) */
	std::vector<std::string> needed;   /* DT_NEEDED */
	bool defines_asan_init = false;    /* ASan linked in statically */
	bool defines_tsan_init = false;
	/* The DT_NEEDED entry naming the ASan / TSan runtime, if any. */
	std::string asan_needed;
	std::string tsan_needed;
};

/* nullopt: not an ELF64 little-endian file we can read. */
std::optional<ElfFacts> probe_elf(const std::string &path);

/* The interpreter of a "#!" script (its first word), or empty. */
std::string script_interpreter(const std::string &path);

} /* namespace softvfio::cli */
