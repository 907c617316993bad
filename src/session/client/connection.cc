/* SPDX-License-Identifier: MIT */
#include "session/client/connection.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <utility>
#include <fcntl.h>
#include <sched.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <unistd.h>

#include "base/user_copy.h"
#include "session/client/register_trap.h"
#include "session/client/sys.h"
#include "session/wire/futex.h"

namespace softvfio::session {

namespace {

/* How long a call waits before it checks that its kernel is alive. */
constexpr uint64_t kReplyPollNs = 100'000'000;

/* The error applying a reply's mm ops gave, for the mmap wrapper. */
__thread int t_apply_error = 0;

/* The calling thread holds the mm table's Guard (a call made with
 * mm_held), for dead(). */
__thread bool t_mm_held = false;

/* The calling thread's id, asked once (gettid is a system call each
 * time). Only a slot's owner mark and where the search for a free slot
 * starts: any nonzero value would do, so the value a forked child's
 * thread inherits serves it as well. */
__thread uint32_t t_tid = 0;

uint32_t thread_mark() noexcept
{
	if (!t_tid)
		t_tid = static_cast<uint32_t>(::syscall(SYS_gettid));
	return t_tid;
}

long raw(long r) { return r < 0 ? -errno : r; }

/* The start time of a process (field 22 of /proc/<pid>/stat), to tell it
 * from a later process with the same pid. */
uint64_t start_time(pid_t pid)
{
	char path[64], buf[1024];
	std::snprintf(path, sizeof(path), "/proc/%d/stat", static_cast<int>(pid));
	int fd = static_cast<int>(::syscall(SYS_openat, AT_FDCWD, path, O_RDONLY | O_CLOEXEC));
	if (fd < 0)
		return 0;
	long n = ::syscall(SYS_read, fd, buf, sizeof(buf) - 1);
	sys::close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	const char *p = std::strrchr(buf, ')');
	for (int field = 2; p && field < 22; field++)
		p = std::strchr(p + 1, ' ');
	return p ? std::strtoull(p + 1, nullptr, 10) : 0;
}

uint64_t g_server_start = 0;

} /* namespace */

int Connection::handshake(const char *dir, const wire::JoinRequest &req, wire::JoinReply &reply, int *fd) noexcept
{
	struct sockaddr_un addr;
	std::memset(&addr, 0, sizeof(addr));
	addr.sun_family = AF_UNIX;
	int len = std::snprintf(addr.sun_path, sizeof(addr.sun_path), "%s/sock", dir);
	if (len < 0 || static_cast<size_t>(len) >= sizeof(addr.sun_path))
		return -ENAMETOOLONG;
	int s = static_cast<int>(raw(::syscall(SYS_socket, AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)));
	if (s < 0)
		return s;
	int r = static_cast<int>(raw(::syscall(SYS_connect, s, &addr, sizeof(addr))));
	if (r == 0)
		r = static_cast<int>(raw(::syscall(SYS_sendto, s, &req, sizeof(req), MSG_NOSIGNAL, nullptr, 0)));
	if (r >= 0) {
		struct iovec iov{&reply, sizeof(reply)};
		alignas(struct cmsghdr) char control[CMSG_SPACE(sizeof(int))];
		struct msghdr msg;
		std::memset(&msg, 0, sizeof(msg));
		msg.msg_iov = &iov;
		msg.msg_iovlen = 1;
		msg.msg_control = control;
		msg.msg_controllen = sizeof(control);
		long n;
		do
			n = raw(::syscall(SYS_recvmsg, s, &msg, MSG_CMSG_CLOEXEC | MSG_WAITALL));
		while (n == -EINTR);
		r = n == static_cast<long>(sizeof(reply)) ? 0 : (n < 0 ? static_cast<int>(n) : -EPROTO);
		if (fd)
			*fd = -1;
		for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
			if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
				continue;
			int got;
			std::memcpy(&got, CMSG_DATA(c), sizeof(got));
			if (fd && *fd < 0)
				*fd = got;
			else
				sys::close(got);
		}
	}
	sys::close(s);
	if (r == 0 && (reply.magic != wire::kMagic || reply.error))
		r = reply.error ? -reply.error : -EPROTO;
	if (r < 0 && fd && *fd >= 0) {
		sys::close(*fd);
		*fd = -1;
	}
	return r;
}

