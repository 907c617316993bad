/* SPDX-License-Identifier: MIT */
/*
 * A register mapping (edu's BAR0) as the buffer of a socket's send or
 * receive: the shim bounces the call as it does a pipe's (register_bounce.c;
 * docs/trap.md, "A register mapping as a system call's buffer").
 *
 *   register_bounce_socket <bdf> <case>
 *
 * Cases, one behaviour each: socket calls (send, recv and their forms),
 * on socket pairs:
 *   socket_send     send() and sendto() of a stream from ID and liveness
 *   socket_recv     recv() and recvfrom() of a stream into liveness and
 *                   factorial; recv(MSG_WAITALL) waits for all of it
 *   socket_msg      sendmsg()/recvmsg() mixing RAM and register iovecs,
 *                   an SCM_RIGHTS fd alongside arriving and usable
 *   datagram        one datagram per call both ways; MSG_TRUNC answers a
 *                   datagram's length and delivers what fits
 *   peek            MSG_PEEK into the registers leaves the bytes queued
 *   socket_revoked  memory disabled: EFAULT, nothing sent, no signal
 *   socket_readonly a read-only mapping: a stream's recv() is EFAULT and
 *                   keeps its bytes; a datagram's recvmsg() is EFAULT and
 *                   the fd it carried is not installed
 *   socket_partial  a copy stopped by a PROT_NONE page of the program's:
 *                   a stream sends the bytes before it, a datagram nothing
 *   mmsg            sendmmsg()/recvmmsg() with register buffers
 */
#include "register_bounce.h"

#include <sys/socket.h>

static int socket_pair(int type, int sv[2])
{
	return socketpair(AF_UNIX, type | SOCK_CLOEXEC, 0, sv);
}

/* Control room for one fd (SCM_RIGHTS), aligned as a cmsghdr. */
union fd_room {
	char buf[CMSG_SPACE(sizeof(int))];
	struct cmsghdr align;
};

/* A message of the n buffers at `iov` with `room` (zeroed) as its
 * control buffer. */
static struct msghdr fd_msg(struct iovec *iov, int n, union fd_room *room)
{
	memset(room, 0, sizeof(*room));
	struct msghdr m = {.msg_iov = iov, .msg_iovlen = n, .msg_control = room->buf, .msg_controllen = sizeof(room->buf)};
	return m;
}

/* A message carrying `fd` (SCM_RIGHTS) and the data of `iov`. */
static ssize_t send_fd(int sock, struct iovec *iov, int n, int fd)
{
	union fd_room u;
	struct msghdr m = fd_msg(iov, n, &u);
	struct cmsghdr *c = CMSG_FIRSTHDR(&m);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &fd, sizeof(int));
	return sendmsg(sock, &m, 0);
}

/* recvmsg into `iov` with room for one fd: the count; *fd the fd that
 * came (-1: none), *flags the message's flags. */
static ssize_t recv_fd(int sock, struct iovec *iov, int n, int *fd, int *flags)
{
	union fd_room u;
	struct msghdr m = fd_msg(iov, n, &u);
	*fd = -1;
	ssize_t r = recvmsg(sock, &m, MSG_CMSG_CLOEXEC);
	*flags = m.msg_flags;
	if (r < 0)
		return r;
	struct cmsghdr *c = CMSG_FIRSTHDR(&m);
	if (c && c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS && c->cmsg_len == CMSG_LEN(sizeof(int)))
		memcpy(fd, CMSG_DATA(c), sizeof(int));
	return r;
}

/* What a socket case works on: a register mapping (bar) and a socket pair
 * of each kind it asked for (-1 where it did not). main sets it up (BAR0's
 * first page read-write) and tears it down for the cases whose table entry
 * names the kinds; socket_partial, with a mapping of its own, does both. */
static struct socks {
	uint8_t *bar;
	int st[2]; /* SOCK_STREAM */
	int dg[2]; /* SOCK_DGRAM */
} sk;

enum { STREAM = 1, DGRAM = 2 };

/* The common set-up: `bar` (the case's mapping; NULL: its mmap failed) and
 * the socket pairs of `kinds`. Nonzero if all are there. */
