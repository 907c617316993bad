/* SPDX-License-Identifier: MIT */
#include "session/remote_fds.h"

#include <cerrno>
#include <sys/socket.h>
#include <tuple>

#include "dmabuf/sync_file.h"
#include "session/call.h"
#include "session/client_process.h"
#include "session/session_kernel.h"

namespace softvfio::session {

namespace {

class RemoteStandin final : public vfs::Standin
{
public:
	RemoteStandin(ClientProcess &owner, int number, UniqueFD peer)
		: owner_(owner), number_(number), peer_(std::move(peer))
	{
	}

	/* Not installed: the program must not keep the fd. */
	~RemoteStandin() override
	{
		if (committed_)
			return;
		Call *call = current_call();
		if (call && &call->process() == &owner_) {
			wire::MmOp op{};
			op.kind = static_cast<uint32_t>(wire::MmOpKind::CloseFd);
			op.flags = static_cast<uint32_t>(number_);
			call->add_op(op);
		}
	}

	int number() const override { return number_; }
	int peer() const override { return peer_.get(); }
	UniqueFD take_peer() override { return std::move(peer_); }
	void commit() { committed_ = true; }

private:
	ClientProcess &owner_;
	const int number_;
	UniqueFD peer_;
	bool committed_ = false;
};

/* What the process says is the other end of a pair it made: a connected
 * unix stream socket whose peer is not named. An end of a stand-in the
 * process has already (its peer is the kernel's named end) is not one:
 * taking it, the kernel would name and shut down another file's stand-in,
 * whose file would then see its last close. Two system calls: the peer's
 * address says both the family (a socket of any other family has a longer
 * one) and that the peer is unnamed; that this end is not named either is
 * checked by naming it (bind fails on a bound socket), which the kernel
 * does next anyway. */
bool plausible_pair_end(int fd)
{
	int type = 0;
	socklen_t len = sizeof(int);
	if (::getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) < 0 || type != SOCK_STREAM)
		return false;
	struct sockaddr_storage addr;
	socklen_t alen = sizeof(addr);
	return ::getpeername(fd, reinterpret_cast<struct sockaddr *>(&addr), &alen) == 0 &&
	       alen == sizeof(sa_family_t) && addr.ss_family == AF_UNIX;
}

} /* namespace */

Result<std::unique_ptr<vfs::Standin>> RemoteFdSpace::reserve(const vfs::StandinSpec &spec)
{
	/* Only the calling process makes fds for itself. */
	Call *call = current_call();
	if (!call || &call->process() != &owner_)
		return err(EMFILE);
	const bool cloexec = (spec.flags & O_CLOEXEC) != 0;
	int mine, theirs;
	if (auto spare = call->take_spare(cloexec)) {
		std::tie(mine, theirs) = *spare;
	} else {
		auto answer = call->ask(wire::SubOp::NewStandin, {cloexec ? 1 : 0});
		if (!answer)
			return err(EIO);
		if (answer->result < 0)
			return err(static_cast<int>(-answer->result));
		call->asked_standin(cloexec);
		mine = static_cast<int>(answer->extra[0]);
		theirs = static_cast<int>(answer->extra[1]);
	}
	auto peer = owner_.host().take_fd(theirs);
	if (!peer || !plausible_pair_end(peer->get()) || !owner_.session().standins().name(peer->get(), spec.lazy_release)) {
		owner_.cut_off("a stand-in that is not one");
		return err(EIO);
	}
	return std::unique_ptr<vfs::Standin>(std::make_unique<RemoteStandin>(owner_, mine, std::move(*peer)));
}

Result<FileIdentity> RemoteFdSpace::commit(vfs::Standin &standin, const std::shared_ptr<vfs::File> &file)
{
	auto &remote = static_cast<RemoteStandin &>(standin);
	auto id = owner_.host().fd_identity(remote.number());
	if (!id)
		return err(id.error());
	if (file)
		SVFIO_TRY(owner_.session().standins().add(remote.take_peer(), file));
	remote.commit();
	return id;
}

Result<FileIdentity> RemoteFdSpace::identity(int fd)
{
	return owner_.host().fd_identity(fd);
}

/* A number closed and reused before the process told of the close (by
 * another thread, or a raw system call): the release that close may have
 * made runs in the call that found it, once the call's locks are let go
 * of (the table may be changed under a lock of the model's). */
void RemoteFdSpace::stale(int, const vfs::File *was, std::shared_ptr<vfs::File> file)
{
	if (!was)
		return;
	vfs::FdTable::Forgotten f{std::move(file), was};
	if (Call *call = current_call(); call && &call->process() == &owner_)
		call->close_later(std::move(f));
	else
		release_closed(owner_, std::move(f));
}

void release_closed(ClientProcess &process, vfs::FdTable::Forgotten f)
{
	if (!f.was)
		return;
	auto last = process.session().standins().closed(f.was);
	f.file.reset();
	last.reset();
	dmabuf::sync_file_prune();
}

Result<void> RemoteFdSpace::close(int)
{
	return err(ENOSYS);
}

Result<int> RemoteFdSpace::dup(int, int, bool)
{
	return err(ENOSYS);
}

Result<int> RemoteFdSpace::dup3(int, int, int)
{
	return err(ENOSYS);
}

} /* namespace softvfio::session */
