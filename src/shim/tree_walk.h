/* SPDX-License-Identifier: MIT */
/*
 * nftw(3) over paths the shim serves. glibc's nftw opens directories
 * internally, past the interceptors, so below /sys and /dev/vfio it would
 * see only the machine's entries; this walker lists each directory the way
 * the shim's opendir does and stats each entry the way its stat does.
 *
 * Supported flags: FTW_PHYS, FTW_DEPTH, FTW_ACTIONRETVAL. FTW_MOUNT and
 * FTW_CHDIR are ignored (docs/shim.md). Directories reached twice (sysfs is
 * full of links back up) are visited once, as glibc does.
 */
#pragma once

#include <ftw.h>
#include <functional>
#include <sys/stat.h>

namespace softvfio::shim {

using WalkVisit = std::function<int(const char *path, const struct stat *st, int typeflag, struct FTW *ftw)>;

int walk_tree(const char *root, int flags, const WalkVisit &visit);

} /* namespace softvfio::shim */
