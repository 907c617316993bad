/* SPDX-License-Identifier: MIT */
/*
 * Where a /sys path lives: in the machine's sysfs, in the software devices'
 * view (Kernel::sysfs_root(), a real directory laid out like /sys), or in
 * both.
 *
 * The view is an overlay decided by existence: a path that exists in it is
 * served from it (the kernel resolves the view's relative symlinks inside
 * it), except a directory that exists in both, whose listing is the union
 * of the two (Merged: /sys/bus/pci/devices, /sys/class, ...). Everything
 * else is the machine's.
 */
#pragma once

#include <string>

namespace softvfio::shim {

enum class SysRoute { Real, Overlay, Merged };

/* `rel` is the path after "/sys" ("" for /sys). `follow`: whether a final
 * symlink is followed (stat, open) or not (lstat, readlink). */
SysRoute route_sys(const std::string &overlay, const std::string &rel, bool follow);

} /* namespace softvfio::shim */
