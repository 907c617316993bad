/* SPDX-License-Identifier: MIT */
/*
 * Which paths the shim may have to answer for, decided from the string
 * alone and cheaply: most paths a program uses fail the first comparison.
 *
 *   /dev/vfio, /dev/vfio/..., /dev/iommu      device nodes (Kernel::open,
 *                                             node_info, list_nodes)
 *   /sys and the sysfs trees software devices  the sysfs view (sysfs_root),
 *   appear in                                 decided by sysfs_route.h
 *   /proc/self/maps (and the same file of     rewritten maps text
 *   this process by pid, thread-self, task)
 *   /proc/self/fd/<n>, /proc/self/fdinfo/<n>  links and fdinfo of emulated
 *                                             fds
 *
 * Anything else is the C library's business. Paths are normalised
 * lexically (repeated '/', '.' components, a trailing '/'); ".." is
 * resolved lexically below /dev and /proc, where nothing the shim serves is
 * a symlink, but not below /sys, where almost everything is: there the path
 * is only tidied and ".." kept, for the walk (sysfs_walk.h) to resolve
 * against the links it crosses. Relative paths are joined to a directory
 * first (resolve.h: a directory fd's or the current directory's logical
 * path).
 */
#pragma once

#include <string>
#include <string_view>
#include <sys/types.h>

namespace softvfio::shim {

enum class PathKind {
	Other,
	DevNode,     /* norm: the normalised path */
	Sys,         /* norm: tidied, ".." and a trailing '/' kept; rel: the
		      * part after "/sys" ("" for /sys itself) */
	ProcMaps,
	ProcFd,      /* fd: the number */
	ProcFdinfo,  /* fd: the number */
	ProcDir,     /* a path through /proc/self/cwd (fd -1) or through
		      * /proc/self/fd/<fd>/: rel is what follows ("" or "/..."),
		      * to be resolved from that directory's logical path */
};

struct PathClass {
	PathKind kind = PathKind::Other;
	/* Other: the path the C library should get instead, if not empty. */
	std::string norm;
	std::string rel;
	int fd = -1;
};

/* `self` returns this process's pid; called only for /proc/<digits>/
 * paths. */
PathClass classify_path(const char *path, pid_t (*self)());

/* Lexical normalisation of an absolute path; false if it has ".." (left
 * as is) and dotdot is not allowed. */
bool normalize_path(std::string_view path, bool allow_dotdot, std::string &out);

/* An absolute path without empty and "." components and without ".." at
 * the root ("/.." is "/"); other ".." components stay (`dotdot` tells
 * whether there are any), and a trailing '/' or "/." stays as a trailing
 * '/', since both make the kernel follow a final link. */
std::string tidy_path(std::string_view path, bool &dotdot);

/* Join a directory's logical path and a relative path. */
std::string join_path(std::string_view dir, std::string_view rel);

} /* namespace softvfio::shim */
