/* SPDX-License-Identifier: MIT */
/*
 * The open and fopen paths of the shim, shared by the open and stdio
 * interceptors.
 */
#pragma once

#include <cstdio>
#include <sys/types.h>

namespace softvfio::shim {

/* open(2) as the program sees it: -1 with errno on failure. */
int open_path(int dirfd, const char *path, int flags, mode_t mode);
FILE *fopen_path(const char *path, const char *mode);
FILE *freopen_path(const char *path, const char *mode, FILE *stream);

} /* namespace softvfio::shim */
