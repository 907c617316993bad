/* SPDX-License-Identifier: MIT */
/*
 * memfd helpers: the real kernel files that stand in for emulated objects and
 * hold emulated device memory.
 */
#pragma once

#include <cstdint>

#include <softvfio/base/result.h>
#include <softvfio/base/unique_fd.h>

namespace softvfio {

/* A new memfd (always close-on-exec) of `size` bytes; sparse, so free. */
Result<UniqueFD> create_memfd(const char *name, uint64_t size = 0);

/* Reopen an fd's file with a new access mode, giving a new open file
 * description on the same inode (e.g. a read-only view of a memfd). */
Result<UniqueFD> reopen_fd(int fd, int flags);

/* The kernel identity (st_dev, st_ino) of an open fd. */
struct FileIdentity {
	uint64_t dev = 0;
	uint64_t ino = 0;
	bool operator==(const FileIdentity &) const = default;
};
Result<FileIdentity> file_identity(int fd);

} /* namespace softvfio */