int Connection::join(const char *dir) noexcept
{
	if (!dir || !*dir)
		return -ENOENT;
	try {
		dir_ = dir;
	} catch (...) {
		return -ENOMEM;
	}
	wire::JoinRequest req{wire::kMagic, wire::kVersion, static_cast<uint32_t>(wire::JoinKind::Image), 0, 0, 0};
	wire::JoinReply reply;
	int mbfd = -1;
	if (int r = handshake(dir, req, reply, &mbfd))
		return r;
	if (mbfd < 0)
		return -EPROTO;
	long p = sys::mmap(0, wire::kMailboxSize, PROT_READ | PROT_WRITE, MAP_SHARED, mbfd, 0);
	sys::close(mbfd);
	if (p < 0)
		return static_cast<int>(p);
	auto *mb = reinterpret_cast<wire::Mailbox *>(p);
	if (mb->header.magic != wire::kMagic || mb->header.version != wire::kVersion) {
		sys::munmap(static_cast<uintptr_t>(p), wire::kMailboxSize);
		return -EPROTO;
	}
	server_ = static_cast<pid_t>(reply.server_pid);
	signal_ = static_cast<int>(reply.signal);
	g_server_start = start_time(server_);
	try {
		session_.assign(reply.session, strnlen(reply.session, sizeof(reply.session)));
	} catch (...) {
	}
	if (int r = mm_.init(server_, reply.empty_fd, signal_); r < 0) {
		sys::munmap(static_cast<uintptr_t>(p), wire::kMailboxSize);
		return r;
	}
	/* Without it every register read is a call: slower, never wrong. */
	(void)mm_.map_mirrors(reply.mirror_fd);
	/* Where Yama keeps ptrace to descendants, let the kernel reach our
	 * memory and fds (process_vm_readv, pidfd_getfd). */
	::prctl(PR_SET_PTRACER, static_cast<unsigned long>(server_), 0, 0, 0);
	install_work_handler(*this, signal_);
	arm_register_traps(*this);
	mailbox_.store(mb, std::memory_order_release);
	return 0;
}

Connection::~Connection()
{
	detach_work_handler(*this);
	disarm_register_traps(*this);
}

bool Connection::note_closed(int fd) noexcept
{
	wire::Mailbox *mb = mailbox_.load(std::memory_order_acquire);
	return mb && wire::mark_closed(mb->header.closed, fd);
}

bool Connection::alive() noexcept
{
	wire::Mailbox *mb = mailbox_.load(std::memory_order_acquire);
	if (!mb || mb->header.state.load(std::memory_order_acquire) != static_cast<uint32_t>(wire::MailboxState::Alive))
		return false;
	if (::syscall(SYS_kill, server_, 0) < 0 && errno == ESRCH)
		return false;
	return start_time(server_) == g_server_start;
}

/* The session is gone, or cut us off: every mapping faults from now on,
 * calls fail. A call whose caller holds the mm table's Guard says so in
 * t_mm_held (the lock is not recursive). */
void Connection::dead() noexcept
{
	const bool mm_held = t_mm_held;
	wire::Mailbox *mb = mailbox_.load(std::memory_order_acquire);
	if (!mb)
		return;
	uint32_t alive = static_cast<uint32_t>(wire::MailboxState::Alive);
	mb->header.state.compare_exchange_strong(alive, static_cast<uint32_t>(wire::MailboxState::Dead),
						 std::memory_order_acq_rel);
	if (mm_held) {
		mm_.revoke_all();
		return;
	}
	MmTable::Guard guard(mm_);
	mm_.revoke_all();
}

unsigned Connection::claim() noexcept
{
	wire::Mailbox *mb = mailbox_.load(std::memory_order_acquire);
	const uint32_t tid = thread_mark();
	for (;;) {
		for (unsigned i = 0; i < wire::kSlots; i++) {
			unsigned k = (tid + i) % wire::kSlots;
			uint32_t free = 0;
			if (mb->slots[k].c.owner.compare_exchange_strong(free, tid, std::memory_order_acquire))
				return k;
		}
		sched_yield();
	}
}

