/* SPDX-License-Identifier: MIT */
#include "shim/register_bounce.h"

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstdint>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>
#include <optional>
#include <utility>

#include "base/user_copy.h"
#include "session/client/register_trap.h"
#include "shim/real.h"
#include "shim/state.h"

namespace softvfio::shim::bounce {

namespace {

/* What one real call of a file moves through the bounce, at most (a
 * socket's call is one, whatever its length). */
constexpr size_t kChunk = 64 * 1024;
/* Linux's MAX_RW_COUNT: what one read or write moves at most. */
constexpr size_t kMaxRw = INT_MAX & ~static_cast<size_t>(4095);

/* The session link, if the shim may make the copy now (not inside a call
 * of its own, not in a vfork child sharing the parent's memory). */
session::Connection *connection() noexcept
{
	if (in_model())
		return nullptr;
	KernelCalls *k = kernel_if_created();
	if (!k || !same_process())
		return nullptr;
	return &k->connection();
}

/* Run a copy as a call of the session (fork waits for it, errno kept);
 * the real system call is made outside, so a blocking read holds up no
 * fork. */
template<typename F>
size_t as_call(F &&f) noexcept
{
	return model_call(std::forward<F>(f), size_t{0});
}

/* The transfer's segments as one run of bytes, in order. The iovec array
 * was read once already (overlaps()), so reading it is safe. */
class Segments
{
public:
	Segments(session::Connection &c, const struct iovec *iov, int n, size_t total)
		: c_(&c), iov_(iov), n_(n), total_(total)
	{
	}

	size_t total() const { return total_; }

	/* Copy `len` bytes between `local` and the segments from byte `at`
	 * of the run on: those copied, stopping at the first that could not
	 * be. */
	size_t copy(size_t at, unsigned char *local, size_t len, bool store) const
	{
		size_t copied = 0, seg_start = 0;
		for (int i = 0; i < n_ && copied < len; i++) {
			const size_t seg = iov_[i].iov_len;
			const size_t pos = at + copied;
			if (pos >= seg_start + seg) {
				seg_start += seg;
				continue;
			}
			const size_t inside = pos - seg_start;
			const size_t take = std::min(seg - inside, len - copied);
			const auto base = reinterpret_cast<uintptr_t>(iov_[i].iov_base) + inside;
			const size_t got = session::copy_through_registers(*c_, base, local + copied, take, store);
			copied += got;
			if (got < take)
				break;
			seg_start += seg;
		}
		return copied;
	}

