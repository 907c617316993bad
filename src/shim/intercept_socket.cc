/* SPDX-License-Identifier: MIT */
/*
 * The socket calls that move data: recv, recvfrom, recvmsg, recvmmsg,
 * send, sendto, sendmsg, sendmmsg (and the fortified __recv_chk,
 * __recvfrom_chk). None of the model's files is a socket, so each is the
 * real call; two things are added:
 *
 * - a data buffer (an iovec of a message) in a live register mapping goes
 *   through the register bounce (register_bounce.h: recv_into,
 *   send_from), one real call per call of the program, as Linux's copy
 *   reaches the device through vfio's fault handler. The name and control
 *   buffers are the host's, untouched. A process without register
 *   mappings pays one relaxed load per call;
 * - recvmsg (and recvmmsg through it) tells the fd cache that each number
 *   an SCM_RIGHTS message brought now means a new file (it may have been
 *   closed behind the shim's back).
 */
#include <algorithm>
#include <cerrno>
#include <climits>
#include <ctime>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "base/user_copy.h"
#include "shim/real.h"
#include "shim/register_bounce.h"
#include "shim/state.h"

using namespace softvfio;
using namespace softvfio::shim;

#define SHIM_EXPORT extern "C" __attribute__((visibility("default")))

extern "C" void __chk_fail(void) __attribute__((noreturn));