/* Answer a sub-request in `slot`; returns the answer's result. */
long Connection::answer(wire::Slot &slot, const wire::MsgHeader &h, bool mm_held, int &taken) noexcept
{
	wire::Reply out{};
	switch (static_cast<wire::SubOp>(h.op)) {
	case wire::SubOp::Reserve: {
		wire::Request q;
		std::memcpy(&q, slot.payload, sizeof(q));
		mm::PlacementRequest req{static_cast<uintptr_t>(q.a[0]), static_cast<uint64_t>(q.a[1]),
					 static_cast<int>(q.a[2]), static_cast<uint64_t>(q.a[3]), q.a[4] != 0};
		mm::HugeOrders orders{static_cast<unsigned>(q.a[5] & 0xff), static_cast<unsigned>((q.a[5] >> 8) & 0xff)};
		auto reserve = [&] {
			auto r = mm::reserve_range(mm_.reserver(), req, orders);
			return r ? static_cast<long>(*r) : -static_cast<long>(r.error());
		};
		if (mm_held) {
			out.result = reserve();
		} else {
			MmTable::Guard guard(mm_);
			out.result = reserve();
		}
		break;
	}
	case wire::SubOp::NewStandin: {
		wire::Request q;
		std::memcpy(&q, slot.payload, sizeof(q));
		int sv[2];
		int r = sys::socketpair_momentary(SOCK_STREAM | (q.a[0] ? SOCK_CLOEXEC : 0), sv);
		if (r < 0) {
			out.result = r;
			break;
		}
		/* The kernel takes the other end; until then it must not leak
		 * into an exec. */
		::syscall(SYS_fcntl, sv[1], F_SETFD, FD_CLOEXEC);
		out.extra[0] = sv[0];
		out.extra[1] = sv[1];
		taken = sv[1];
		if (fd_observer_)
			fd_observer_(sv[0], sv[1]);
		break;
	}
	case wire::SubOp::ApplyOps: {
		wire::Reply batch;
		std::memcpy(&batch, slot.payload, sizeof(batch));
		size_t n = std::min<size_t>(batch.nops, wire::kMaxReplyOps);
		auto *ops = reinterpret_cast<const wire::MmOp *>(slot.payload + sizeof(wire::Reply));
		if (mm_held) {
			out.result = mm_.apply(ops, n);
		} else {
			MmTable::Guard guard(mm_);
			out.result = mm_.apply(ops, n);
		}
		break;
	}
	default:
		out.result = -ENOSYS;
		break;
	}
	out.h = wire::MsgHeader{static_cast<uint32_t>(wire::MsgKind::SubReply), h.op, h.seq, 0};
	std::memcpy(slot.payload, &out, sizeof(out));
	slot.c.to_kernel.fetch_add(1, std::memory_order_release);
	wire::futex_wake(slot.c.to_kernel);
	return out.result;
}

long Connection::call(wire::Op op, std::initializer_list<int64_t> args, int64_t *extra, bool mm_held) noexcept
{
	return call_with(op, args, extra, mm_held, nullptr);
}

bool Connection::ioctl_from_memo(int fd, uint32_t key, unsigned long cmd, uintptr_t arg, long &result) noexcept
{
	wire::Mailbox *mb = mailbox_.load(std::memory_order_acquire);
	if (!mb)
		return false;
	const uint32_t generation = mb->header.cache_generation.load(std::memory_order_acquire);
	/* Once the kernel serves us no more, not even from memory (the call
	 * then fails with ENODEV and revokes the mappings). */
	return mb->header.state.load(std::memory_order_acquire) == static_cast<uint32_t>(wire::MailboxState::Alive) &&
	       memo_.answer(fd, key, cmd, arg, generation, result);
}

