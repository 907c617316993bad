/* SPDX-License-Identifier: MIT */
/*
 * Passing an fd to another process over a unix socket (SCM_RIGHTS), with
 * one 32-bit word of data beside it: what the examples hand their DMABUFs
 * over with. Plain POSIX; nothing here is softvfio's.
 */
#pragma once

#include <cstdint>
#include <cstring>
#include <sys/socket.h>

namespace examples {

inline bool send_fd(int sock, int fd, uint32_t word)
{
	alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))] = {};
	iovec iov{&word, sizeof(word)};
	msghdr msg{};
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	msg.msg_control = control;
	msg.msg_controllen = sizeof(control);
	cmsghdr *cmsg = CMSG_FIRSTHDR(&msg);
	cmsg->cmsg_level = SOL_SOCKET;
	cmsg->cmsg_type = SCM_RIGHTS;
	cmsg->cmsg_len = CMSG_LEN(sizeof(int));
	std::memcpy(CMSG_DATA(cmsg), &fd, sizeof(fd));
	return ::sendmsg(sock, &msg, 0) == static_cast<ssize_t>(sizeof(word));
}

/* The fd received (close-on-exec), or -1; `word` gets the data. */
inline int receive_fd(int sock, uint32_t *word)
{
	alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))] = {};
	iovec iov{word, sizeof(*word)};
	msghdr msg{};
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	msg.msg_control = control;
	msg.msg_controllen = sizeof(control);
	if (::recvmsg(sock, &msg, MSG_CMSG_CLOEXEC) != static_cast<ssize_t>(sizeof(*word)))
		return -1;
	cmsghdr *cmsg = CMSG_FIRSTHDR(&msg);
	if (!cmsg || cmsg->cmsg_type != SCM_RIGHTS)
		return -1;
	int fd;
	std::memcpy(&fd, CMSG_DATA(cmsg), sizeof(fd));
	return fd;
}

} /* namespace examples */
