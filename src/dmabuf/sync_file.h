/* SPDX-License-Identifier: MIT */
/*
 * sync_file fds for DMA_BUF_IOCTL_EXPORT_SYNC_FILE / IMPORT_SYNC_FILE.
 *
 * The stand-in is one end of a real socket pair; the model writes one byte
 * to the other end once every fence behind it has signalled, so poll()
 * reports POLLIN exactly when a sync_file would report it signalled. It is
 * close-on-exec, as sync files are. Only such fds import: anything else is
 * what sync_file_get_fence() refuses in the kernel (EINVAL).
 */
#pragma once

#include <memory>
#include <vector>

#include <softvfio/base/result.h>
#include <softvfio/importer.h>

namespace softvfio::dmabuf {

/* A sync_file for all of `fences` (a stub, already signalled, when there
 * are none). Returns the new fd. */
Result<int> sync_file_create(const std::vector<std::shared_ptr<Fence>> &fences);

/* The fence behind `fd` if it is a sync_file made above, else null. */
std::shared_ptr<Fence> sync_file_get_fence(int fd);

/* Let go of the model's end of every sync_file whose last user fd is
 * closed (the kernel's sync_file release). Cheap when there are none. */
void sync_file_prune();

} /* namespace softvfio::dmabuf */