static int socks_open(struct socks *s, uint8_t *bar, int kinds)
{
	s->bar = bar;
	s->st[0] = s->st[1] = s->dg[0] = s->dg[1] = -1;
	return bar && (!(kinds & STREAM) || socket_pair(SOCK_STREAM, s->st) == 0) &&
	       (!(kinds & DGRAM) || socket_pair(SOCK_DGRAM, s->dg) == 0);
}

/* The common tear-down: the sockets closed, the mapping unmapped. */
static void socks_close(struct socks *s)
{
	for (int i = 0; i < 2; i++) {
		if (s->st[i] >= 0)
			close(s->st[i]);
		if (s->dg[i] >= 0)
			close(s->dg[i]);
	}
	munmap(s->bar, PAGE);
}

/* A signal during a copy is a failure (on_signal), or back to the
 * default: a trap that leaked out of the shim must not pass unnoticed. */
static void watch_signals(int on)
{
	signal(SIGBUS, on ? on_signal : SIG_DFL);
	signal(SIGSEGV, on ? on_signal : SIG_DFL);
}

/* What a socket holds now, up to n bytes, without waiting: the count
 * (-1 with EAGAIN when nothing). */
static ssize_t queued(int sock, void *buf, size_t n)
{
	return recv(sock, buf, n, MSG_DONTWAIT);
}

/* A vector of n messages, message i with the one buffer iov[i]. */
static void one_iov_each(struct mmsghdr *msgs, struct iovec *iov, int n)
{
	memset(msgs, 0, n * sizeof(*msgs));
	for (int i = 0; i < n; i++) {
		msgs[i].msg_hdr.msg_iov = &iov[i];
		msgs[i].msg_hdr.msg_iovlen = 1;
	}
}

/* send() and sendto() of a stream socket from ID and liveness. */
static void socket_send(void)
{
	wr32(sk.bar, EDU_LIVENESS, 0x12345678);
	errno = 0;
	SVT_CHECK(send(sk.st[0], sk.bar + EDU_ID, 4, 0) == 4, "send() from ID (%s)", strerror(errno));
	SVT_CHECK(sendto(sk.st[0], sk.bar + EDU_LIVENESS, 4, MSG_NOSIGNAL, NULL, 0) == 4, "sendto() from liveness (%s)",
		  strerror(errno));
	uint32_t got[3] = {0, 0, 0};
	SVT_CHECK(queued(sk.st[1], got, sizeof(got)) == 8, "the socket holds 8 bytes");
	SVT_CHECK(got[0] == EDU_ID_VALUE && got[1] == 0xedcba987u, "ID and liveness read (%#x %#x)", got[0], got[1]);
}

/* recv() and recvfrom() of a stream socket into liveness and factorial;
 * MSG_WAITALL waits for all of it. */
static void socket_recv(void)
{
	uint8_t *bar = sk.bar;
	uint32_t x = 0x0badf00d, five = 5;
	SVT_REQUIRE_VOID(send(sk.st[0], &x, 4, 0) == 4, "4 bytes into the socket");
	errno = 0;
	SVT_CHECK(recv(sk.st[1], bar + EDU_LIVENESS, 4, 0) == 4, "recv() into liveness (%s)", strerror(errno));
	SVT_CHECK(rd32(bar, EDU_LIVENESS) == ~x, "liveness took the store (%#x)", rd32(bar, EDU_LIVENESS));
	SVT_REQUIRE_VOID(send(sk.st[0], &five, 4, 0) == 4, "5 into the socket");
	struct sockaddr_storage from;
	socklen_t fromlen = sizeof(from);
	SVT_CHECK(recvfrom(sk.st[1], bar + EDU_FACTORIAL, 4, 0, (struct sockaddr *)&from, &fromlen) == 4,
		  "recvfrom() into factorial (%s)", strerror(errno));
	wait_idle(bar);
	SVT_CHECK(rd32(bar, EDU_FACTORIAL) == 120, "the device computed 5! (%u)", rd32(bar, EDU_FACTORIAL));
	/* 8 bytes into liveness and factorial, sent 4 and 4 apart. */
	const uint32_t a = 0x01020304, b = 4;
	pid_t kid = fork();
	if (kid == 0) {
		if (write(sk.st[0], &a, 4) != 4)
			_exit(1);
		usleep(200 * 1000);
		_exit(write(sk.st[0], &b, 4) == 4 ? 0 : 1);
	}
	SVT_REQUIRE_VOID(kid > 0, "a process sending 4 bytes twice");
	alarm(20);
	errno = 0;
	ssize_t r = recv(sk.st[1], bar + EDU_LIVENESS, 8, MSG_WAITALL);
	alarm(0);
	int status = 0;
	waitpid(kid, &status, 0);
	SVT_CHECK(r == 8, "recv(MSG_WAITALL) waited for all 8 (%zd, %s)", r, strerror(errno));
	wait_idle(bar);
	SVT_CHECK(rd32(bar, EDU_LIVENESS) == ~a && rd32(bar, EDU_FACTORIAL) == 24, "liveness and factorial took them (%#x %u)",
		  rd32(bar, EDU_LIVENESS), rd32(bar, EDU_FACTORIAL));
	SVT_CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0, "the other process sent both");
}

