/* SPDX-License-Identifier: MIT */
#include "session/session_kernel.h"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <poll.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "base/log.h"
#include "kernel/kernel_impl.h"
#include "mm/zap_fence.h"
#include "session/call.h"
#include "session/client_process.h"
#include "session/introspect.h"
#include "session/trace_attach.h"
#include "session/wire/protocol.h"

namespace softvfio::session {

namespace {

uint64_t tag(uint8_t kind, uint64_t value) { return (uint64_t{kind} << 56) | value; }

/* How long a fork's child record waits for its child once its parent is
 * gone (a failed fork inside the C library leaves one behind). */
constexpr auto kOrphanGrace = std::chrono::seconds(5);
/* How often an exec in progress is looked at. */
constexpr int kExecPollMs = 10;

UniqueFD pidfd_open(pid_t pid)
{
	return UniqueFD(static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)));
}

/* The kernel's empty memfd: every revoked run of every process maps it;
 * sealed at size 0, so every access beyond its end raises SIGBUS. */
UniqueFD make_empty_memfd()
{
	UniqueFD fd(::memfd_create("softvfio-revoked", MFD_CLOEXEC | MFD_ALLOW_SEALING));
	if (fd)
		::fcntl(fd.get(), F_ADD_SEALS, F_SEAL_GROW | F_SEAL_SHRINK | F_SEAL_SEAL);
	return fd;
}

bool read_full(int fd, void *buf, size_t len)
{
	auto *p = static_cast<char *>(buf);
	while (len) {
		ssize_t n = ::recv(fd, p, len, 0);
		if (n <= 0)
			return false;
		p += n;
		len -= static_cast<size_t>(n);
	}
	return true;
}

void send_reply(int conn, const wire::JoinReply &reply, int fd)
{
	struct iovec iov{const_cast<wire::JoinReply *>(&reply), sizeof(reply)};
	struct msghdr msg;
	std::memset(&msg, 0, sizeof(msg));
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	alignas(struct cmsghdr) char control[CMSG_SPACE(sizeof(int))];
	if (fd >= 0) {
		msg.msg_control = control;
		msg.msg_controllen = sizeof(control);
		struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int));
		std::memcpy(CMSG_DATA(c), &fd, sizeof(int));
	}
	(void)::sendmsg(conn, &msg, MSG_NOSIGNAL);
}

} /* namespace */

SessionKernel::SessionKernel(Kernel &kernel, SessionConfig config, UniqueFD listener)
	: kernel_(kernel), config_(std::move(config)), listener_(std::move(listener)),
	  epoll_(::epoll_create1(EPOLL_CLOEXEC)), stop_fd_(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)),
	  empty_fd_(make_empty_memfd())
{
	if (!epoll_ || !stop_fd_ || !empty_fd_) {
		error_ = errno ? errno : ENOMEM;
		return;
	}
	auto mirrors = MirrorDirectory::create();
	if (!mirrors) {
		error_ = mirrors.error();
		return;
	}
	mirrors_ = std::move(*mirrors);
	standins_ = std::make_unique<StandinTable>(epoll_.get(), config_.name);
	/* Revocations reach every process before they can be observed. */
	mm::set_zap_fence(&WorkScope::flush_current);
	auto watch = [&](int fd, Tag kind, uint64_t value) {
		struct epoll_event ev;
		std::memset(&ev, 0, sizeof(ev));
		ev.events = EPOLLIN;
		ev.data.u64 = tag(static_cast<uint8_t>(kind), value);
		if (::epoll_ctl(epoll_.get(), EPOLL_CTL_ADD, fd, &ev) < 0)
			error_ = errno;
	};
	watch(listener_.get(), Tag::Listener, 0);
	watch(stop_fd_.get(), Tag::Stop, 0);
	if (config_.stop_signal_fd >= 0)
		watch(config_.stop_signal_fd, Tag::Stop, 0);
	if (config_.founder > 0) {
		founder_pidfd_ = pidfd_open(config_.founder);
		if (founder_pidfd_)
			watch(founder_pidfd_.get(), Tag::Founder, 0);
	}
	worker_ = std::thread([this] { worker_loop(); });
}

SessionKernel::~SessionKernel()
{
	retire_all();
	{
		WorkScope work;
		standins_.reset();
	}
	{
		std::lock_guard guard(work_lock_);
		work_stop_ = true;
	}
	work_cv_.notify_all();
	work_done_cv_.notify_all();
	if (worker_.joinable())
		worker_.join();
}

