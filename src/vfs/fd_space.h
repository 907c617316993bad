/* SPDX-License-Identifier: MIT */
/*
 * FdSpace: the real fd table of a process, as the model's FdTable sees it.
 *
 * Every emulated fd is a real fd (a stand-in) in the process that holds
 * it. In process the model makes stand-ins itself (memfds, so fstat and
 * lseek behave natively, or a socket pair whose other end the model keeps
 * when it must control readiness). For a process the session kernel
 * serves, the stand-in is made by that process at the kernel's request and
 * the kernel keeps the other end (session/standins.h).
 *
 * A new fd is made in two steps, as the kernel does: reserve() (its
 * get_unused_fd_flags: a number, or EMFILE, before any object exists) and
 * FdTable::install() (fd_install, once the object is made). A Standin
 * dropped before install gives its number back.
 */
#pragma once

#include <cstdint>
#include <fcntl.h>
#include <memory>

#include <softvfio/base/result.h>
#include <softvfio/base/unique_fd.h>

#include "base/memfd.h"

namespace softvfio::vfs {

class File;

/* What a new fd looks like from the process. */
struct StandinSpec {
	const char *name = "softvfio";  /* in process: the memfd's name */
	uint64_t size = 0;              /* in process: the memfd's size (fstat, SEEK_END) */
	int access_mode = O_RDWR;       /* O_RDONLY, O_WRONLY or O_RDWR */
	int flags = O_CLOEXEC;          /* O_CLOEXEC, O_NONBLOCK */
	/* The model decides when poll() reports the fd readable (a sync
	 * file): the stand-in is one end of a socket pair, peer() the other. */
	bool readiness = false;
	/* The file's release has no effect a process can observe (a
	 * DMABUF's): in a session its close need not wait for the kernel
	 * (session/wire/closed_numbers.h). */
	bool lazy_release = false;
};

/* A reserved fd with its stand-in. */
class Standin
{
public:
	virtual ~Standin() = default;
	/* The fd number in the process. */
	virtual int number() const = 0;
	/* The model's end of a readiness stand-in, -1 otherwise. Owned by
	 * the Standin until take_peer(). */
	virtual int peer() const = 0;
	virtual UniqueFD take_peer() = 0;
};

class FdSpace
{
public:
	virtual ~FdSpace() = default;

	virtual Result<std::unique_ptr<Standin>> reserve(const StandinSpec &spec) = 0;
	/* The stand-in now stands for `file` (fd_install): it must not be
	 * dropped any more. Returns the stand-in's identity. */
	virtual Result<FileIdentity> commit(Standin &standin, const std::shared_ptr<File> &file) = 0;

	/* The identity of the process's fd `fd`: EBADF. */
	virtual Result<FileIdentity> identity(int fd) = 0;

	/* Do the table's entries keep their Files open? In process, yes:
	 * every close and dup goes through the table. For a process the
	 * session kernel serves, no: the file's last close anywhere is seen
	 * on the other end of its stand-in. */
	virtual bool entries_hold_files() const = 0;

	/* The table found that number `fd` no longer stands for the file
	 * `was` (`file` while it lives): it was closed and reused before the
	 * table heard of the close. Where entries do not hold their files,
	 * that close may have been the file's last. */
	virtual void stale(int fd, const File *was, std::shared_ptr<File> file)
	{
		(void)fd;
		(void)was;
		(void)file;
	}

	/* close(2), dup(2)/F_DUPFD and dup3(2) on the real fds; only the
	 * in-process space does them (the session's clients do their own and
	 * tell the kernel). */
	virtual Result<void> close(int fd) = 0;
	virtual Result<int> dup(int fd, int min_fd, bool cloexec) = 0;
	virtual Result<int> dup3(int oldfd, int newfd, int flags) = 0;
};

/* This process's fd table. */
std::shared_ptr<FdSpace> local_fd_space();

/* An in-process Standin around a stand-in the caller made. */
std::unique_ptr<Standin> local_standin(UniqueFD fd, UniqueFD peer = {});

} /* namespace softvfio::vfs */