	/* The bytes from the start before the first register mapping that
	 * cannot take the copy as the table stands. */
	size_t reach(bool store) const
	{
		size_t r = 0;
		for (int i = 0; i < n_ && r < total_; i++) {
			const size_t len = std::min(iov_[i].iov_len, total_ - r);
			const size_t got =
				session::register_reach(*c_, reinterpret_cast<uintptr_t>(iov_[i].iov_base), len, store);
			r += got;
			if (got < len)
				break;
		}
		return r;
	}

private:
	session::Connection *c_;
	const struct iovec *iov_;
	int n_;
	size_t total_;
};

/* The sum of the segments' lengths, capped as Linux caps a transfer; -1
 * with EINVAL when it passes SSIZE_MAX, as Linux refuses it. */
ssize_t total_of(const struct iovec *iov, int iovcnt)
{
	size_t total = 0;
	for (int i = 0; i < iovcnt; i++) {
		if (iov[i].iov_len > static_cast<size_t>(SSIZE_MAX) - total) {
			errno = EINVAL;
			return -1;
		}
		total += iov[i].iov_len;
	}
	return static_cast<ssize_t>(std::min(total, kMaxRw));
}

/* How the transfer is cut into calls: `chunk` bytes each; `more`: go on
 * after a full chunk. One call whenever it fits in a chunk. A regular
 * file or block device goes on (it neither blocks nor loses bytes); a
 * read of anything else is one call (a short read is what a pipe or a
 * terminal may answer, and a second call could block on a pipe that had
 * just enough); a write goes on (a write to a pipe may block for all of
 * it anyway). A socket never comes here (recv_into, send_from). */
struct Plan {
	size_t chunk;
	bool more;
};

Plan plan_for(int fd, size_t total, bool write)
{
	if (total <= kChunk)
		return {total, false};
	struct stat st;
	if (REAL(fstat)(fd, &st) == 0) {
		if (S_ISREG(st.st_mode) || S_ISBLK(st.st_mode))
			return {kChunk, true};
	}
	return {kChunk, write};
}

/* The bounce: on the stack when small, else an anonymous mapping of its
 * own (no malloc: read and write may be called where malloc may not). */
class Bounce
{
public:
	explicit Bounce(size_t n)
	{
		if (n <= sizeof(stack_)) {
			p_ = stack_;
			return;
		}
		void *m = REAL(mmap)(nullptr, n, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
				     -1, 0);
		if (m != MAP_FAILED) {
			p_ = static_cast<unsigned char *>(m);
			mapped_ = n;
		}
	}
	~Bounce()
	{
		if (mapped_)
			REAL(munmap)(p_, mapped_);
	}
	Bounce(const Bounce &) = delete;
	Bounce &operator=(const Bounce &) = delete;
	unsigned char *data() const { return p_; }

private:
	alignas(16) unsigned char stack_[256];
	unsigned char *p_ = nullptr;
	size_t mapped_ = 0;
};

/* Bytes read from a file and not delivered go back to it when it has a
 * position (lseek fails on a pipe or socket: they are lost there). */
void give_back(int fd, size_t undelivered)
{
	const int saved = errno;
	(void)REAL(lseek)(fd, -static_cast<off_t>(undelivered), SEEK_CUR);
	errno = saved;
}

ssize_t fail(int e)
{
	errno = e;
	return -1;
}

/* A transfer's segments once its first checks pass: the total (EINVAL
 * past SSIZE_MAX, as total_of), then a session link to copy through
 * (EFAULT without one, the fault the real call would meet). Nothing,
 * errno set, when one fails. */
std::optional<Segments> start(const struct iovec *iov, int iovcnt)
{
	session::Connection *c = connection();
	const ssize_t total = total_of(iov, iovcnt);
	if (total < 0)
		return std::nullopt;
	if (!c) {
		errno = EFAULT;
		return std::nullopt;
	}
	return Segments(*c, iov, iovcnt, static_cast<size_t>(total));
}

/* A chunked transfer stopped: the bytes moved so far, or, when none were,
 * -1 with errno `e` (0: errno as the failed call left it). */
ssize_t so_far(size_t done, int e = 0)
{
	if (done)
		return static_cast<ssize_t>(done);
	return e ? fail(e) : -1;
}

/* What a socket keeps of a transfer: a byte stream, or messages (a
 * datagram, a SEQPACKET record: one call each, never cut or merged). */
enum class Sock { None, Stream, Message };

/* An int socket option of `fd`, errno kept: false if `fd` is no socket. */
bool sock_option(int fd, int name, int &value)
{
	const int saved = errno;
	socklen_t len = sizeof(value);
	const bool ok = ::getsockopt(fd, SOL_SOCKET, name, &value, &len) == 0;
	errno = saved;
	return ok;
}

Sock sock_kind(int fd)
{
	int type = 0;
	if (!sock_option(fd, SO_TYPE, type))
		return Sock::None;
	return type == SOCK_STREAM ? Sock::Stream : Sock::Message;
}

/* TCP answers a MSG_TRUNC receive by discarding the bytes: nothing is
 * copied to the buffer (tcp_recvmsg). */
bool discards_on_trunc(int fd)
{
	int domain = 0;
	return sock_option(fd, SO_DOMAIN, domain) && (domain == AF_INET || domain == AF_INET6);
}

/* recv_into, the socket's kind known. */
ssize_t receive(int fd, Sock kind, const struct iovec *iov, int iovcnt, int flags, const Call &call) noexcept
{
	const std::optional<Segments> segs = start(iov, iovcnt);
	if (!segs)
		return -1;
	/* TCP's MSG_TRUNC copies nothing: the call on the bounce, no copy. */
	const bool discard = kind == Sock::Stream && (flags & MSG_TRUNC) && discards_on_trunc(fd);
	size_t want = segs->total();
	if (kind == Sock::Stream && !discard) {
		/* A stream: a register mapping known to refuse the stores
		 * bounds the call, so the bytes it could not take stay in the
		 * socket. A message is received whole (the full size asked
		 * for), so its boundary and MSG_TRUNC are the host's. */
		want = as_call([&] { return segs->reach(true); });
		if (!want)
			return fail(EFAULT);
	}
	Bounce bounce(want);
	if (!bounce.data())
		return fail(ENOMEM);
	const ssize_t got = call(bounce.data(), want, 0);
	if (got <= 0 || discard)
		return got;
	/* MSG_TRUNC may answer a message's full length: deliver what fits. */
	const size_t n = std::min(static_cast<size_t>(got), want);
	const size_t put = as_call([&] { return segs->copy(0, bounce.data(), n, true); });
	if (put == n)
		return got;
	/* A message whose copy failed is EFAULT whole, as the host kernel's
	 * datagram copy fails; a stream answers the bytes delivered. */
	if (kind != Sock::Stream || !put)
		return fail(EFAULT);
	return static_cast<ssize_t>(put);
}

} /* namespace */

bool overlaps(const void *buf, size_t n) noexcept
{
	session::Connection *c = connection();
	return c && n && session::touches_registers(*c, reinterpret_cast<uintptr_t>(buf), std::min(n, kMaxRw));
}

bool overlaps(const struct msghdr *msg) noexcept
{
	struct msghdr m;
	if (!msg || !copy_from_user(&m, msg, sizeof(m)) || m.msg_iovlen > IOV_MAX)
		return false;
	return overlaps(m.msg_iov, static_cast<int>(m.msg_iovlen));
}

bool overlaps(const struct mmsghdr *vec, unsigned vlen) noexcept
{
	for (unsigned i = 0; i < std::min(vlen, static_cast<unsigned>(IOV_MAX)); i++)
		if (overlaps(&vec[i].msg_hdr))
			return true;
	return false;
}

bool overlaps(const struct iovec *iov, int iovcnt) noexcept
{
	if (iovcnt <= 0 || iovcnt > IOV_MAX)
		return false;
	session::Connection *c = connection();
	if (!c)
		return false;
	/* The array through the guard's copy: a bad one is the real call's
	 * EFAULT, never a crash here. */
	struct iovec batch[16];
	for (int i = 0; i < iovcnt; i += 16) {
		const int m = std::min(16, iovcnt - i);
		if (!copy_from_user(batch, iov + i, m * sizeof(struct iovec)))
			return false;
		for (int j = 0; j < m; j++)
			if (batch[j].iov_len &&
			    session::touches_registers(*c, reinterpret_cast<uintptr_t>(batch[j].iov_base),
						       std::min(batch[j].iov_len, kMaxRw)))
				return true;
	}
	return false;
}

ssize_t read_into(int fd, const struct iovec *iov, int iovcnt, bool positioned, const Call &call) noexcept
{
	/* A socket has its own rules (recv_into, send_from), which make
	 * the same first checks. */
	if (const Sock kind = sock_kind(fd); kind != Sock::None)
		return receive(fd, kind, iov, iovcnt, 0, call);
	const std::optional<Segments> segs = start(iov, iovcnt);
	if (!segs)
		return -1;
	/* A register mapping known to refuse the stores bounds the call:
	 * what could not be delivered is not read at all. */
	const size_t reach = as_call([&] { return segs->reach(true); });
	if (!reach)
		return fail(EFAULT);
	const Plan plan = plan_for(fd, reach, false);
	Bounce bounce(plan.chunk);
	if (!bounce.data())
		return fail(ENOMEM);
	size_t done = 0;
	while (done < reach) {
		const size_t want = std::min(plan.chunk, reach - done);
		const ssize_t got = call(bounce.data(), want, done);
		if (got < 0)
			return so_far(done);
		const auto n = static_cast<size_t>(got);
		const size_t put = as_call([&] { return segs->copy(done, bounce.data(), n, true); });
		done += put;
		if (put < n) {
			if (!positioned)
				give_back(fd, n - put);
			return so_far(done, EFAULT);
		}
		if (n < want || !plan.more)
			break;
	}
	return static_cast<ssize_t>(done);
}

ssize_t write_from(int fd, const struct iovec *iov, int iovcnt, const Call &call) noexcept
{
	/* A socket has its own rules (recv_into, send_from), which make
	 * the same first checks. */
	if (sock_kind(fd) != Sock::None)
		return send_from(fd, iov, iovcnt, call);
	const std::optional<Segments> segs = start(iov, iovcnt);
	if (!segs)
		return -1;
	const Plan plan = plan_for(fd, segs->total(), true);
	Bounce bounce(plan.chunk);
	if (!bounce.data())
		return fail(ENOMEM);
	size_t done = 0;
	while (done < segs->total()) {
		const size_t want = std::min(plan.chunk, segs->total() - done);
		/* The registers are read before the call, as the host kernel's
		 * copy_from_user would read them; what could not be read is
		 * not written. */
		const size_t have = as_call([&] { return segs->copy(done, bounce.data(), want, false); });
		if (!have)
			return so_far(done, EFAULT);
		const ssize_t put = call(bounce.data(), have, done);
		if (put < 0)
			return so_far(done);
		done += static_cast<size_t>(put);
		if (static_cast<size_t>(put) < have || have < want || !plan.more)
			break;
	}
	return static_cast<ssize_t>(done);
}

ssize_t recv_into(int fd, const struct iovec *iov, int iovcnt, int flags, const Call &call) noexcept
{
	return receive(fd, sock_kind(fd), iov, iovcnt, flags, call);
}

ssize_t send_from(int fd, const struct iovec *iov, int iovcnt, const Call &call) noexcept
{
	const std::optional<Segments> segs = start(iov, iovcnt);
	if (!segs)
		return -1;
	Bounce bounce(segs->total());
	if (!bounce.data())
		return fail(ENOMEM);
	/* The registers are read before the call, as copy_from_user reads
	 * them before the socket queues a byte. A stream sends what could be
	 * read; a message that could not be read whole is not sent (EFAULT),
	 * as the host kernel drops a datagram whose copy faults. */
	const size_t have = as_call([&] { return segs->copy(0, bounce.data(), segs->total(), false); });
	if (have < segs->total()) {
		const Sock kind = sock_kind(fd);
		if (kind == Sock::Message || (kind == Sock::Stream && !have))
			return fail(EFAULT);
	}
	return call(bounce.data(), have, 0);
}

} /* namespace softvfio::shim::bounce */
