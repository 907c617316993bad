/* SPDX-License-Identifier: MIT */
/*
 * Where a path a program names goes: the C library as given (the common
 * case, decided without allocating), a device node of the model, the
 * software devices' sysfs view, a merged sysfs directory, or one of the
 * process's own /proc files the shim rewrites.
 *
 * A relative path is resolved against a directory fd only when the fd is
 * one the shim opened on a directory it serves (FdKind::Dir); anything else
 * relative is the C library's (docs/shim.md: the current directory is not
 * tracked).
 */
#pragma once

#include <fcntl.h>
#include <string>

namespace softvfio::shim {

enum class Route {
	Real,         /* the C library, with the caller's own arguments */
	Node,         /* logical: the normalised /dev path */
	SysView,      /* path: inside the view; logical: the /sys path */
	SysMerged,    /* logical: the /sys path (a directory in both) */
	ProcMaps,
	ProcFd,       /* fd */
	ProcFdinfo,   /* fd */
};

struct Resolved {
	Route route = Route::Real;
	std::string path;
	std::string logical;
	int fd = -1;
};

/* `follow`: whether a symlink in the last component is followed. Never
 * throws: without memory, every path is the C library's. */
Resolved resolve_path(int dirfd, const char *path, bool follow) noexcept;

} /* namespace softvfio::shim */
