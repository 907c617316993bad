/* SPDX-License-Identifier: MIT */
/*
 * The kernel's lookup of a /dev path that reaches the served nodes
 * (/dev/vfio, /dev/iommu) through "..", "." or a trailing '/'.
 *
 * The shim folds such a path lexically before asking the model, since
 * nothing it serves below /dev is a symlink. Folding alone would accept
 * what the kernel refuses: every name before a ".." or a '/' must be an
 * existing directory, so "/dev/vfio/nonexistent/../vfio" is ENOENT and
 * "/dev/vfio/vfio/" or "/dev/vfio/vfio/../vfio" is ENOTDIR (namei.c:
 * link_path_walk needs a directory to walk on, and a trailing slash makes
 * the last name need one too), and a name longer than NAME_MAX is
 * ENAMETOOLONG (devtmpfs' simple_lookup). The last name itself is left to
 * the open or stat that follows.
 *
 * Pure: what a prefix is comes from the caller's probe.
 */
#pragma once

#include <functional>
#include <string>
#include <string_view>

namespace softvfio::shim {

enum class DevEntry { Missing, Dir, Other };

/* Whether `path` (absolute) has anything the walk would look at: a "."
 * or ".." component or a trailing '/'. Plain paths skip it. */
bool dev_path_needs_walk(std::string_view path);

/* 0, or the errno the kernel's walk of `path` gives before its last name.
 * `probe` gets absolute, folded prefixes ("/dev", "/dev/vfio", ...). */
int walk_dev_path(std::string_view path, const std::function<DevEntry(const std::string &)> &probe);

} /* namespace softvfio::shim */
