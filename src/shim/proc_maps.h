/* SPDX-License-Identifier: MIT */
/*
 * /proc/self/maps as the kernel would show it with real VFIO mappings.
 *
 * The model backs each emulated VMA with one or more host mappings of memfds
 * ("/memfd:softvfio-bar (deleted)", revoked pieces of an empty memfd, ...).
 * The kernel would show one line per VMA: its own path
 * ("anon_inode:[vfio-device]", "/dev/vfio/devices/vfio0",
 * "/dmabuf:vfio0:5f00:00:01.0/2", "/dmabuf:<name>"), the VMA's offset
 * column, its permissions. rewrite_maps() removes every host line (or the
 * part of one) that an emulated VMA covers and puts the VMA's own line in
 * its place, formatted exactly as fs/proc/task_mmu.c does; host lines in
 * `hidden` ranges (the process's session machinery) go without a
 * replacement.
 */
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace softvfio::shim {

struct MapsVma {
	uintptr_t start = 0;
	uintptr_t end = 0;
	uint64_t offset = 0;     /* bytes (vm_pgoff << PAGE_SHIFT) */
	int prot = 0;            /* PROT_* */
	bool shared = true;
	unsigned dev_major = 0;
	unsigned dev_minor = 0;
	uint64_t ino = 0;
	std::string path;        /* empty: none */
};

/* One line, with its '\n'. */
std::string format_maps_line(const MapsVma &v);

/* Parse one line of maps text (without '\n'); false if it is not one. */
bool parse_maps_line(std::string_view line, MapsVma &out);

/* `real` with each of `emulated` (any order, non-overlapping) in place of
 * what the host shows there. */
std::string rewrite_maps(std::string_view real, std::vector<MapsVma> emulated,
			 const std::vector<std::pair<uintptr_t, uintptr_t>> &hidden = {});

} /* namespace softvfio::shim */