namespace {

/* Linux's bound on the messages of one recvmmsg or sendmmsg. */
constexpr unsigned kMaxMessages = 1024;

ssize_t fail(int e)
{
	errno = e;
	return -1;
}

/* Each fd the SCM_RIGHTS messages of `msg`'s control buffer carry. */
template<typename F>
void each_received_fd(struct msghdr *msg, F &&f)
{
	for (struct cmsghdr *c = CMSG_FIRSTHDR(msg); c; c = CMSG_NXTHDR(msg, c)) {
		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
			continue;
		size_t n = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		const int *fds = reinterpret_cast<const int *>(CMSG_DATA(c));
		for (size_t i = 0; i < n; i++)
			f(fds[i]);
	}
}

/* After a recvmsg answered `r`: received fds take numbers the shim may
 * have seen closed behind its back; they are classified on first use. */
ssize_t claim_received(ssize_t r, struct msghdr *msg)
{
	if (r < 0 || in_model() || !kernel_if_created() || !msg || !msg->msg_controllen)
		return r;
	each_received_fd(msg, [](int fd) { fd_claim(fd, FdKind::Unknown); });
	return r;
}

/* recvmsg whose data iovecs overlap a register mapping: the real call on
 * a copy of the header with the bounce as its one iovec (name and
 * control buffers the program's own), then the header's out fields
 * written back as the kernel writes them. */
ssize_t bounced_recvmsg(int fd, struct msghdr *msg, int flags)
{
	struct msghdr m;
	if (!copy_from_user(&m, msg, sizeof(m)))
		return fail(EFAULT);
	if (m.msg_iovlen > IOV_MAX)
		return fail(EMSGSIZE);
	struct msghdr local = m;
	ssize_t real = -1;
	auto call = [&](void *b, size_t len, size_t) {
		struct iovec one{b, len};
		local = m;
		local.msg_iov = &one;
		local.msg_iovlen = 1;
		real = REAL(recvmsg)(fd, &local, flags);
		local.msg_iov = nullptr;
		return real;
	};
	const ssize_t r = bounce::recv_into(fd, m.msg_iov, static_cast<int>(m.msg_iovlen), flags, call);
	if (real < 0)
		return r;
	if (r >= 0) {
		if (!copy_to_user(&msg->msg_namelen, &local.msg_namelen, sizeof(local.msg_namelen)) ||
		    !copy_to_user(&msg->msg_controllen, &local.msg_controllen, sizeof(local.msg_controllen)) ||
		    !copy_to_user(&msg->msg_flags, &local.msg_flags, sizeof(local.msg_flags)))
			return fail(EFAULT);
		return claim_received(r, msg);
	}
	/* The message came and could not be delivered (EFAULT): the host
	 * kernel would not have installed the fds it carried, so they are
	 * closed (through close(), which tells the session of any of its
	 * files among them). */
	const int e = errno;
	if (local.msg_control && local.msg_controllen)
		each_received_fd(&local, [](int received) {
			fd_claim(received, FdKind::Unknown);
			::close(received);
		});
	errno = e;
	return r;
}

ssize_t recvmsg_impl(int fd, struct msghdr *msg, int flags)
{
	if (!bounce::wanted(msg)) [[likely]]
		return claim_received(REAL(recvmsg)(fd, msg, flags), msg);
	return bounced_recvmsg(fd, msg, flags);
}

ssize_t recvfrom_impl(int fd, void *buf, size_t n, int flags, struct sockaddr *addr, socklen_t *addrlen)
{
	if (!bounce::wanted(buf, n)) [[likely]]
		return REAL(recvfrom)(fd, buf, n, flags, addr, addrlen);
	auto call = [&](void *b, size_t len, size_t) { return REAL(recvfrom)(fd, b, len, flags, addr, addrlen); };
	const struct iovec v{buf, n};
	return bounce::recv_into(fd, &v, 1, flags, call);
}

ssize_t recv_impl(int fd, void *buf, size_t n, int flags)
{
	if (!bounce::wanted(buf, n)) [[likely]]
		return REAL(recv)(fd, buf, n, flags);
	auto call = [&](void *b, size_t len, size_t) { return REAL(recv)(fd, b, len, flags); };
	const struct iovec v{buf, n};
	return bounce::recv_into(fd, &v, 1, flags, call);
}

ssize_t sendmsg_impl(int fd, const struct msghdr *msg, int flags)
{
	if (!bounce::wanted(msg)) [[likely]]
		return REAL(sendmsg)(fd, msg, flags);
	struct msghdr m;
	if (!copy_from_user(&m, msg, sizeof(m)))
		return fail(EFAULT);
	if (m.msg_iovlen > IOV_MAX)
		return fail(EMSGSIZE);
	auto call = [&](void *b, size_t len, size_t) {
		struct iovec one{b, len};
		struct msghdr local = m;
		local.msg_iov = &one;
		local.msg_iovlen = 1;
		return REAL(sendmsg)(fd, &local, flags);
	};
	return bounce::send_from(fd, m.msg_iov, static_cast<int>(m.msg_iovlen), call);
}

/* A message's count in a vector entry, as the kernel stores it. */
bool store_len(struct mmsghdr *entry, ssize_t r)
{
	const unsigned len = static_cast<unsigned>(r);
	return static_cast<bool>(copy_to_user(&entry->msg_len, &len, sizeof(len)));
}

/* One entry of a recvmmsg/sendmmsg vector through `impl` (recvmsg_impl,
 * sendmsg_impl), its count stored in the entry: false ends the batch,
 * errno the call's (EFAULT if the count could not be stored). */
template<typename Impl>
bool one_message(Impl impl, int fd, struct mmsghdr *entry, int flags)
{
	const ssize_t r = impl(fd, &entry->msg_hdr, flags);
	if (r < 0)
		return false;
	if (!store_len(entry, r)) {
		errno = EFAULT;
		return false;
	}
	return true;
}

/* A batch's answer: the messages moved, or -1 with the first one's
 * error; an error after the first message is not the call's (errno as
 * it was, `saved`). */
int batch_result(unsigned done, int saved)
{
	if (!done)
		return -1;
	errno = saved;
	return static_cast<int>(done);
}

bool valid(const struct timespec &t)
{
	return t.tv_sec >= 0 && t.tv_nsec >= 0 && t.tv_nsec < 1000000000L;
}

struct timespec now()
{
	struct timespec t{};
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t;
}

/* `end` - `t`, 0 when past. */
struct timespec until(const struct timespec &end, const struct timespec &t)
{
	struct timespec d{end.tv_sec - t.tv_sec, end.tv_nsec - t.tv_nsec};
	if (d.tv_nsec < 0) {
		d.tv_sec--;
		d.tv_nsec += 1000000000L;
	}
	if (d.tv_sec < 0)
		d = {0, 0};
	return d;
}

/* recvmmsg with a message's data in a register mapping: one recvmsg per
 * message, as the kernel's do_recvmmsg loops: MSG_WAITFORONE makes the
 * calls after the first non-blocking, the timeout is looked at after each
 * message (and what is left of it written back), an out-of-band message
 * ends the batch, and an error after the first message ends it with the
 * messages received. */
int bounced_recvmmsg(int fd, struct mmsghdr *vec, unsigned vlen, int flags, struct timespec *timeout)
{
	struct timespec end{};
	if (timeout) {
		struct timespec t;
		if (!copy_from_user(&t, timeout, sizeof(t)))
			return static_cast<int>(fail(EFAULT));
		if (!valid(t))
			return static_cast<int>(fail(EINVAL));
		const struct timespec start = now();
		end = {start.tv_sec + t.tv_sec, start.tv_nsec + t.tv_nsec};
		if (end.tv_nsec >= 1000000000L) {
			end.tv_sec++;
			end.tv_nsec -= 1000000000L;
		}
	}
	const int saved = errno;
	vlen = std::min(vlen, kMaxMessages);
	int f = flags & ~MSG_WAITFORONE;
	unsigned done = 0;
	while (done < vlen && one_message(recvmsg_impl, fd, &vec[done], f)) {
		done++;
		if (flags & MSG_WAITFORONE)
			f |= MSG_DONTWAIT;
		if (timeout) {
			const struct timespec left = until(end, now());
			(void)copy_to_user(timeout, &left, sizeof(left));
			if (!left.tv_sec && !left.tv_nsec)
				break;
		}
		int got_flags = 0;
		if (copy_from_user(&got_flags, &vec[done - 1].msg_hdr.msg_flags, sizeof(got_flags)) &&
		    (got_flags & MSG_OOB))
			break;
	}
	return batch_result(done, saved);
}

/* sendmmsg likewise: one sendmsg per message, stopping at the first
 * error; the messages sent, or the first one's error. */
int bounced_sendmmsg(int fd, struct mmsghdr *vec, unsigned vlen, int flags)
{
	const int saved = errno;
	vlen = std::min(vlen, kMaxMessages);
	unsigned done = 0;
	while (done < vlen && one_message(sendmsg_impl, fd, &vec[done], flags))
		done++;
	return batch_result(done, saved);
}

} /* namespace */