/* sendmsg() and recvmsg() with RAM and register iovecs and an SCM_RIGHTS
 * fd alongside: the fd arrives and works. */
static void socket_msg(void)
{
	int p[2];
	SVT_REQUIRE_VOID(make_pipe(p) == 0, "a pipe");
	char head[4] = {'a', 'b', 'c', 'd'};
	struct iovec out[2] = {{head, 4}, {sk.bar + EDU_ID, 4}};
	errno = 0;
	SVT_CHECK(send_fd(sk.st[0], out, 2, p[1]) == 8, "sendmsg() of RAM and ID with the pipe's write end (%s)",
		  strerror(errno));
	close(p[1]);
	uint32_t first = 0;
	struct iovec in[2] = {{&first, 4}, {sk.bar + EDU_LIVENESS, 4}};
	int fd = -1, flags = 0;
	SVT_CHECK(recv_fd(sk.st[1], in, 2, &fd, &flags) == 8, "recvmsg() into RAM and liveness (%s)", strerror(errno));
	SVT_CHECK(memcmp(&first, head, 4) == 0 && rd32(sk.bar, EDU_LIVENESS) == ~EDU_ID_VALUE,
		  "RAM took the head, liveness the ID (%#x)", rd32(sk.bar, EDU_LIVENESS));
	SVT_CHECK(fd >= 0 && !(flags & (MSG_CTRUNC | MSG_TRUNC)), "the fd came (%d, flags %#x)", fd, flags);
	char buf[4] = "";
	SVT_CHECK(fd >= 0 && write(fd, "hi", 2) == 2 && drain(p[0], buf, 4) == 2 && memcmp(buf, "hi", 2) == 0,
		  "the fd is the pipe's write end");
	SVT_CHECK(fcntl(fd, F_GETFD) == FD_CLOEXEC, "MSG_CMSG_CLOEXEC kept");
	close(fd);
	SVT_CHECK(read(p[0], buf, 4) == 0, "and its last write end");
	close(p[0]);
}

/* A datagram socket: one message per call both ways; MSG_TRUNC answers a
 * message's length and delivers what fits; the rest of a message never
 * shows in the next. */
