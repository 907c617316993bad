/* SPDX-License-Identifier: MIT */
#include "child_pool.h"

#include <atomic>
#include <cerrno>
#include <csetjmp>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <linux/futex.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

namespace softvfio::bench {

namespace {

constexpr unsigned kMaxChildren = 64;

[[noreturn]] void fail(const char *what)
{
	std::fprintf(stderr, "bench child pool: %s: %s\n", what, std::strerror(errno));
	std::abort();
}

} /* namespace */

/* One acknowledgement word per child, each on its own cache line so that
 * children acknowledging at once do not share a line. */
struct ChildPool::Shared {
	struct alignas(64) Word {
		std::atomic<uint32_t> acks;
	};
	Word child[kMaxChildren];
};

namespace {

static_assert(std::atomic<uint32_t>::is_always_lock_free);

void futex_wait(std::atomic<uint32_t> &word, uint32_t value)
{
	/* Shared (not FUTEX_PRIVATE): the word is in MAP_SHARED memory the
	 * child writes. */
	syscall(SYS_futex, reinterpret_cast<uint32_t *>(&word), FUTEX_WAIT, value, nullptr, nullptr, 0);
}

void futex_wake(std::atomic<uint32_t> &word)
{
	syscall(SYS_futex, reinterpret_cast<uint32_t *>(&word), FUTEX_WAKE, 1, nullptr, nullptr, 0);
}

/* --- the child's side (one thread, so plain statics serve) --- */

std::atomic<uint32_t> *g_ack = nullptr;
sigjmp_buf g_fault;
volatile sig_atomic_t g_faulted = 0;

void on_usr1(int)
{
	g_ack->fetch_add(1, std::memory_order_release);
	futex_wake(*g_ack);
}

/* What the session client's handler does to a mapping it is told about
 * (session/client/mm_table.cc): a further mapping of a template laid over
 * it with mremap(old_size 0, MREMAP_FIXED), then its protection and
 * MADV_DONTDUMP, each a system call. Here the template is a PROT_NONE
 * mapping of a memfd of the child's own. */
struct Remap {
	uintptr_t tmpl = 0;
	uintptr_t target = 0;
	size_t length = 0;
};
Remap g_remap;

void on_usr2(int)
{
	syscall(SYS_mremap, g_remap.tmpl, 0, g_remap.length, MREMAP_MAYMOVE | MREMAP_FIXED, g_remap.target);
	syscall(SYS_mprotect, g_remap.target, g_remap.length, PROT_READ | PROT_WRITE);
	syscall(SYS_madvise, g_remap.target, g_remap.length, MADV_DONTDUMP);
	g_ack->fetch_add(1, std::memory_order_release);
	futex_wake(*g_ack);
	/* Populated again for the next round, as the revoked mapping was
	 * when it was revoked; after the acknowledgement, so not counted. */
	auto *p = reinterpret_cast<volatile unsigned char *>(g_remap.target);
	p[0] = p[g_remap.length - 1];
}

bool setup_remap(size_t length)
{
	int fd = memfd_create("bench-remap", MFD_CLOEXEC);
	if (fd < 0 || ftruncate(fd, static_cast<off_t>(length)) < 0)
		return false;
	void *tmpl = mmap(nullptr, length, PROT_NONE, MAP_SHARED, fd, 0);
	void *target = mmap(nullptr, length, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd);
	if (tmpl == MAP_FAILED || target == MAP_FAILED)
		return false;
	g_remap = {reinterpret_cast<uintptr_t>(tmpl), reinterpret_cast<uintptr_t>(target), length};
	auto *p = static_cast<volatile unsigned char *>(target);
	p[0] = p[length - 1];
	return true;
}

void on_sigbus(int, siginfo_t *, void *)
{
	g_faulted = 1;
	siglongjmp(g_fault, 1);
}

bool read_faults(volatile unsigned char *p)
{
	g_faulted = 0;
	if (sigsetjmp(g_fault, 1) == 0)
		(void)*p;
	return g_faulted != 0;
}

/* The command and, with it, an fd; 0 at end of file. */
char receive_command(int sock, int *fd)
{
	char command = 0;
	alignas(struct cmsghdr) char control[CMSG_SPACE(sizeof(int))];
	struct iovec iov{&command, 1};
	struct msghdr msg{};
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	msg.msg_control = control;
	msg.msg_controllen = sizeof(control);
	ssize_t n;
	while ((n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC)) < 0 && errno == EINTR) {
	}
	if (n <= 0)
		return 0;
	*fd = -1;
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c))
		if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS)
			std::memcpy(fd, CMSG_DATA(c), sizeof(int));
	return command;
}