SHIM_EXPORT ssize_t recv(int fd, void *buf, size_t n, int flags) { return recv_impl(fd, buf, n, flags); }

SHIM_EXPORT ssize_t __recv_chk(int fd, void *buf, size_t n, size_t buflen, int flags)
{
	if (n > buflen)
		__chk_fail();
	return recv_impl(fd, buf, n, flags);
}

SHIM_EXPORT ssize_t recvfrom(int fd, void *buf, size_t n, int flags, struct sockaddr *addr, socklen_t *addrlen)
{
	return recvfrom_impl(fd, buf, n, flags, addr, addrlen);
}

SHIM_EXPORT ssize_t __recvfrom_chk(int fd, void *buf, size_t n, size_t buflen, int flags, struct sockaddr *addr,
				   socklen_t *addrlen)
{
	if (n > buflen)
		__chk_fail();
	return recvfrom_impl(fd, buf, n, flags, addr, addrlen);
}

SHIM_EXPORT ssize_t recvmsg(int fd, struct msghdr *msg, int flags) { return recvmsg_impl(fd, msg, flags); }

SHIM_EXPORT int recvmmsg(int fd, struct mmsghdr *vec, unsigned vlen, int flags, struct timespec *timeout)
{
	if (!bounce::wanted(vec, vlen)) [[likely]] {
		const int r = REAL(recvmmsg)(fd, vec, vlen, flags, timeout);
		for (int i = 0; i < r; i++)
			claim_received(0, &vec[i].msg_hdr);
		return r;
	}
	return bounced_recvmmsg(fd, vec, vlen, flags, timeout);
}

SHIM_EXPORT ssize_t send(int fd, const void *buf, size_t n, int flags)
{
	if (!bounce::wanted(buf, n)) [[likely]]
		return REAL(send)(fd, buf, n, flags);
	auto call = [&](void *b, size_t len, size_t) { return REAL(send)(fd, b, len, flags); };
	const struct iovec v{const_cast<void *>(buf), n};
	return bounce::send_from(fd, &v, 1, call);
}

SHIM_EXPORT ssize_t sendto(int fd, const void *buf, size_t n, int flags, const struct sockaddr *addr,
			   socklen_t addrlen)
{
	if (!bounce::wanted(buf, n)) [[likely]]
		return REAL(sendto)(fd, buf, n, flags, addr, addrlen);
	auto call = [&](void *b, size_t len, size_t) { return REAL(sendto)(fd, b, len, flags, addr, addrlen); };
	const struct iovec v{const_cast<void *>(buf), n};
	return bounce::send_from(fd, &v, 1, call);
}

SHIM_EXPORT ssize_t sendmsg(int fd, const struct msghdr *msg, int flags) { return sendmsg_impl(fd, msg, flags); }

SHIM_EXPORT int sendmmsg(int fd, struct mmsghdr *vec, unsigned vlen, int flags)
{
	if (!bounce::wanted(vec, vlen)) [[likely]]
		return REAL(sendmmsg)(fd, vec, vlen, flags);
	return bounced_sendmmsg(fd, vec, vlen, flags);
}