void SessionKernel::thread_finished()
{
	/* Under the lock, the waiter's: it cannot see the count reach zero,
	 * return and destroy the kernel (the condition variable with it)
	 * while this thread is still about to notify. */
	std::lock_guard guard(threads_lock_);
	if (threads_.fetch_sub(1) == 1)
		threads_cv_.notify_all();
}

bool SessionKernel::serving_threads_gone(std::chrono::milliseconds limit)
{
	std::unique_lock guard(threads_lock_);
	return threads_cv_.wait_for(guard, limit, [this] { return threads_.load() == 0; });
}

void SessionKernel::stop() noexcept
{
	uint64_t one = 1;
	ssize_t r = ::write(stop_fd_.get(), &one, sizeof(one));
	(void)r;
}

void SessionKernel::later(std::function<void()> fn)
{
	{
		std::lock_guard guard(work_lock_);
		work_.push_back(std::move(fn));
		work_queued_++;
	}
	work_cv_.notify_one();
}

void SessionKernel::settle()
{
	std::vector<uint64_t> ended;
	{
		std::lock_guard guard(records_lock_);
		for (const auto &[id, record] : records_)
			if (record->host().exited())
				ended.push_back(id);
	}
	/* What the event loop would do on their pidfds' readiness. */
	for (uint64_t id : ended)
		gone(id);
	standins_->settle();
	/* And the releases and tear-downs queued until now. */
	std::unique_lock guard(work_lock_);
	const uint64_t upto = work_queued_;
	work_done_cv_.wait(guard, [&] { return work_done_ >= upto || work_stop_; });
}

void SessionKernel::deliver_later(std::shared_ptr<ClientProcess> process, uint64_t upto)
{
	later([process = std::move(process), upto] { process->deliver(upto); });
}

void SessionKernel::worker_loop()
{
	for (;;) {
		std::function<void()> fn;
		{
			std::unique_lock guard(work_lock_);
			work_cv_.wait(guard, [this] { return work_stop_ || !work_.empty(); });
			if (work_.empty())
				return;
			fn = std::move(work_.front());
			work_.pop_front();
		}
		{
			WorkScope work;
			try {
				fn();
			} catch (...) {
				log::message(log::Level::Warning, "session: a release failed (out of memory)");
			}
		}
		fn = nullptr;
		{
			std::lock_guard guard(work_lock_);
			work_done_++;
		}
		work_done_cv_.notify_all();
	}
}

size_t SessionKernel::members()
{
	std::lock_guard guard(records_lock_);
	size_t n = founder_pidfd_ ? 1 : 0;
	for (auto &[id, r] : records_)
		n += !r->retired();
	return n;
}

void SessionKernel::run()
{
	serve();
	retire_all();
}

/* The session's end: no process is served any more, and every serving
 * thread has left (a call in progress finishes first). */
void SessionKernel::retire_all()
{
	std::vector<std::shared_ptr<ClientProcess>> all;
	{
		std::lock_guard guard(records_lock_);
		for (auto &[id, r] : records_)
			all.push_back(r);
		records_.clear();
	}
	for (auto &r : all)
		r->retire();
	/* Serving threads leave on their own once their record is retired. */
	{
		std::unique_lock guard(threads_lock_);
		threads_cv_.wait(guard, [this] { return threads_.load() == 0; });
	}
	WorkScope work;
	all.clear();
}

void SessionKernel::serve()
{
	if (error_)
		return;
	for (;;) {
		if (config_.exit_when_empty && members() == 0)
			return;
		struct epoll_event events[32];
		/* An exec in progress is looked at often: if its image does not
		 * join, the old image's mappings are gone now, as on Linux. */
		int n = ::epoll_wait(epoll_.get(), events, 32, expire_images() ? kExecPollMs : 1000);
		if (n < 0 && errno != EINTR)
			return;
		for (int i = 0; i < n; i++) {
			const uint64_t data = events[i].data.u64;
			const auto kind = static_cast<Tag>(data >> 56);
			const uint64_t value = data & ((uint64_t{1} << 56) - 1);
			switch (kind) {
			case Tag::Listener:
				accept_one();
				break;
			case Tag::Stop:
				return;
			case Tag::Pidfd:
				gone(value);
				break;
			case Tag::Founder:
				::epoll_ctl(epoll_.get(), EPOLL_CTL_DEL, founder_pidfd_.get(), nullptr);
				founder_pidfd_.reset();
				break;
			default: {
				/* A stand-in (StandinTable registers its fd as data). */
				auto file = standins_->event(static_cast<int>(data), events[i].events);
				if (file)
					later([file = std::move(file)]() mutable { file.reset(); });
				break;
			}
			}
		}
		expire_orphans();
	}
}

