/* SPDX-License-Identifier: MIT */
/*
 * The rules of the logical current directory (cwd.h), without the
 * process's state, for the interceptors and the unit tests alike.
 */
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include <softvfio/kernel.h>

#include "shim/resolve.h"

namespace softvfio::shim {

/* Whether a resolved logical directory is one the current directory is
 * kept for: /sys and below, /dev/vfio and below. */
bool cwd_keeps(std::string_view logical) noexcept;

/* What chdir(path) does, given where `path` resolved (`node`: the model's
 * answer for a /dev/vfio path, if it gave one). */
struct ChdirPlan {
	int error = 0;          /* fail with this errno, changing nothing */
	std::string real;       /* the real chdir's path; empty: the resolved
				 * or the caller's own path, for the C library */
	std::string logical;    /* the current directory after it */
	bool learn = false;     /* the C library's: ask where it ended (a
				 * link of the machine's may lead into /sys) */
};
ChdirPlan plan_chdir(const Resolved &r, const std::optional<NodeInfo> &node);

/* The logical current directory for a real one the kernel names (a
 * resolved path): inside the view at `view` (or its canonical spelling),
 * spelled as /sys; below /sys, itself; anywhere else none (empty). */
std::string cwd_from_real(std::string_view real, const std::string &view, const std::string &view_canonical);

/* A served directory has no real one: a process started in /dev/vfio (a
 * shell did cd there, then ran it) is really in /dev. The shell's $PWD,
 * when it names /dev/vfio or below and the real directory is /dev, says
 * where it logically is (normalised); else empty. The caller still asks
 * the model whether that directory exists. */
std::string cwd_from_pwd(std::string_view real, const char *pwd);

/* getcwd(3) of `logical` into `buf` with glibc's conventions: a null
 * buffer is allocated (`size` bytes, or what it takes if 0), a buffer of
 * size 0 is EINVAL, a short one ERANGE. Null with errno set on failure. */
char *copy_cwd(const std::string &logical, char *buf, size_t size) noexcept;

} /* namespace softvfio::shim */
