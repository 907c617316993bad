/* SPDX-License-Identifier: MIT */
/*
 * A register mapping as the buffer of a read or write of a file the model
 * does not own (a pipe, a socket, a regular file): the real system call
 * would find a PROT_NONE page and fail with EFAULT, where Linux's copy
 * faults into vfio's handler and reaches the device. So such a call goes
 * through a bounce buffer of the shim's: a read-type call reads into it
 * and the bytes are then copied into the program's buffer, a write-type
 * call first copies the program's buffer into it; the copy is the one the
 * host kernel's copy_to_user/copy_from_user would make
 * (session::copy_through_registers: plain memory as memory, registers as
 * register accesses, low to high, stopping at the first byte it cannot
 * copy). Nothing else: the call is still the program's own, made once
 * per bounded chunk. docs/trap.md describes what is kept and what
 * differs from Linux.
 *
 * The fast path: a process without register mappings pays one relaxed
 * load (session::MmTable::any_registers()) per call.
 */
#pragma once

#include <cstddef>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/uio.h>

#include "session/client/mm_table.h"

namespace softvfio::shim::bounce {

/* Do these buffers overlap a live register mapping of this process (and
 * may the shim copy for it now)? Not inline: asked only once the process
 * has register mappings at all. */
bool overlaps(const void *buf, size_t n) noexcept;
bool overlaps(const struct iovec *iov, int iovcnt) noexcept;
/* A message's data (its iovecs; the name and control buffers are not
 * looked at), or those of up to IOV_MAX messages. Each header is read
 * with the fault guard's copy: a bad one is the real call's EFAULT. */
bool overlaps(const struct msghdr *msg) noexcept;
bool overlaps(const struct mmsghdr *vec, unsigned vlen) noexcept;

inline bool wanted(const void *buf, size_t n) noexcept
{
	return session::MmTable::any_registers() && overlaps(buf, n);
}

inline bool wanted(const struct iovec *iov, int iovcnt) noexcept
{
	return session::MmTable::any_registers() && overlaps(iov, iovcnt);
}

inline bool wanted(const struct msghdr *msg) noexcept
{
	return session::MmTable::any_registers() && overlaps(msg);
}

inline bool wanted(const struct mmsghdr *vec, unsigned vlen) noexcept
{
	return session::MmTable::any_registers() && overlaps(vec, vlen);
}

/* One real call on the bounce buffer: `len` bytes at `buf`, `done` bytes
 * into the transfer (a positioned call's offset moves on by it). The C
 * convention: the count, or -1 with errno. */
class Call
{
public:
	template<typename F>
	Call(F &f) noexcept
		: ctx_(&f), fn_([](void *c, void *b, size_t l, size_t d) -> ssize_t {
			  return (*static_cast<F *>(c))(b, l, d);
		  })
	{
	}
	ssize_t operator()(void *buf, size_t len, size_t done) const { return fn_(ctx_, buf, len, done); }

private:
	void *ctx_;
	ssize_t (*fn_)(void *, void *, size_t, size_t);
};

/* A read-type call into the segments `iov` through the bounce: the C
 * convention. `positioned`: the call does not move the file position
 * (pread); otherwise bytes read and not delivered are given back to a
 * seekable file with lseek. On a socket, recv_into's rules. */
ssize_t read_into(int fd, const struct iovec *iov, int iovcnt, bool positioned, const Call &call) noexcept;
/* A write-type call from the segments `iov` through the bounce. On a
 * socket, send_from's rules. */
ssize_t write_from(int fd, const struct iovec *iov, int iovcnt, const Call &call) noexcept;

/* A socket's receive into the segments (recv, recvfrom, recvmsg, and read
 * and readv of a socket): one real call, `flags` those of the call. A
 * stream asks for no more than the segments can take as the table
 * stands; a message-oriented socket (datagram, SEQPACKET) is asked for
 * the full size, and of what it answers (more than was asked for, with
 * MSG_TRUNC) the bytes that fit are delivered. A copy that stops short is
 * the bytes delivered on a stream, EFAULT on a message. TCP's MSG_TRUNC
 * copies nothing. */
ssize_t recv_into(int fd, const struct iovec *iov, int iovcnt, int flags, const Call &call) noexcept;
/* A socket's send from the segments: one real call of the bytes read from
 * them. A stream sends the bytes read before the first that could not be
 * (none: EFAULT); a message must be read whole, else EFAULT and nothing
 * is sent. */
ssize_t send_from(int fd, const struct iovec *iov, int iovcnt, const Call &call) noexcept;

} /* namespace softvfio::shim::bounce */
