/* SPDX-License-Identifier: MIT */
/*
 * FdTable: one process's emulated fds, by number (the kernel's
 * files_struct, for the files the model serves).
 *
 * Numbers are a cache in front of identity: an fd the table has not seen
 * (a dup made behind its back, an inherited or received fd) resolves
 * through its stand-in's kernel identity (vfs/open_files.h) on first use.
 * The numbers of this process are kept right by routing close and dup
 * through the table; for a process the session kernel serves, by the
 * client telling it.
 *
 * Whether an entry keeps its File open is the FdSpace's call
 * (fd_space.h): in process every close goes through the table, so an
 * entry is a reference; for a served process the last close anywhere is
 * seen on the stand-in, and an entry only remembers.
 */
#pragma once

#include <memory>
#include <set>
#include <shared_mutex>
#include <vector>

#include <softvfio/base/result.h>
#include <softvfio/base/unique_fd.h>

#include "vfs/fd_space.h"
#include "vfs/file.h"
#include "vfs/open_files.h"

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

	/* This process's fds, with an identity registry of its own. */
	FdTable();
	explicit FdTable(Options options);
	FdTable(std::shared_ptr<FdSpace> space, std::shared_ptr<OpenFiles> files);
	FdTable(std::shared_ptr<FdSpace> space, std::shared_ptr<OpenFiles> files, Options options);
	~FdTable();

	/* get_unused_fd_flags(): a number and its stand-in, or EMFILE. */
	Result<std::unique_ptr<Standin>> reserve(const StandinSpec &spec);
	/* fd_install(): `standin` stands for `file` from now on. */
	Result<int> install(std::shared_ptr<File> file, std::unique_ptr<Standin> standin);
	/* In process: give `file` the stand-in the caller made. */
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
	 * it some other way). Returns what it stood for, if anything. */
	std::shared_ptr<File> forget(int fd);

	/* What a dropped number stood for: the File if it is still alive,
	 * and in any case which File it was (when entries do not hold their
	 * Files, one may be in its release on another thread right now, and
	 * whoever closed the number waits for that release by this name). */
	struct Forgotten {
		std::shared_ptr<File> file;
		const File *was = nullptr;
	};
	Forgotten forget_entry(int fd);
	/* The process says it closed `fd`. If the table saw the number reused
	 * first (a new file installed or found there, its old file handed to
	 * FdSpace::stale), the close may be the old file's, told late: then
	 * the number still stands for its entry and nothing is forgotten. */
	Forgotten forget_closed(int fd);
	/* forget_closed() of every number in [first, last] that stood for
	 * something. */
	std::vector<Forgotten> forget_closed_range(unsigned first, unsigned last);
	/* Drop every number (a new program image: its fds are found again
	 * by identity). */
	void forget_all();
	/* A forked child's table: the same numbers for the same Files. */
	void copy_from(FdTable &parent);

	/* How many numbers stand for `file`. */
	size_t references(const File *file);
	/* Every live File, e.g. for introspection. */
	std::vector<std::shared_ptr<File>> files();
	/* How many fd numbers refer to emulated Files. */
	size_t size();

	FdSpace &space() { return *space_; }
	OpenFiles &open_files() { return *files_; }

private:
	struct Entry {
		std::shared_ptr<File> strong;   /* when entries hold files */
		std::weak_ptr<File> weak;
		const File *raw = nullptr;      /* a name only, never followed */
		std::shared_ptr<File> lock() const { return strong ? strong : weak.lock(); }
		explicit operator bool() const { return strong || !weak.expired(); }
	};

	Entry entry(std::shared_ptr<File> file) const;
	/* Caller holds lock_ for writing; returns the File previously at fd. */
	std::shared_ptr<File> set_locked(int fd, std::shared_ptr<File> file);
	Forgotten clear_locked(int fd);
	/* Put `file` at `fd`; a different file there before is stale (its
	 * close may still be told: the number goes into reused_). */
	void replace(int fd, std::shared_ptr<File> file);

	const Options options_;
	const std::shared_ptr<FdSpace> space_;
	const std::shared_ptr<OpenFiles> files_;
	const bool hold_;
	std::shared_mutex lock_;
	std::vector<Entry> by_fd_;
	std::set<int> reused_;
};

/* The calling process's fd table while a kernel entry point runs for it
 * (kernel/process.h), null outside: then this process's own fds are meant
 * (the in-process model). */
FdTable *current_fd_table() noexcept;

/* RAII: calls made while it lives act on `table`. */
class FdTableScope
{
public:
	explicit FdTableScope(FdTable &table) noexcept;
	~FdTableScope();
	FdTableScope(const FdTableScope &) = delete;
	FdTableScope &operator=(const FdTableScope &) = delete;

private:
	FdTable *saved_;
};

} /* namespace softvfio::vfs */
