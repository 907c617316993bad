/* SPDX-License-Identifier: MIT */
#include "vfs/fd_space.h"

#include <cerrno>
#include <sys/socket.h>
#include <unistd.h>

#include "base/fault_injection.h"

namespace softvfio::vfs {

namespace {

class LocalStandin final : public Standin
{
public:
	LocalStandin(UniqueFD fd, UniqueFD peer) : fd_(std::move(fd)), peer_(std::move(peer)) {}

	int number() const override { return fd_.get(); }
	int peer() const override { return peer_.get(); }
	UniqueFD take_peer() override { return std::move(peer_); }
	/* Committed: the number belongs to the fd table now. */
	void release() { (void)fd_.release(); }

private:
	UniqueFD fd_;
	UniqueFD peer_;
};

Result<UniqueFD> make_memfd(const StandinSpec &spec)
{
	auto memfd = create_memfd(spec.name, spec.size);
	if (!memfd)
		return err(memfd.error());
	UniqueFD standin = std::move(*memfd);
	/* A view in the file's access mode, so that a writable shared mmap of
	 * a read-only file fails natively. */
	if (spec.access_mode != O_RDWR) {
		auto view = reopen_fd(standin.get(), spec.access_mode | O_CLOEXEC);
		if (!view)
			return err(view.error());
		standin = std::move(*view);
	}
	if ((spec.flags & O_NONBLOCK) && ::fcntl(standin.get(), F_SETFL, O_NONBLOCK) < 0)
		return err(errno);
	if (!(spec.flags & O_CLOEXEC) && ::fcntl(standin.get(), F_SETFD, 0) < 0)
		return err(errno);
	return standin;
}

class LocalFdSpace final : public FdSpace
{
public:
	Result<std::unique_ptr<Standin>> reserve(const StandinSpec &spec) override
	{
		if (!spec.readiness) {
			auto fd = make_memfd(spec);
			if (!fd)
				return err(fd.error());
			return local_standin(std::move(*fd));
		}
		if (int e = fault_check(FaultPoint::MemfdCreate))
			return err(e);
		int sv[2];
		int type = SOCK_STREAM | ((spec.flags & O_CLOEXEC) ? SOCK_CLOEXEC : 0);
		if (::socketpair(AF_UNIX, type, 0, sv) < 0)
			return err(errno);
		UniqueFD mine(sv[0]), theirs(sv[1]);
		if (::fcntl(theirs.get(), F_SETFD, FD_CLOEXEC) < 0)
			return err(errno);
		return local_standin(std::move(mine), std::move(theirs));
	}

	Result<FileIdentity> commit(Standin &standin, const std::shared_ptr<File> &) override
	{
		auto id = file_identity(standin.number());
		if (!id)
			return err(id.error());
		static_cast<LocalStandin &>(standin).release();
		return id;
	}

	Result<FileIdentity> identity(int fd) override { return file_identity(fd); }

	bool entries_hold_files() const override { return true; }

	Result<void> close(int fd) override
	{
		if (::close(fd) < 0)
			return err(errno);
		return {};
	}

	Result<int> dup(int fd, int min_fd, bool cloexec) override
	{
		if (int e = fault_check(FaultPoint::FdDup))
			return err(e);
		int newfd = ::fcntl(fd, cloexec ? F_DUPFD_CLOEXEC : F_DUPFD, min_fd);
		if (newfd < 0)
			return err(errno);
		return newfd;
	}

	Result<int> dup3(int oldfd, int newfd, int flags) override
	{
		if (int e = fault_check(FaultPoint::FdDup))
			return err(e);
		if (::dup3(oldfd, newfd, flags) < 0)
			return err(errno);
		return newfd;
	}
};

} /* namespace */

std::shared_ptr<FdSpace> local_fd_space()
{
	static auto space = std::make_shared<LocalFdSpace>();
	return space;
}

std::unique_ptr<Standin> local_standin(UniqueFD fd, UniqueFD peer)
{
	return std::make_unique<LocalStandin>(std::move(fd), std::move(peer));
}

} /* namespace softvfio::vfs */