static void datagram(void)
{
	uint8_t *bar = sk.bar;
	const int *sv = sk.dg;
	wr32(bar, EDU_LIVENESS, 0x11111111);
	wr32(bar, EDU_FACTORIAL, 3);
	wait_idle(bar);
	errno = 0;
	SVT_CHECK(send(sv[0], bar + EDU_ID, 4, 0) == 4, "send() of a datagram from ID (%s)", strerror(errno));
	SVT_CHECK(send(sv[0], bar + EDU_LIVENESS, 8, 0) == 8, "send() of one from liveness and factorial (%s)",
		  strerror(errno));
	uint32_t got[4] = {0, 0, 0, 0};
	SVT_CHECK(queued(sv[1], got, sizeof(got)) == 4 && got[0] == EDU_ID_VALUE, "the first is the ID");
	SVT_CHECK(queued(sv[1], got, sizeof(got)) == 8 && got[0] == 0xeeeeeeeeu && got[1] == 6,
		  "the second liveness and factorial (%#x %u)", got[0], got[1]);

	const uint32_t d1 = 0x22222222, d2[2] = {0x33333333, 0x44444444}, d3 = 0x55555555;
	SVT_REQUIRE_VOID(send(sv[0], &d1, 4, 0) == 4 && send(sv[0], d2, 8, 0) == 8 && send(sv[0], &d3, 4, 0) == 4,
			 "three datagrams of 4, 8, 4 bytes");
	SVT_CHECK(recv(sv[1], bar + EDU_LIVENESS, 8, 0) == 4, "recv() of 8 into the registers answers the 4");
	SVT_CHECK(rd32(bar, EDU_LIVENESS) == ~d1 && rd32(bar, EDU_FACTORIAL) == 6, "liveness took it, factorial not (%#x %u)",
		  rd32(bar, EDU_LIVENESS), rd32(bar, EDU_FACTORIAL));
	SVT_CHECK(recv(sv[1], bar + EDU_LIVENESS, 4, MSG_TRUNC) == 8, "recv(MSG_TRUNC) of 4 answers the 8");
	SVT_CHECK(rd32(bar, EDU_LIVENESS) == ~d2[0] && rd32(bar, EDU_FACTORIAL) == 6,
		  "liveness took what fit, factorial nothing (%#x %u)", rd32(bar, EDU_LIVENESS), rd32(bar, EDU_FACTORIAL));
	SVT_CHECK(queued(sv[1], got, sizeof(got)) == 4 && got[0] == d3,
		  "the next is the third: the second's tail was dropped (%#x)", got[0]);

	SVT_REQUIRE_VOID(send(sv[0], d2, 8, 0) == 8, "8 bytes");
	struct iovec v = {bar + EDU_LIVENESS, 4};
	struct msghdr m = {.msg_iov = &v, .msg_iovlen = 1};
	SVT_CHECK(recvmsg(sv[1], &m, 0) == 4 && (m.msg_flags & MSG_TRUNC) && rd32(bar, EDU_LIVENESS) == ~d2[0],
		  "recvmsg() of 4 answers 4 and flags MSG_TRUNC (%#x)", m.msg_flags);
	SVT_CHECK(queued(sv[1], got, sizeof(got)) == -1 && errno == EAGAIN, "nothing else queued");
}

/* MSG_PEEK into the registers leaves the bytes queued. */
static void peek(void)
{
	uint8_t *bar = sk.bar;
	const uint32_t x = 0x66666666, d[2] = {0x77777777, 0x88888888};
	SVT_REQUIRE_VOID(send(sk.st[0], &x, 4, 0) == 4 && send(sk.dg[0], d, 8, 0) == 8, "bytes in both");
	errno = 0;
	SVT_CHECK(recv(sk.st[1], bar + EDU_LIVENESS, 4, MSG_PEEK) == 4 && rd32(bar, EDU_LIVENESS) == ~x,
		  "recv(MSG_PEEK) of the stream into liveness (%s)", strerror(errno));
	uint32_t got[4] = {0, 0, 0, 0};
	SVT_CHECK(queued(sk.st[1], got, sizeof(got)) == 4 && got[0] == x, "the stream still holds them");
	wr32(bar, EDU_LIVENESS, 0);
	SVT_CHECK(recv(sk.dg[1], bar + EDU_LIVENESS, 4, MSG_PEEK | MSG_TRUNC) == 8 && rd32(bar, EDU_LIVENESS) == ~d[0],
		  "recv(MSG_PEEK | MSG_TRUNC) of the datagram into liveness (%#x)", rd32(bar, EDU_LIVENESS));
	SVT_CHECK(queued(sk.dg[1], got, sizeof(got)) == 8 && got[0] == d[0] && got[1] == d[1],
		  "the datagram is still whole");
}

/* Memory disabled: EFAULT, nothing sent, a stream keeps its bytes, no
 * signal. */
