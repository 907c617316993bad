/* SPDX-License-Identifier: MIT */
/* fstatat(2) as the program sees it through the shim (intercept_stat.cc),
 * for the shim's own directory walkers. */
#pragma once

#include <sys/stat.h>

namespace softvfio::shim {

int stat_path(int dirfd, const char *path, struct stat *buf, int flags);

} /* namespace softvfio::shim */
