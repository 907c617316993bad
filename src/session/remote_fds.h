/* SPDX-License-Identifier: MIT */
/*
 * RemoteFdSpace: the real fd table of a process of the session
 * (vfs/fd_space.h), which the kernel changes by asking the process.
 *
 * A new fd is made by the calling thread at the kernel's request: a unix
 * socket pair, one end kept by the program (the stand-in, at the lowest
 * free number, as the kernel would allocate it), the other taken by the
 * kernel (pidfd_getfd) into its StandinTable. Numbers the process has not
 * shown the kernel yet are found by the identity of what they refer to
 * (/proc/<pid>/fd/<n>), so inherited and received stand-ins resolve too.
 * The process closes and dups its own fds and tells the kernel; the
 * table's entries hold nothing: the stand-in's last close anywhere
 * releases the file.
 */
#pragma once

#include "vfs/fd_space.h"
#include "vfs/fd_table.h"

namespace softvfio::session {

class ClientProcess;

class RemoteFdSpace final : public vfs::FdSpace
{
public:
	explicit RemoteFdSpace(ClientProcess &owner) : owner_(owner) {}

	Result<std::unique_ptr<vfs::Standin>> reserve(const vfs::StandinSpec &spec) override;
	Result<FileIdentity> commit(vfs::Standin &standin, const std::shared_ptr<vfs::File> &file) override;
	Result<FileIdentity> identity(int fd) override;
	void stale(int fd, const vfs::File *was, std::shared_ptr<vfs::File> file) override;
	bool entries_hold_files() const override { return false; }
	Result<void> close(int fd) override;
	Result<int> dup(int fd, int min_fd, bool cloexec) override;
	Result<int> dup3(int oldfd, int newfd, int flags) override;

private:
	ClientProcess &owner_;
};

/* A number of `process` that stood for `f` was closed (or replaced): if
 * that was the file's last stand-in anywhere, it is released here, before
 * this returns; if the event loop saw the hang-up first, this waits for
 * that release. No lock may be held; inside the call's WorkScope, so that
 * what the release does to other processes' mappings is done too. */
void release_closed(ClientProcess &process, vfs::FdTable::Forgotten f);

} /* namespace softvfio::session */
