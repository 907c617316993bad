/* SPDX-License-Identifier: MIT */
/*
 * The process's own /proc files as the kernel would show them with real
 * VFIO objects: maps (proc_maps.h), the links in fd/ and the dma-buf lines
 * of fdinfo/.
 */
#pragma once

#include <optional>
#include <string>

namespace softvfio::shim {

/* An fd holding this moment's /proc/self/maps text rewritten (a memfd,
 * positioned at 0), or -errno. `flags` are the open flags. */
int open_proc_maps(int flags);

/* The /proc/self/fd/<fd> link text the kernel would give, if the shim
 * knows better than the host: an emulated object's, or a path into the
 * sysfs view spelled as /sys. */
std::optional<std::string> proc_fd_link(int fd);

/* An fd holding /proc/self/fdinfo/<fd> with a dma-buf's lines added, or
 * -1 if `fd` is not an emulated dma-buf (then the real file is right). */
int open_proc_fdinfo(int fd, int flags);

/* Translate a path inside the sysfs view back to /sys (for readlink and
 * realpath answers); unchanged if it is not inside. */
std::string sysfs_view_to_sys(const std::string &path);

} /* namespace softvfio::shim */
