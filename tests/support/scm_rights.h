/* SPDX-License-Identifier: MIT */
/* One message with an fd attached (SCM_RIGHTS), as test processes pass
 * DMABUFs and devices to each other. Header-only. */
#pragma once

#include <cstddef>
#include <cstring>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/uio.h>

namespace softvfio::test {

/* sendmsg of `len` bytes of `data` with `fd` attached: the bytes sent, or
 * -1 with errno. */
inline ssize_t send_with_fd(int sock, const void *data, size_t len, int fd, int flags)
{
	struct iovec iov{const_cast<void *>(data), len};
	alignas(struct cmsghdr) char control[CMSG_SPACE(sizeof(int))] = {};
	struct msghdr msg{};
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	msg.msg_control = control;
	msg.msg_controllen = sizeof(control);
	struct cmsghdr *cm = CMSG_FIRSTHDR(&msg);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	std::memcpy(CMSG_DATA(cm), &fd, sizeof(int));
	return ::sendmsg(sock, &msg, flags);
}

/* recvmsg of up to `len` bytes into `data`; `fd` is the fd that came with
 * them (SCM_RIGHTS), or -1 if none did. The bytes received, or -1 with
 * errno. */
inline ssize_t recv_with_fd(int sock, void *data, size_t len, int flags, int &fd)
{
	struct iovec iov{data, len};
	alignas(struct cmsghdr) char control[CMSG_SPACE(sizeof(int))] = {};
	struct msghdr msg{};
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	msg.msg_control = control;
	msg.msg_controllen = sizeof(control);
	fd = -1;
	const ssize_t n = ::recvmsg(sock, &msg, flags);
	if (n < 0)
		return n;
	struct cmsghdr *cm = CMSG_FIRSTHDR(&msg);
	if (cm && cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_RIGHTS)
		std::memcpy(&fd, CMSG_DATA(cm), sizeof(int));
	return n;
}

} /* namespace softvfio::test */