long Connection::ioctl(int fd, uint32_t key, unsigned long cmd, uintptr_t arg) noexcept
{
	wire::Mailbox *mb = mailbox_.load(std::memory_order_acquire);
	if (!mb)
		return -ENODEV;
	const uint32_t generation = mb->header.cache_generation.load(std::memory_order_acquire);
	long r;
	if (ioctl_from_memo(fd, key, cmd, arg, r))
		return r;
	unsigned char buf[wire::kMemoMax];
	Data data{buf, sizeof(buf), 0};
	/* The question's first bytes, for StandinHints. An argument below
	 * the lowest address a program can map is a number, not a pointer:
	 * not read (a guarded read of it would cost a fault). */
	constexpr uintptr_t kLowestMappable = 65536;
	uint64_t head = 0;
	const bool asked = arg >= kLowestMappable && copy_from_user(&head, user_ptr(arg), sizeof(head));
	Spare spare;
	if (asked && hints_.expects(cmd, head, spare.cloexec))
		make_spare(spare);
	const bool offered = spare.offered();
	r = call_with(wire::Op::Ioctl, {fd, static_cast<int64_t>(cmd), static_cast<int64_t>(arg)}, nullptr, false, &data,
		      &spare);
	if (offered) {
		spares_offered_.fetch_add(1, std::memory_order_relaxed);
		if (spare.reply_flags & wire::kReplySpareTaken)
			spares_taken_.fetch_add(1, std::memory_order_relaxed);
	}
	if (asked)
		hints_.learn(cmd, head, spare.reply_flags, offered);
	if (data.length)
		memo_.remember(fd, key, cmd, generation, r, buf, data.length);
	return r;
}

bool Connection::make_spare(Spare &spare) noexcept
{
	int sv[2];
	if (sys::socketpair_momentary(SOCK_STREAM | (spare.cloexec ? SOCK_CLOEXEC : 0), sv) < 0)
		return false;
	/* The kernel takes the other end; until then it must not leak into
	 * an exec. */
	if (!spare.cloexec)
		::syscall(SYS_fcntl, sv[1], F_SETFD, FD_CLOEXEC);
	spare.ends[0] = sv[0];
	spare.ends[1] = sv[1];
	if (fd_observer_)
		fd_observer_(sv[0], sv[1]);
	return true;
}

