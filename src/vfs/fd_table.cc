/* SPDX-License-Identifier: MIT */
#include "vfs/fd_table.h"

#include <cerrno>
#include <fcntl.h>
#include <mutex>
#include <unistd.h>

#include "base/fault_injection.h"

namespace softvfio::vfs {

FdTable::FdTable() : FdTable(Options{}) {}

FdTable::FdTable(Options options) : options_(options) {}

/* A table going away is its process exiting: every number still standing
 * in for a File is closed, unless it was closed and reused behind the
 * table's back (the identity no longer matches). */
FdTable::~FdTable()
{
	for (size_t fd = 0; fd < by_fd_.size(); fd++) {
		if (!by_fd_[fd])
			continue;
		auto id = file_identity(static_cast<int>(fd));
		if (id && *id == by_fd_[fd]->identity())
			::close(static_cast<int>(fd));
	}
}

std::shared_ptr<File> FdTable::set_locked(int fd, std::shared_ptr<File> file)
{
	if (static_cast<size_t>(fd) >= by_fd_.size()) {
		if (!file)
			return nullptr;
		by_fd_.resize(static_cast<size_t>(fd) + 1);
	}
	return std::exchange(by_fd_[static_cast<size_t>(fd)], std::move(file));
}

Result<int> FdTable::install(std::shared_ptr<File> file, UniqueFD standin)
{
	if (int e = fault_check(FaultPoint::FdInstall))
		return err(e);
	auto id = file_identity(standin.get());
	if (!id)
		return err(id.error());
	file->set_identity(*id);
	int fd = standin.release();
	std::shared_ptr<File> previous;
	{
		std::unique_lock guard(lock_);
		by_identity_[*id] = file;
		previous = set_locked(fd, std::move(file));
	}
	return fd;
}

std::shared_ptr<File> FdTable::lookup_identity(const FileIdentity &id)
{
	std::shared_lock guard(lock_);
	auto it = by_identity_.find(id);
	return it == by_identity_.end() ? nullptr : it->second.lock();
}

Result<std::shared_ptr<File>> FdTable::get(int fd)
{
	if (fd < 0)
		return err(EBADF);
	std::shared_ptr<File> cached;
	{
		std::shared_lock guard(lock_);
		if (static_cast<size_t>(fd) < by_fd_.size())
			cached = by_fd_[static_cast<size_t>(fd)];
	}
	if (cached && !options_.verify_identity)
		return cached;

	auto id = file_identity(fd);
	if (!id) {
		if (cached)
			forget(fd);
		return err(id.error());
	}
	if (cached && cached->identity() == *id)
		return cached;

	/* Unknown number, or one reused behind our back: resolve by identity. */
	std::shared_ptr<File> file = lookup_identity(*id);
	std::shared_ptr<File> previous;
	{
		std::unique_lock guard(lock_);
		previous = set_locked(fd, file);
	}
	return file;
}

Result<void> FdTable::close(int fd)
{
	if (fd < 0)
		return err(EBADF);
	std::shared_ptr<File> previous;
	{
		std::unique_lock guard(lock_);
		previous = set_locked(fd, nullptr);
	}
	if (::close(fd) < 0)
		return err(errno);
	return {};
}

Result<int> FdTable::dup(int fd, int min_fd, bool cloexec)
{
	auto file = get(fd);
	if (!file)
		return err(file.error());
	if (int e = fault_check(FaultPoint::FdDup))
		return err(e);
	int newfd = ::fcntl(fd, cloexec ? F_DUPFD_CLOEXEC : F_DUPFD, min_fd);
	if (newfd < 0)
		return err(errno);
	std::shared_ptr<File> previous;
	{
		std::unique_lock guard(lock_);
		previous = set_locked(newfd, *file);
	}
	return newfd;
}

Result<int> FdTable::dup3(int oldfd, int newfd, int flags)
{
	if (flags & ~O_CLOEXEC)
		return err(EINVAL);
	auto file = get(oldfd);
	if (!file)
		return err(file.error());
	if (oldfd == newfd)
		return newfd;
	if (int e = fault_check(FaultPoint::FdDup))
		return err(e);
	if (::dup3(oldfd, newfd, flags) < 0)
		return err(errno);
	std::shared_ptr<File> previous;
	{
		std::unique_lock guard(lock_);
		previous = set_locked(newfd, *file);
	}
	return newfd;
}

void FdTable::forget(int fd)
{
	if (fd < 0)
		return;
	std::shared_ptr<File> previous;
	std::unique_lock guard(lock_);
	previous = set_locked(fd, nullptr);
	guard.unlock();
}

std::vector<std::shared_ptr<File>> FdTable::files()
{
	std::vector<std::shared_ptr<File>> out;
	std::shared_lock guard(lock_);
	for (auto &[id, weak] : by_identity_)
		if (auto file = weak.lock())
			out.push_back(std::move(file));
	return out;
}

size_t FdTable::size()
{
	std::shared_lock guard(lock_);
	size_t n = 0;
	for (auto &f : by_fd_)
		n += f != nullptr;
	return n;
}

} /* namespace softvfio::vfs */
