/* SPDX-License-Identifier: MIT */
/*
 * FdTable: which real fds stand in for which emulated Files.
 *
 * Objects are recognised by the kernel identity of their stand-in
 * (st_dev, st_ino), not by fd number: an fd the table has not seen (a dup made
 * behind its back, an inherited or received fd) resolves to the same File on
 * first use. Fd numbers are only a cache, kept right by routing close and dup
 * through the table.
 */
#pragma once

#include <memory>
#include <shared_mutex>
#include <unordered_map>
#include <vector>

#include <softvfio/base/result.h>
#include <softvfio/base/unique_fd.h>

#include "vfs/file.h"

namespace softvfio::vfs {

class FdTable
{
public:
	struct Options {
		/* Check the stand-in's identity on every lookup (one fstat), so a
		 * number closed behind the table's back and reused by an unrelated
		 * file never reaches the old object. */
		bool verify_identity = false;
	};

	FdTable();
	explicit FdTable(Options options);
	~FdTable();

	/* Give `file` the stand-in `standin` and return its fd number. */
	Result<int> install(std::shared_ptr<File> file, UniqueFD standin);

	/* The File behind `fd`. EBADF if `fd` is not open; a null pointer if
	 * it is open but not an emulated object ("foreign"). */
	Result<std::shared_ptr<File>> get(int fd);

	/* close(2): forget `fd` and close it. EBADF if it is not open. */
	Result<void> close(int fd);
	/* dup(2)/fcntl(F_DUPFD[_CLOEXEC]): lowest free fd >= min_fd. */
	Result<int> dup(int fd, int min_fd, bool cloexec);
	/* dup3(2); flags may hold O_CLOEXEC. dup2 is dup3 with old == new
	 * allowed (then a no-op returning the fd). */
	Result<int> dup3(int oldfd, int newfd, int flags);

	/* Drop a number from the cache without closing it (the program closed
	 * it some other way). */
	void forget(int fd);

	/* Every live File, e.g. for introspection. */
	std::vector<std::shared_ptr<File>> files();
	/* How many fd numbers refer to emulated Files. */
	size_t size();

private:
	std::shared_ptr<File> lookup_identity(const FileIdentity &id);
	/* Caller holds lock_ for writing; returns the File previously at fd. */
	std::shared_ptr<File> set_locked(int fd, std::shared_ptr<File> file);

	const Options options_;
	std::shared_mutex lock_;
	std::vector<std::shared_ptr<File>> by_fd_;

	struct IdentityHash {
		size_t operator()(const FileIdentity &id) const { return id.dev * 31 + id.ino; }
	};
	std::unordered_map<FileIdentity, std::weak_ptr<File>, IdentityHash> by_identity_;
};

} /* namespace softvfio::vfs */