static void socket_revoked(void)
{
	uint8_t *bar = sk.bar;
	watch_signals(1);
	wr32(bar, EDU_LIVENESS, 1);
	uint32_t cmd = svt_config_read(device, 0x04, 2);
	SVT_REQUIRE_VOID(svt_config_write(device, 0x04, 2, cmd & ~2u) == 0, "memory off");
	uint32_t got[2] = {0, 0};
	for (int i = 0; i < 2; i++) {
		const int *sv = i ? sk.dg : sk.st;
		const char *what = i ? "datagram" : "stream";
		errno = 0;
		SVT_CHECK(send(sv[0], bar + EDU_ID, 4, 0) == -1 && errno == EFAULT, "%s: send() from it is EFAULT (%s)",
			  what, strerror(errno));
		struct iovec v = {bar + EDU_ID, 4};
		struct msghdr m = {.msg_iov = &v, .msg_iovlen = 1};
		errno = 0;
		SVT_CHECK(sendmsg(sv[0], &m, 0) == -1 && errno == EFAULT, "%s: sendmsg() from it is EFAULT (%s)", what,
			  strerror(errno));
		SVT_CHECK(queued(sv[1], got, 8) == -1 && errno == EAGAIN, "%s: nothing was sent", what);
		const uint32_t x = 0x12121212;
		SVT_REQUIRE_VOID(send(sv[0], &x, 4, 0) == 4, "%s: 4 bytes", what);
		errno = 0;
		SVT_CHECK(recv(sv[1], bar + EDU_LIVENESS, 4, 0) == -1 && errno == EFAULT, "%s: recv() into it is EFAULT (%s)",
			  what, strerror(errno));
		/* Linux drops a datagram whose copy failed; a stream keeps the
		 * bytes. */
		ssize_t left = queued(sv[1], got, 8);
		SVT_CHECK(i ? left == -1 : (left == 4 && got[0] == x), "%s: %s (%zd)", what,
			  i ? "the datagram is gone, as on Linux" : "the stream kept its bytes", left);
	}
	SVT_REQUIRE_VOID(svt_config_write(device, 0x04, 2, cmd) == 0, "memory on");
	SVT_CHECK(rd32(bar, EDU_LIVENESS) == ~1u, "liveness never written (%#x)", rd32(bar, EDU_LIVENESS));
	watch_signals(0);
}

/* A read-only register mapping: a stream's recv() into it is EFAULT and
 * the bytes stay; a datagram's recvmsg() into it is EFAULT, the message
 * and the fd it carried are gone (the fd never installed); a send() from
 * it reads the registers. */
static void socket_readonly(void)
{
	uint8_t *ro = map_bar(NULL, PROT_READ);
	int p[2];
	SVT_REQUIRE_VOID(ro && make_pipe(p) == 0, "a read-only mapping and a pipe");
	watch_signals(1);
	wr32(sk.bar, EDU_LIVENESS, 7);
	const uint32_t x = 0x44444444;
	SVT_REQUIRE_VOID(send(sk.st[0], &x, 4, 0) == 4, "4 bytes into the stream");
	errno = 0;
	SVT_CHECK(recv(sk.st[1], ro + EDU_LIVENESS, 4, 0) == -1 && errno == EFAULT, "stream: recv() into it is EFAULT (%s)",
		  strerror(errno));
	uint32_t got = 0;
	SVT_CHECK(queued(sk.st[1], &got, 4) == 4 && got == x, "the stream kept its bytes");

	struct iovec out = {(void *)&x, 4};
	SVT_REQUIRE_VOID(send_fd(sk.dg[0], &out, 1, p[1]) == 4, "a datagram with the pipe's write end");
	close(p[1]);
	struct iovec in = {ro + EDU_LIVENESS, 4};
	int fd = -2, flags = 0;
	errno = 0;
	SVT_CHECK(recv_fd(sk.dg[1], &in, 1, &fd, &flags) == -1 && errno == EFAULT,
		  "datagram: recvmsg() into it is EFAULT (%s)", strerror(errno));
	char buf[4];
	SVT_CHECK(read(p[0], buf, 4) == 0, "the fd it carried is not open (the pipe has no writer)");
	SVT_CHECK(queued(sk.dg[1], &got, 4) == -1 && errno == EAGAIN, "the datagram is gone, as on Linux");
	SVT_CHECK(rd32(sk.bar, EDU_LIVENESS) == ~7u, "liveness took no store");

	SVT_CHECK(send(sk.dg[0], ro + EDU_LIVENESS, 4, 0) == 4 && queued(sk.dg[1], &got, 4) == 4 && got == ~7u,
		  "send() from it reads liveness");
	watch_signals(0);
	close(p[0]);
}

/* A buffer from the register page into a PROT_NONE page of the
 * program's: a stream sends the register bytes before it; a datagram is
 * EFAULT, nothing sent. */