[[noreturn]] void child_main(int sock, std::atomic<uint32_t> *ack, size_t length)
{
	g_ack = ack;
	struct sigaction sa{};
	sa.sa_handler = on_usr1;
	sa.sa_flags = SA_RESTART;
	sigemptyset(&sa.sa_mask);
	struct sigaction bus{};
	bus.sa_sigaction = on_sigbus;
	bus.sa_flags = SA_SIGINFO;
	sigemptyset(&bus.sa_mask);
	struct sigaction remap = sa;
	remap.sa_handler = on_usr2;
	if (!setup_remap(length) || sigaction(SIGUSR1, &sa, nullptr) < 0 || sigaction(SIGUSR2, &remap, nullptr) < 0 ||
	    sigaction(SIGBUS, &bus, nullptr) < 0)
		_exit(10);
	int buf = -1;
	volatile unsigned char *map = nullptr;
	char reply = 'r';   /* ready: the handlers are in place */
	for (;;) {
		if (send(sock, &reply, 1, MSG_NOSIGNAL) != 1)
			_exit(11);
		int fd = -1;
		char command = receive_command(sock, &fd);
		reply = 'k';
		switch (command) {
		case 'M': {
			void *p = mmap(nullptr, length, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
			if (p == MAP_FAILED) {
				reply = 'e';
				close(fd);
				break;
			}
			buf = fd;
			map = static_cast<volatile unsigned char *>(p);
			/* Touched, so the mapping is populated as a program's
			 * working mapping would be. */
			map[0] = map[length - 1];
			break;
		}
		case 'F':
			reply = map && read_faults(map) ? 'f' : 'n';
			break;
		case 'T':
			if (map)
				map[0] = map[length - 1];
			break;
		case 'U':
			if (map)
				munmap(const_cast<unsigned char *>(map), length);
			if (buf >= 0)
				close(buf);
			map = nullptr;
			buf = -1;
			break;
		case 'Q':
		case 0:   /* the parent is gone */
			_exit(command == 'Q' ? 0 : 12);
		default:
			_exit(13);
		}
	}
}

} /* namespace */

ChildPool::ChildPool(size_t map_length) : map_length_(map_length)
{
	void *p = mmap(nullptr, sizeof(Shared), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		fail("mmap of the shared words");
	shared_ = new (p) Shared();
}

ChildPool::~ChildPool()
{
	for (Child &c : children_)
		send(static_cast<unsigned>(&c - children_.data()), 'Q');
	bool clean = true;
	for (Child &c : children_) {
		int status = 0;
		pid_t r;
		while ((r = waitpid(c.pid, &status, 0)) < 0 && errno == EINTR) {
		}
		if (r != c.pid || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
			std::fprintf(stderr, "bench child pool: child %d ended with status %#x\n", static_cast<int>(c.pid),
				     status);
			clean = false;
		}
		close(c.sock);
	}
	munmap(shared_, sizeof(Shared));
	if (!clean)
		std::abort();
}

void ChildPool::ensure(unsigned n)
{
	if (n > kMaxChildren)
		fail("too many children");
	while (children_.size() < n) {
		int sv[2];
		if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
			fail("socketpair");
		unsigned index = size();
		pid_t pid = fork();
		if (pid < 0)
			fail("fork");
		if (pid == 0) {
			/* The other children's sockets are the parent's business. */
			for (Child &c : children_)
				close(c.sock);
			close(sv[0]);
			child_main(sv[1], &shared_->child[index].acks, map_length_);
		}
		close(sv[1]);
		children_.push_back(Child{pid, sv[0]});
		if (receive(index) != 'r')
			fail("a child did not start");
	}
}

void ChildPool::send(unsigned i, char command, int fd)
{
	struct iovec iov{&command, 1};
	struct msghdr msg{};
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	alignas(struct cmsghdr) char control[CMSG_SPACE(sizeof(int))];
	if (fd >= 0) {
		std::memset(control, 0, sizeof(control));
		msg.msg_control = control;
		msg.msg_controllen = sizeof(control);
		struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int));
		std::memcpy(CMSG_DATA(c), &fd, sizeof(int));
	}
	if (sendmsg(children_[i].sock, &msg, MSG_NOSIGNAL) != 1)
		fail("sending a command");
}

char ChildPool::receive(unsigned i)
{
	char reply = 0;
	ssize_t n;
	while ((n = recv(children_[i].sock, &reply, 1, 0)) < 0 && errno == EINTR) {
	}
	if (n != 1)
		fail("a child's answer");
	return reply;
}

void ChildPool::map(unsigned k, int fd)
{
	for (unsigned i = 0; i < k; i++)
		send(i, 'M', fd);
	for (unsigned i = 0; i < k; i++)
		if (receive(i) != 'k')
			fail("a child could not map the buffer");
}

void ChildPool::unmap(unsigned k)
{
	for (unsigned i = 0; i < k; i++)
		send(i, 'U');
	for (unsigned i = 0; i < k; i++)
		if (receive(i) != 'k')
			fail("a child could not unmap");
}

void ChildPool::touch(unsigned k)
{
	for (unsigned i = 0; i < k; i++)
		send(i, 'T');
	for (unsigned i = 0; i < k; i++)
		if (receive(i) != 'k')
			fail("a child could not touch its mapping");
}

bool ChildPool::faults(unsigned i)
{
	send(i, 'F');
	char r = receive(i);
	if (r != 'f' && r != 'n')
		fail("a child's fault check");
	return r == 'f';
}

void ChildPool::ping(unsigned i, bool remap)
{
	std::atomic<uint32_t> &word = shared_->child[i].acks;
	uint32_t before = word.load(std::memory_order_acquire);
	if (sigqueue(children_[i].pid, remap ? SIGUSR2 : SIGUSR1, sigval{0}) < 0)
		fail("sigqueue");
	for (uint32_t v; (v = word.load(std::memory_order_acquire)) == before;)
		futex_wait(word, v);
}

void ChildPool::ping_all(unsigned k)
{
	uint32_t before[kMaxChildren];
	for (unsigned i = 0; i < k; i++) {
		before[i] = shared_->child[i].acks.load(std::memory_order_acquire);
		if (sigqueue(children_[i].pid, SIGUSR1, sigval{0}) < 0)
			fail("sigqueue");
	}
	for (unsigned i = 0; i < k; i++) {
		std::atomic<uint32_t> &word = shared_->child[i].acks;
		for (uint32_t v; (v = word.load(std::memory_order_acquire)) == before[i];)
			futex_wait(word, v);
	}
}

} /* namespace softvfio::bench */
