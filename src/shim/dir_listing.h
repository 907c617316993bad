/* SPDX-License-Identifier: MIT */
/*
 * Directory listings the shim builds itself: the device nodes of /dev/vfio
 * (Kernel::list_nodes) and the union of a sysfs directory that exists both
 * in the machine's sysfs and in the software devices' view.
 */
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace softvfio::shim {

struct DirEntryInfo {
	std::string name;
	unsigned char type = 0;   /* DT_* */
	uint64_t ino = 0;
	bool operator==(const DirEntryInfo &) const = default;
};

/* The machine's entries in their order, then the view's that the machine
 * lacks; an entry in both is the view's (it is what the path resolves to). */
std::vector<DirEntryInfo> merge_listings(std::vector<DirEntryInfo> machine, const std::vector<DirEntryInfo> &view);

/* A real directory's entries ("." and ".." included), read with the C
 * library's own functions. Empty if it cannot be opened. */
std::vector<DirEntryInfo> list_real_dir(const std::string &path);

/* The listing of a logical directory the shim serves (a /dev/vfio
 * directory or a merged /sys directory), or nothing if it serves no such
 * directory. */
bool served_listing(const std::string &logical, std::vector<DirEntryInfo> &out);

} /* namespace softvfio::shim */