static void socket_partial(void)
{
	uint8_t *ram;
	SVT_REQUIRE_VOID(socks_open(&sk, ram_then_bar(0, &ram, PROT_NONE), STREAM | DGRAM),
			 "register page, a PROT_NONE page after it, stream and datagram socket pairs");
	watch_signals(1);
	uint8_t *buf = sk.bar + PAGE - 4;
	errno = 0;
	SVT_CHECK(send(sk.st[0], buf, 8, 0) == 4, "stream: send() answers the 4 register bytes (%s)", strerror(errno));
	uint32_t got[2];
	SVT_CHECK(queued(sk.st[1], got, 8) == 4, "stream: 4 bytes sent");
	errno = 0;
	SVT_CHECK(send(sk.dg[0], buf, 8, 0) == -1 && errno == EFAULT, "datagram: send() is EFAULT (%s)", strerror(errno));
	SVT_CHECK(queued(sk.dg[1], got, 8) == -1 && errno == EAGAIN, "datagram: nothing sent");
	watch_signals(0);
	socks_close(&sk);
}

/* sendmmsg() and recvmmsg() with register buffers: one datagram per
 * message, each message's length. */
static void mmsg(void)
{
	uint8_t *bar = sk.bar;
	wr32(bar, EDU_LIVENESS, 0x0f0f0f0f);
	wr32(bar, EDU_FACTORIAL, 4);
	wait_idle(bar);
	struct iovec out[2] = {{bar + EDU_ID, 4}, {bar + EDU_LIVENESS, 8}};
	struct mmsghdr msgs[3];
	one_iov_each(msgs, out, 2);
	errno = 0;
	SVT_CHECK(sendmmsg(sk.dg[0], msgs, 2, 0) == 2 && msgs[0].msg_len == 4 && msgs[1].msg_len == 8,
		  "sendmmsg() of two datagrams from the registers (%s)", strerror(errno));
	uint32_t a[4] = {0, 0, 0, 0}, b[4] = {0, 0, 0, 0};
	SVT_CHECK(queued(sk.dg[1], a, sizeof(a)) == 4 && a[0] == EDU_ID_VALUE, "the first is the ID");
	SVT_CHECK(queued(sk.dg[1], b, sizeof(b)) == 8 && b[0] == 0xf0f0f0f0u && b[1] == 24,
		  "the second liveness and factorial (%#x %u)", b[0], b[1]);

	const uint32_t d1 = 0x99999999, d2 = 0xaaaaaaaa;
	SVT_REQUIRE_VOID(send(sk.dg[0], &d1, 4, 0) == 4 && send(sk.dg[0], &d2, 4, 0) == 4, "two datagrams");
	struct iovec in[3] = {{bar + EDU_LIVENESS, 4}, {a, sizeof(a)}, {b, sizeof(b)}};
	one_iov_each(msgs, in, 3);
	memset(a, 0, sizeof(a));
	alarm(20);
	errno = 0;
	int r = recvmmsg(sk.dg[1], msgs, 3, MSG_WAITFORONE, NULL);
	alarm(0);
	SVT_CHECK(r == 2 && msgs[0].msg_len == 4 && msgs[1].msg_len == 4, "recvmmsg(MSG_WAITFORONE) answers the two (%d, %s)",
		  r, strerror(errno));
	SVT_CHECK(rd32(bar, EDU_LIVENESS) == ~d1 && a[0] == d2, "liveness took the first, RAM the second (%#x %#x)",
		  rd32(bar, EDU_LIVENESS), a[0]);
}

/* main's set-up and tear-down of a case's socket pairs (its table arg). */
static int socks_before(int kinds)
{
	return socks_open(&sk, map_bar(NULL, PROT_READ | PROT_WRITE), kinds);
}

static void socks_after(int kinds)
{
	(void)kinds;
	socks_close(&sk);
}

int main(int argc, char **argv)
{
	/* arg: the socket pairs main sets up for the case (struct socks). */
	static const struct bounce_case cases[] = {
		{"socket_send", socket_send, STREAM},
		{"socket_recv", socket_recv, STREAM},
		{"socket_msg", socket_msg, STREAM},
		{"datagram", datagram, DGRAM},
		{"peek", peek, STREAM | DGRAM},
		{"socket_revoked", socket_revoked, STREAM | DGRAM},
		{"socket_readonly", socket_readonly, STREAM | DGRAM},
		{"socket_partial", socket_partial, 0},
		{"mmsg", mmsg, DGRAM}};
	return bounce_main(argc, argv, cases, sizeof(cases) / sizeof(cases[0]), socks_before, socks_after);
}
