/* SPDX-License-Identifier: MIT */
/*
 * The zygote and its puppets (session_puppet.h). A puppet shares the
 * zygote's address space and runs no code of the C library or of the
 * sanitizers: only the functions marked PUPPET below, which make system
 * calls themselves (the C library's errno and the sanitizers' state are
 * thread-local, and a puppet has no thread of its own to the C library).
 */
#include "fuzz/session_puppet.h"

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <new>
#include <ctime>
#include <linux/futex.h>
#include <poll.h>
#include <sched.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "session/wire/futex.h"
#include "session/wire/protocol.h"

#define PUPPET __attribute__((no_sanitize("address", "undefined", "coverage")))

namespace softvfio::fuzz::puppet {

namespace {

namespace wire = session::wire;

constexpr size_t kStack = 64 * 1024;

/* The same address in the fuzzer, the zygote and every puppet. */
Shared *g_shared = nullptr;
/* The zygote's: its puppets' stacks. */
unsigned char *g_stacks = nullptr;

PUPPET inline __attribute__((always_inline)) long sys(long n, long a = 0, long b = 0, long c = 0, long d = 0,
						     long e = 0, long f = 0)
{
	register long r10 asm("r10") = d;
	register long r8 asm("r8") = e;
	register long r9 asm("r9") = f;
	long ret;
	asm volatile("syscall"
		     : "=a"(ret)
		     : "a"(n), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8), "r"(r9)
		     : "rcx", "r11", "memory");
	return ret;
}

PUPPET inline __attribute__((always_inline)) void wake(std::atomic<uint32_t> &w)
{
	sys(SYS_futex, reinterpret_cast<long>(&w), FUTEX_WAKE, 1);
}

/* The session signal: acknowledge the mm work as the puppet's mode says
 * (a client applies the entries first; a puppet has no mappings to apply
 * them to). */
PUPPET void on_signal(int, siginfo_t *, void *)
{
	const int32_t me = static_cast<int32_t>(sys(SYS_getpid));
	for (Ctl &c : g_shared->puppets) {
		if (c.pid.load(std::memory_order_relaxed) != me)
			continue;
		c.signals.fetch_add(1, std::memory_order_relaxed);
		auto *mb = reinterpret_cast<wire::Mailbox *>(c.mailbox.load(std::memory_order_acquire));
		const Ack mode = static_cast<Ack>(c.ack.load(std::memory_order_relaxed));
		if (!mb || mode == Ack::Never)
			return;
		uint32_t posted = static_cast<uint32_t>(mb->header.posted.load(std::memory_order_acquire));
		mb->header.done.store(mode == Ack::Garbage ? posted + 1000 : posted, std::memory_order_release);
		wake(mb->header.done);
		return;
	}
}

extern "C" void softvfio_fuzz_puppet_restore_rt();
asm(".pushsection .text\n"
    ".type softvfio_fuzz_puppet_restore_rt, @function\n"
    "softvfio_fuzz_puppet_restore_rt:\n"
    "\tmovq $15, %rax\n"
    "\tsyscall\n"
    ".size softvfio_fuzz_puppet_restore_rt, .-softvfio_fuzz_puppet_restore_rt\n"
    ".popsection");

struct KernelSigaction {
	void (*handler)(int, siginfo_t *, void *);
	unsigned long flags;
	void (*restorer)();
	uint64_t mask;
};

/* Connect to the session socket, send the request, read the answer up to
 * the kernel's close (a query's document follows its reply: the tail that
 * does not fit is read and dropped). */
PUPPET void join(Ctl &c)
{
	c.r[1] = -1;
	long s = sys(SYS_socket, AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (s < 0) {
		c.r[0] = s;
		return;
	}
	struct timeval tv{1, 0};
	sys(SYS_setsockopt, s, SOL_SOCKET, SO_RCVTIMEO, reinterpret_cast<long>(&tv), sizeof(tv));
	long r = sys(SYS_connect, s, reinterpret_cast<long>(&g_shared->addr), g_shared->addr_len);
	if (r == 0) {
		const uint32_t len = c.len < sizeof(c.buf) ? c.len : sizeof(c.buf);
		r = sys(SYS_sendto, s, reinterpret_cast<long>(c.buf), len, MSG_NOSIGNAL, 0, 0);
		if (c.a[0])
			sys(SYS_shutdown, s, SHUT_WR);
	}
	size_t got = 0;
	while (r >= 0) {
		unsigned char sink[256];
		struct iovec iov;
		iov.iov_base = got < sizeof(c.buf) ? c.buf + got : sink;
		iov.iov_len = got < sizeof(c.buf) ? sizeof(c.buf) - got : sizeof(sink);
		alignas(struct cmsghdr) char control[CMSG_SPACE(sizeof(int))];
		struct msghdr msg;
		for (size_t i = 0; i < sizeof(msg); i++)
			reinterpret_cast<volatile char *>(&msg)[i] = 0;
		msg.msg_iov = &iov;
		msg.msg_iovlen = 1;
		msg.msg_control = control;
		msg.msg_controllen = sizeof(control);
		r = sys(SYS_recvmsg, s, reinterpret_cast<long>(&msg), MSG_CMSG_CLOEXEC);
		if (r == -EINTR) {
			r = 0;
			continue;
		}
		if (r <= 0)
			break;
		if (msg.msg_controllen >= CMSG_LEN(sizeof(int))) {
			auto *cm = reinterpret_cast<struct cmsghdr *>(control);
			if (cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_RIGHTS) {
				int fd = *reinterpret_cast<int *>(CMSG_DATA(cm));
				if (c.r[1] < 0)
					c.r[1] = fd;
				else
					sys(SYS_close, fd);
			}
		}
		if (got < sizeof(c.buf))
			got += static_cast<size_t>(r);
	}
	c.r[0] = r < 0 && !got ? r : static_cast<long>(got);
	sys(SYS_close, s);
}

PUPPET void run(Ctl &c)
{
	switch (static_cast<Cmd>(c.cmd)) {
	case Cmd::Socketpair:
	case Cmd::Pipe: {
		int fds[2] = {-1, -1};
		c.r[0] = static_cast<Cmd>(c.cmd) == Cmd::Pipe
				 ? sys(SYS_pipe2, reinterpret_cast<long>(fds), O_CLOEXEC)
				 : sys(SYS_socketpair, AF_UNIX, SOCK_STREAM | (c.a[0] ? SOCK_CLOEXEC : 0), 0,
				       reinterpret_cast<long>(fds));
		c.r[1] = fds[0];
		c.r[2] = fds[1];
		break;
	}
	case Cmd::Close:
		c.r[0] = sys(SYS_close, c.a[0]);
		break;
	case Cmd::Dup:
		c.r[0] = sys(SYS_fcntl, c.a[0], F_DUPFD, 0);
		break;
	case Cmd::Join:
		join(c);
		break;
	case Cmd::Mmap:
		c.r[0] = sys(SYS_mmap, 0, wire::kMailboxSize, PROT_READ | PROT_WRITE, MAP_SHARED, c.a[0], 0);
		if (c.r[0] >= 0)
			c.mailbox.store(static_cast<uint64_t>(c.r[0]), std::memory_order_release);
		break;
	case Cmd::Open:
		c.buf[sizeof(c.buf) - 1] = 0;
		c.r[0] = sys(SYS_openat, AT_FDCWD, reinterpret_cast<long>(c.buf), O_RDWR | O_CLOEXEC);
		break;
	default:
		c.r[0] = -ENOSYS;
		break;
	}
}

/* Serve `c` forever: the command loop of a puppet (and of the zygote,
 * whose commands `run` does not know and `zygote_run` does). */
PUPPET void serve(Ctl &c, void (*runner)(Ctl &))
{
	uint32_t seen = c.done_seq.load(std::memory_order_acquire);
	for (;;) {
		uint32_t s = c.cmd_seq.load(std::memory_order_acquire);
		if (s == seen) {
			sys(SYS_futex, reinterpret_cast<long>(&c.cmd_seq), FUTEX_WAIT, s, 0);
			continue;
		}
		seen = s;
		runner(c);
		c.done_seq.store(s, std::memory_order_release);
		wake(c.done_seq);
	}
}

PUPPET int puppet_main(void *arg)
{
	Ctl &c = *static_cast<Ctl *>(arg);
	c.pid.store(static_cast<int32_t>(sys(SYS_getpid)), std::memory_order_release);
	sys(SYS_prctl, PR_SET_PDEATHSIG, SIGKILL);
	uint64_t urg = uint64_t{1} << (SIGURG - 1);
	sys(SYS_rt_sigprocmask, SIG_UNBLOCK, reinterpret_cast<long>(&urg), 0, sizeof(urg));
	serve(c, run);
	return 0;
}

void zygote_run(Ctl &c)
{
	switch (static_cast<Cmd>(c.cmd)) {
	case Cmd::Spawn: {
		const unsigned i = static_cast<unsigned>(c.a[0]) % kPuppets;
		Ctl &p = g_shared->puppets[i];
		p.pid.store(0);
		p.mailbox.store(0);
		p.signals.store(0);
		p.ack.store(static_cast<uint32_t>(Ack::Done));
		p.done_seq.store(p.cmd_seq.load());
		unsigned char *top = g_stacks + (i + 1) * kStack;
		long pid = ::clone(puppet_main, top, CLONE_VM | SIGCHLD, &p);
		c.r[0] = pid < 0 ? -errno : pid;
		break;
	}
	case Cmd::Munmap:
		c.r[0] = sys(SYS_munmap, c.a[0], c.a[1]);
		break;
	default:
		c.r[0] = -ENOSYS;
		break;
	}
}

[[noreturn]] void zygote_main(pid_t fuzzer)
{
	sys(SYS_prctl, PR_SET_PDEATHSIG, SIGKILL);
	if (sys(SYS_getppid) != fuzzer)
		sys(SYS_exit_group, 0);
	sys(SYS_close_range, 3, ~0U, 0);
	uint64_t all = ~uint64_t{0};
	sys(SYS_rt_sigprocmask, SIG_SETMASK, reinterpret_cast<long>(&all), 0, sizeof(all));
	/* Puppets are reaped as they die; each inherits the handler. */
	KernelSigaction ign{reinterpret_cast<void (*)(int, siginfo_t *, void *)>(SIG_IGN), 0x04000000,
			    softvfio_fuzz_puppet_restore_rt, 0};
	sys(SYS_rt_sigaction, SIGCHLD, reinterpret_cast<long>(&ign), 0, sizeof(uint64_t));
	KernelSigaction urg{on_signal, SA_SIGINFO | SA_RESTART | 0x04000000, softvfio_fuzz_puppet_restore_rt, 0};
	sys(SYS_rt_sigaction, SIGURG, reinterpret_cast<long>(&urg), 0, sizeof(uint64_t));
	long p = sys(SYS_mmap, 0, kPuppets * kStack, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p < 0)
		sys(SYS_exit_group, 1);
	g_stacks = reinterpret_cast<unsigned char *>(p);
	serve(g_shared->zygote, zygote_run);
	sys(SYS_exit_group, 0);
	__builtin_unreachable();
}

uint64_t now_ns()
{
	struct timespec ts;
	::clock_gettime(CLOCK_MONOTONIC, &ts);
	return uint64_t(ts.tv_sec) * 1'000'000'000u + uint64_t(ts.tv_nsec);
}

} /* namespace */

bool Zygote::start(const char *sock)
{
	const size_t head = (sizeof(Shared) + 4095) & ~size_t{4095};
	void *p = ::mmap(nullptr, head + kScratch + 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return false;
	shared_ = new (p) Shared();
	scratch_ = static_cast<uint8_t *>(p) + head;
	if (::mprotect(scratch_ + kScratch, 4096, PROT_NONE) < 0)
		return false;
	shared_->addr.sun_family = AF_UNIX;
	std::snprintf(shared_->addr.sun_path, sizeof(shared_->addr.sun_path), "%s", sock);
	shared_->addr_len = static_cast<socklen_t>(offsetof(struct sockaddr_un, sun_path) + std::strlen(sock) + 1);
	g_shared = shared_;
	return fork_zygote();
}

bool Zygote::fork_zygote()
{
	if (pidfd_ >= 0) {
		/* Dead, or stuck: its puppets go with it (PR_SET_PDEATHSIG). */
		::kill(pid_, SIGKILL);
		::waitpid(pid_, nullptr, 0);
		::close(pidfd_);
	}
	/* Its command block restarts with it. */
	shared_->zygote.cmd_seq.store(0);
	shared_->zygote.done_seq.store(0);
	const pid_t parent = ::getpid();
	pid_ = ::fork();
	if (pid_ == 0)
		zygote_main(parent);
	pidfd_ = pid_ > 0 ? static_cast<int>(::syscall(SYS_pidfd_open, pid_, 0)) : -1;
	return pidfd_ >= 0;
}

bool Zygote::command(Ctl &c, Cmd cmd, std::initializer_list<int64_t> args, uint64_t timeout_ns)
{
	const uint32_t seq = c.cmd_seq.load(std::memory_order_acquire) + 1;
	/* A command still running (the puppet is stuck or stopped). */
	if (c.done_seq.load(std::memory_order_acquire) != seq - 1)
		return false;
	c.cmd = static_cast<uint32_t>(cmd);
	size_t i = 0;
	for (int64_t a : args)
		if (i < 4)
			c.a[i++] = a;
	c.r[0] = c.r[1] = c.r[2] = -1;
	c.cmd_seq.store(seq, std::memory_order_release);
	wire::futex_wake(c.cmd_seq);
	const uint64_t end = now_ns() + timeout_ns;
	for (;;) {
		uint32_t done = c.done_seq.load(std::memory_order_acquire);
		if (done == seq)
			return true;
		uint64_t t = now_ns();
		if (t >= end)
			return false;
		wire::futex_wait(c.done_seq, done, end - t);
	}
}

pid_t Zygote::spawn(unsigned i)
{
	struct pollfd p{pidfd_, POLLIN, 0};
	if ((::poll(&p, 1, 0) == 1 || shared_->zygote.done_seq.load() != shared_->zygote.cmd_seq.load()) &&
	    !fork_zygote())
		return -EAGAIN;
	if (!command(shared_->zygote, Cmd::Spawn, {static_cast<int64_t>(i)}, 1'000'000'000))
		return -ETIMEDOUT;
	return static_cast<pid_t>(shared_->zygote.r[0]);
}

void Zygote::unmap(uint64_t addr, uint64_t length)
{
	(void)command(shared_->zygote, Cmd::Munmap, {static_cast<int64_t>(addr), static_cast<int64_t>(length)},
		      1'000'000'000);
}

} /* namespace softvfio::fuzz::puppet */