long Connection::call_with(wire::Op op, std::initializer_list<int64_t> args, int64_t *extra, bool mm_held,
			   Data *data, Spare *spare) noexcept
{
	/* The spare's ends this call still holds: the other end always goes
	 * when the call is over (the kernel has its own copy of it, if it
	 * took it); the kept end too unless the kernel made it a stand-in. */
	struct SpareEnds {
		Spare *spare;
		~SpareEnds()
		{
			if (!spare)
				return;
			sys::close(spare->ends[1]);
			if (!(spare->reply_flags & wire::kReplySpareTaken))
				sys::close(spare->ends[0]);
		}
	} spare_ends{spare && spare->offered() ? spare : nullptr};
	wire::Mailbox *mb = mailbox_.load(std::memory_order_acquire);
	if (!mb)
		return -ENODEV;
	wire::Header &header = mb->header;
	const auto alive_state = static_cast<uint32_t>(wire::MailboxState::Alive);
	if (header.state.load(std::memory_order_acquire) != alive_state) {
		t_mm_held = mm_held;
		dead();
		t_mm_held = false;
		return -ENODEV;
	}
	t_apply_error = 0;
	const unsigned k = claim();
	wire::Slot &slot = mb->slots[k];
	/* Running until its reply is applied: what the kernel makes in it
	 * may be changed by another process's call before then. It ends
	 * before the slot is free for another call's ticket. */
	struct Running {
		EarlyStates &early;
		unsigned slot;
		bool running = true;
		void end()
		{
			if (std::exchange(running, false))
				early.end(slot);
		}
		~Running() { end(); }
	} running{mm_.early(), k};
	mm_.early().begin(k);
	if (!slot.c.served.load(std::memory_order_acquire) && !slot.c.wanted.exchange(1, std::memory_order_acq_rel)) {
		header.doorbell.fetch_add(1, std::memory_order_release);
		wire::futex_wake(header.doorbell);
	}
	const uint32_t seq = seq_.fetch_add(1) + 1;
	wire::Request req{};
	req.h = wire::MsgHeader{static_cast<uint32_t>(wire::MsgKind::Request), static_cast<uint32_t>(op), seq, 0};
	size_t i = 0;
	for (int64_t a : args)
		if (i < 6)
			req.a[i++] = a;
	req.spare[0] = req.spare[1] = -1;
	if (spare_ends.spare) {
		req.h.flags = wire::kRequestSpare | (spare->cloexec ? wire::kRequestSpareCloexec : 0);
		req.spare[0] = spare->ends[0];
		req.spare[1] = spare->ends[1];
	}
	uint32_t seen = slot.c.to_client.load(std::memory_order_acquire);
	std::memcpy(slot.payload, &req, sizeof(req));
	/* Where this thread runs, for the worker to follow (the kernel's
	 * serve loop says why); sched_getcpu() is a read of the rseq area. */
	const int cpu = ::sched_getcpu();
	slot.c.client_cpu.store(cpu >= 0 ? static_cast<uint32_t>(cpu) + 1 : 0, std::memory_order_relaxed);
	slot.c.to_kernel.fetch_add(1, std::memory_order_release);
	wire::futex_wake(slot.c.to_kernel);

	int taken = -1;
	long result;
	for (;;) {
		uint32_t now = slot.c.to_client.load(std::memory_order_acquire);
		if (now == seen) {
			int w = wire::futex_wait(slot.c.to_client, seen, kReplyPollNs);
			/* A last message first: the kernel may answer, then stop. */
			if (slot.c.to_client.load(std::memory_order_acquire) != seen)
				continue;
			/* Work for this process while the call waits (the kernel
			 * wakes the waiting calls when it posts): the call may be
			 * what the work waits for (it revokes under memory_lock,
			 * which this call may wait for) and this thread may hold
			 * the table with the session signal blocked, or be the
			 * only one that could run the handler. */
			if (MmTable::work_pending(header)) {
				if (mm_held) {
					mm_.apply_work_locked(header);
				} else {
					MmTable::Guard guard(mm_);
					mm_.apply_work_locked(header);
				}
				wire::futex_wake(header.done, INT32_MAX);
				continue;
			}
			if (header.state.load(std::memory_order_acquire) != alive_state ||
			    (w == -ETIMEDOUT && !alive())) {
				/* The slot stays taken: nobody serves it any more. */
				t_mm_held = mm_held;
				dead();
				t_mm_held = false;
				return -ENODEV;
			}
			continue;
		}
		seen = now;
		if (taken >= 0) {
			sys::close(taken);
			taken = -1;
		}
		wire::MsgHeader h;
		std::memcpy(&h, slot.payload, sizeof(h));
		if (h.seq != seq) {
			result = -EIO;
			break;
		}
		if (h.kind == static_cast<uint32_t>(wire::MsgKind::SubRequest)) {
			answer(slot, h, mm_held, taken);
			continue;
		}
		wire::Reply r;
		std::memcpy(&r, slot.payload, sizeof(r));
		result = r.result;
		if (spare)
			spare->reply_flags = r.h.flags;
		if (extra) {
			extra[0] = r.extra[0];
			extra[1] = r.extra[1];
		}
		const size_t data_at = sizeof(wire::Reply) + std::min<size_t>(r.nops, wire::kMaxReplyOps) * sizeof(wire::MmOp);
		if (data && r.data_len && r.data_len <= data->capacity && data_at + r.data_len <= wire::kPayload) {
			std::memcpy(data->buf, slot.payload + data_at, r.data_len);
			data->length = r.data_len;
		}
		if (r.nops) {
			size_t n = std::min<size_t>(r.nops, wire::kMaxReplyOps);
			auto *ops = reinterpret_cast<const wire::MmOp *>(slot.payload + sizeof(wire::Reply));
			if (mm_held) {
				t_apply_error = mm_.apply(ops, n);
			} else {
				MmTable::Guard guard(mm_);
				t_apply_error = mm_.apply(ops, n);
			}
		}
		break;
	}
	running.end();
	slot.c.owner.store(0, std::memory_order_release);
	return result;
}

int last_apply_error() noexcept
{
	return t_apply_error;
}

} /* namespace softvfio::session */
