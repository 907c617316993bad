/* SPDX-License-Identifier: MIT */
#include "vfs/fd_table.h"

#include <cerrno>
#include <fcntl.h>
#include <mutex>
#include <unistd.h>

#include "base/fault_injection.h"

namespace softvfio::vfs {

namespace {

__thread FdTable *t_current = nullptr;

} /* namespace */

FdTable *current_fd_table() noexcept
{
	return t_current;
}

FdTableScope::FdTableScope(FdTable &table) noexcept : saved_(t_current)
{
	t_current = &table;
}

FdTableScope::~FdTableScope()
{
	t_current = saved_;
}

FdTable::FdTable() : FdTable(Options{}) {}

FdTable::FdTable(Options options) : FdTable(local_fd_space(), std::make_shared<OpenFiles>(), options) {}

FdTable::FdTable(std::shared_ptr<FdSpace> space, std::shared_ptr<OpenFiles> files)
	: FdTable(std::move(space), std::move(files), Options{})
{
}

FdTable::FdTable(std::shared_ptr<FdSpace> space, std::shared_ptr<OpenFiles> files, Options options)
	: options_(options), space_(std::move(space)), files_(std::move(files)), hold_(space_->entries_hold_files())
{
}

/* A table going away is its process exiting. In process, every number
 * still standing in for a File is closed, unless it was closed and reused
 * behind the table's back (the identity no longer matches). */
FdTable::~FdTable()
{
	if (!hold_)
		return;
	for (size_t fd = 0; fd < by_fd_.size(); fd++) {
		auto file = by_fd_[fd].lock();
		if (!file)
			continue;
		auto id = space_->identity(static_cast<int>(fd));
		if (id && *id == file->identity())
			(void)space_->close(static_cast<int>(fd));
	}
}

FdTable::Entry FdTable::entry(std::shared_ptr<File> file) const
{
	Entry e;
	e.raw = file.get();
	e.weak = file;
	if (hold_)
		e.strong = std::move(file);
	return e;
}

std::shared_ptr<File> FdTable::set_locked(int fd, std::shared_ptr<File> file)
{
	if (static_cast<size_t>(fd) >= by_fd_.size()) {
		if (!file)
			return nullptr;
		by_fd_.resize(static_cast<size_t>(fd) + 1);
	}
	Entry &slot = by_fd_[static_cast<size_t>(fd)];
	std::shared_ptr<File> previous = slot.lock();
	slot = entry(std::move(file));
	return previous;
}

Result<std::unique_ptr<Standin>> FdTable::reserve(const StandinSpec &spec)
{
	return space_->reserve(spec);
}

Result<int> FdTable::install(std::shared_ptr<File> file, std::unique_ptr<Standin> standin)
{
	if (int e = fault_check(FaultPoint::FdInstall))
		return err(e);
	const int fd = standin->number();
	auto id = space_->commit(*standin, file);
	if (!id)
		return err(id.error());
	file->set_identity(*id);
	files_->add(*id, file);
	replace(fd, std::move(file));
	return fd;
}

void FdTable::replace(int fd, std::shared_ptr<File> file)
{
	const File *raw = file.get();
	Forgotten previous;
	{
		std::unique_lock guard(lock_);
		previous = clear_locked(fd);
		if (file)
			set_locked(fd, std::move(file));
		if (previous.was && previous.was != raw)
			reused_.insert(fd);
	}
	if (previous.was && previous.was != raw)
		space_->stale(fd, previous.was, std::move(previous.file));
}

Result<int> FdTable::install(std::shared_ptr<File> file, UniqueFD standin)
{
	return install(std::move(file), local_standin(std::move(standin)));
}

Result<std::shared_ptr<File>> FdTable::get(int fd)
{
	if (fd < 0)
		return err(EBADF);
	std::shared_ptr<File> cached;
	{
		std::shared_lock guard(lock_);
		if (static_cast<size_t>(fd) < by_fd_.size())
			cached = by_fd_[static_cast<size_t>(fd)].lock();
	}
	if (cached && !options_.verify_identity)
		return cached;

	auto id = space_->identity(fd);
	if (!id) {
		if (cached) {
			Forgotten gone = forget_entry(fd);
			space_->stale(fd, gone.was, std::move(gone.file));
		}
		return err(id.error());
	}
	if (cached && cached->identity() == *id)
		return cached;

	/* Unknown number, or one reused behind our back: resolve by identity. */
	std::shared_ptr<File> file = files_->find(*id);
	replace(fd, file);
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
	return space_->close(fd);
}

Result<int> FdTable::dup(int fd, int min_fd, bool cloexec)
{
	auto file = get(fd);
	if (!file)
		return err(file.error());
	auto newfd = space_->dup(fd, min_fd, cloexec);
	if (!newfd)
		return err(newfd.error());
	std::shared_ptr<File> previous;
	{
		std::unique_lock guard(lock_);
		previous = set_locked(*newfd, *file);
	}
	return *newfd;
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
	SVFIO_TRY(space_->dup3(oldfd, newfd, flags));
	std::shared_ptr<File> previous;
	{
		std::unique_lock guard(lock_);
		previous = set_locked(newfd, *file);
	}
	return newfd;
}

FdTable::Forgotten FdTable::clear_locked(int fd)
{
	if (fd < 0 || static_cast<size_t>(fd) >= by_fd_.size())
		return {};
	Entry &slot = by_fd_[static_cast<size_t>(fd)];
	Forgotten out{slot.lock(), slot.raw};
	slot = Entry{};
	return out;
}

std::shared_ptr<File> FdTable::forget(int fd)
{
	return forget_entry(fd).file;
}

FdTable::Forgotten FdTable::forget_entry(int fd)
{
	std::unique_lock guard(lock_);
	return clear_locked(fd);
}

FdTable::Forgotten FdTable::forget_closed(int fd)
{
	std::shared_ptr<File> current;
	{
		std::unique_lock guard(lock_);
		if (!reused_.erase(fd))
			return clear_locked(fd);
		if (static_cast<size_t>(fd) < by_fd_.size())
			current = by_fd_[static_cast<size_t>(fd)].lock();
	}
	/* Does the number still stand for what the table has there? Then
	 * the close was of the file before it, and was dealt with. */
	if (current) {
		auto id = space_->identity(fd);
		if (id && *id == current->identity())
			return {};
	}
	std::unique_lock guard(lock_);
	return clear_locked(fd);
}

std::vector<FdTable::Forgotten> FdTable::forget_closed_range(unsigned first, unsigned last)
{
	std::vector<Forgotten> out;
	size_t end;
	{
		std::shared_lock guard(lock_);
		end = by_fd_.size();
	}
	for (size_t fd = first; fd < end && fd <= last; fd++)
		if (Forgotten f = forget_closed(static_cast<int>(fd)); f.was)
			out.push_back(std::move(f));
	return out;
}

void FdTable::forget_all()
{
	std::vector<Entry> old;
	std::unique_lock guard(lock_);
	old.swap(by_fd_);
	guard.unlock();
}

void FdTable::copy_from(FdTable &parent)
{
	std::vector<Entry> copy;
	{
		std::shared_lock guard(parent.lock_);
		copy.reserve(parent.by_fd_.size());
		for (const Entry &e : parent.by_fd_)
			copy.push_back(entry(e.lock()));
	}
	std::vector<Entry> old;
	std::unique_lock guard(lock_);
	old.swap(by_fd_);
	by_fd_ = std::move(copy);
	guard.unlock();
}

size_t FdTable::references(const File *file)
{
	std::shared_lock guard(lock_);
	size_t n = 0;
	for (auto &e : by_fd_)
		n += file && e.lock().get() == file;
	return n;
}

std::vector<std::shared_ptr<File>> FdTable::files()
{
	return files_->files();
}

size_t FdTable::size()
{
	std::shared_lock guard(lock_);
	size_t n = 0;
	for (auto &f : by_fd_)
		n += static_cast<bool>(f);
	return n;
}

} /* namespace softvfio::vfs */
