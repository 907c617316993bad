/* SPDX-License-Identifier: MIT */
/*
 * Directory streams of listings the shim builds (dir_listing.h).
 *
 * A DIR is opaque to programs, so opendir() of a served directory returns
 * one of these instead of glibc's, and every DIR function checks first
 * whether it was given one (a counter makes that free while none exists).
 * Each stream owns a real directory fd for dirfd(), registered as a Dir fd
 * with the directory's logical path, so openat()/fstatat() relative to it
 * go through the shim's routing.
 */
#pragma once

#include <dirent.h>
#include <string>
#include <vector>

#include "shim/dir_listing.h"

namespace softvfio::shim {

/* A new stream over `entries`, owning `fd`. */
DIR *dir_stream_open(std::string logical, std::vector<DirEntryInfo> entries, int fd);

/* Whether `d` is one of ours (cheap when there are none). */
bool dir_stream_is_ours(DIR *d) noexcept;

struct dirent64 *dir_stream_read(DIR *d) noexcept;
int dir_stream_close(DIR *d) noexcept;
int dir_stream_fd(DIR *d) noexcept;
/* Reads the listing again, as rewinddir() does. */
void dir_stream_rewind(DIR *d) noexcept;
long dir_stream_tell(DIR *d) noexcept;
void dir_stream_seek(DIR *d, long pos) noexcept;

void dir_streams_fork_prepare();
void dir_streams_fork_release();

} /* namespace softvfio::shim */