void SessionKernel::accept_one()
{
	UniqueFD conn(::accept4(listener_.get(), nullptr, nullptr, SOCK_CLOEXEC));
	if (!conn)
		return;
	/* A silent peer must not hold up the session. */
	struct timeval tv{1, 0};
	::setsockopt(conn.get(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	handle_connection(conn.get());
}

void SessionKernel::handle_connection(int conn)
{
	wire::JoinReply reply;
	std::memset(&reply, 0, sizeof(reply));
	reply.magic = wire::kMagic;
	reply.server_pid = static_cast<uint32_t>(::getpid());
	reply.signal = static_cast<uint32_t>(config_.signal);
	reply.mailbox_size = wire::kMailboxSize;
	reply.empty_fd = empty_fd_.get();
	reply.mirror_fd = mirrors_->fd();
	std::snprintf(reply.session, sizeof(reply.session), "%s", config_.name.c_str());

	wire::JoinRequest req;
	struct ucred cred;
	socklen_t len = sizeof(cred);
	if (!read_full(conn, &req, sizeof(req)) || req.magic != wire::kMagic ||
	    ::getsockopt(conn, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0) {
		reply.error = EPROTO;
		send_reply(conn, reply, -1);
		return;
	}
	if (req.version != wire::kVersion) {
		reply.error = EPROTONOSUPPORT;
		send_reply(conn, reply, -1);
		return;
	}
	/* The session is its user's: the socket's directory is 0700, and a
	 * process of another user (root included) is not one of its own. */
	if (cred.uid != ::getuid()) {
		reply.error = EPERM;
		send_reply(conn, reply, -1);
		return;
	}

	switch (static_cast<wire::JoinKind>(req.kind)) {
	case wire::JoinKind::Image: {
		/* A program image of a process we know means it exec'd: the old
		 * image's mappings are gone, its fds are found again by
		 * identity. */
		/* The trace attached to the old image follows the new one. */
		std::string trace;
		if (auto old = find(cred.pid)) {
			trace = trace_of(*old);
			old->retire();
			gone(old->id());
		}
		if (cred.pid == config_.founder && founder_pidfd_) {
			::epoll_ctl(epoll_.get(), EPOLL_CTL_DEL, founder_pidfd_.get(), nullptr);
			founder_pidfd_.reset();
		}
		UniqueFD pidfd = pidfd_open(cred.pid);
		if (!pidfd) {
			reply.error = errno;
			break;
		}
		auto record = ClientProcess::create(*this, cred.pid, std::move(pidfd));
		if (!record) {
			reply.error = record.error();
			break;
		}
		if (!trace.empty())
			(void)set_trace(**record, trace, false);
		joined(*record);
		send_reply(conn, reply, (*record)->mailbox_fd());
		return;
	}
	case wire::JoinKind::Attach: {
		std::shared_ptr<ClientProcess> record;
		{
			std::lock_guard guard(records_lock_);
			auto it = records_.find(req.arg);
			if (it != records_.end())
				record = it->second;
		}
		if (!record || record->state() != ClientProcess::State::Forking || record->token() != req.token) {
			reply.error = ESRCH;
			break;
		}
		UniqueFD pidfd = pidfd_open(cred.pid);
		if (!pidfd) {
			reply.error = errno;
			break;
		}
		record->bind(cred.pid, std::move(pidfd));
		joined(record);
		send_reply(conn, reply, -1);
		return;
	}
	case wire::JoinKind::Query:
		/* softvfio maps: an answer and no membership (introspect.h). */
		answer_query(*this, conn, req, reply);
		return;
	case wire::JoinKind::Trace: {
		/* softvfio trace -p: the settings go to the process's mailbox
		 * (trace_attach.h); no membership. */
		wire::TraceRequest trace;
		if (!read_full(conn, &trace, sizeof(trace))) {
			reply.error = EPROTO;
			break;
		}
		const pid_t pid = static_cast<pid_t>(req.arg);
		auto record = req.arg > 0 && req.arg <= INT32_MAX ? find(pid) : nullptr;
		if (!record || record->retired()) {
			reply.error = ESRCH;
			break;
		}
		auto set = set_trace(*record, std::string_view(trace.config, strnlen(trace.config, sizeof(trace.config))),
				     true);
		reply.error = set ? 0 : set.error();
		break;
	}
	default:
		reply.error = EINVAL;
		break;
	}
	send_reply(conn, reply, -1);
}

void SessionKernel::joined(const std::shared_ptr<ClientProcess> &record)
{
	record->set_state(ClientProcess::State::Live);
	{
		std::lock_guard guard(records_lock_);
		records_[record->id()] = record;
	}
	struct epoll_event ev;
	std::memset(&ev, 0, sizeof(ev));
	ev.events = EPOLLIN;
	ev.data.u64 = tag(static_cast<uint8_t>(Tag::Pidfd), record->id());
	::epoll_ctl(epoll_.get(), EPOLL_CTL_ADD, record->host().pidfd(), &ev);
	record->start_serving();
}

/* The process behind record `id` exited, was killed or exec'd: its
 * references go, from the worker (releases may reach other processes). */
void SessionKernel::gone(uint64_t id)
{
	std::shared_ptr<ClientProcess> record;
	{
		std::lock_guard guard(records_lock_);
		auto it = records_.find(id);
		if (it == records_.end())
			return;
		record = std::move(it->second);
		records_.erase(it);
		if (record->host().pidfd() >= 0)
			::epoll_ctl(epoll_.get(), EPOLL_CTL_DEL, record->host().pidfd(), nullptr);
		/* Queued before the lock goes: a settle() that no longer finds
		 * the record (the event loop took it) waits for its drop. */
		drop_record(std::move(record));
	}
}

void SessionKernel::drop_record(std::shared_ptr<ClientProcess> record)
{
	record->retire();
	later([record = std::move(record)]() mutable {
		/* Its tables first, here under a WorkScope, whoever holds the
		 * record last. */
		record->process().fds.forget_all();
		record->process().mm.clear();
		record.reset();
	});
}

Result<std::shared_ptr<ClientProcess>> SessionKernel::prepare_fork(ClientProcess &parent)
{
	auto record = ClientProcess::create(*this, 0, UniqueFD(), parent.pid());
	if (!record)
		return record;
	(*record)->set_state(ClientProcess::State::Forking);
	(*record)->process().fds.copy_from(parent.process().fds);
	(*record)->process().mm.fork_from(parent.process().mm);
	if (std::string trace = trace_of(parent); !trace.empty())
		(void)set_trace(**record, trace, false);
	std::lock_guard guard(records_lock_);
	records_[(*record)->id()] = *record;
	return record;
}

void SessionKernel::fork_failed(ClientProcess &parent, uint64_t id)
{
	std::shared_ptr<ClientProcess> record;
	{
		std::lock_guard guard(records_lock_);
		auto it = records_.find(id);
		if (it == records_.end() || it->second->parent() != parent.pid() ||
		    it->second->state() != ClientProcess::State::Forking)
			return;
		record = std::move(it->second);
		records_.erase(it);
	}
	drop_record(std::move(record));
}

/* Processes that exec'd an image without the shim: their old image's
 * mappings go (and with them what they held: a BAR mapping the device),
 * their fds stay, held by the new image. True while an exec is in
 * progress somewhere. */
bool SessionKernel::expire_images()
{
	std::vector<std::shared_ptr<ClientProcess>> replaced;
	bool execing = false;
	{
		std::lock_guard guard(records_lock_);
		for (auto &[id, r] : records_) {
			if (r->state() != ClientProcess::State::Execing)
				continue;
			if (r->image_replaced())
				replaced.push_back(r);
			else
				execing = true;
		}
		/* Queued before the lock goes: a settle() after another
		 * thread's look waits for what that look found. */
		for (auto &r : replaced)
			later([r = std::move(r)]() mutable {
				r->process().mm.clear();
				r.reset();
			});
	}
	return execing;
}

/* Fork records whose parent is gone and whose child never came. */
void SessionKernel::expire_orphans()
{
	std::vector<std::shared_ptr<ClientProcess>> expired;
	{
		std::lock_guard guard(records_lock_);
		const auto now = std::chrono::steady_clock::now();
		for (auto it = records_.begin(); it != records_.end();) {
			auto &r = it->second;
			bool orphan = r->state() == ClientProcess::State::Forking && now - r->created() > kOrphanGrace;
			if (orphan)
				for (auto &[id, other] : records_)
					orphan = orphan && !(other->pid() == r->parent() && !other->retired());
			if (orphan) {
				expired.push_back(std::move(r));
				it = records_.erase(it);
			} else {
				++it;
			}
		}
	}
	for (auto &r : expired)
		drop_record(std::move(r));
}

std::vector<std::shared_ptr<ClientProcess>> SessionKernel::processes()
{
	std::vector<std::shared_ptr<ClientProcess>> out;
	std::lock_guard guard(records_lock_);
	for (auto &[id, r] : records_)
		out.push_back(r);
	return out;
}

std::shared_ptr<ClientProcess> SessionKernel::find(pid_t pid)
{
	std::lock_guard guard(records_lock_);
	for (auto &[id, r] : records_)
		if (r->pid() == pid && r->state() != ClientProcess::State::Forking && !r->retired())
			return r;
	return nullptr;
}

} /* namespace softvfio::session */
