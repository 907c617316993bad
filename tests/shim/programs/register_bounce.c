/* SPDX-License-Identifier: MIT */
/*
 * A register mapping (edu's BAR0) as the buffer of a read or write of a
 * file the model does not own: a pipe, a regular file, a socket. On Linux the
 * kernel's copy faults into vfio's handler and its loads and stores reach
 * the device; under softvfio the shim bounces the call (docs/trap.md, "A
 * register mapping as a system call's buffer").
 *
 *   register_bounce <bdf> <case>
 *
 * Cases, one behaviour each:
 *   pipe_read    read() from a pipe into liveness and factorial
 *   pipe_write   write() to a pipe from ID and liveness
 *   straddle     a buffer from the end of a RAM page into the register page
 *   file         pwrite/pread of a regular file; read() stopped by a page it
 *                cannot reach gives the undelivered bytes back to the file
 *   vectored     readv/writev/preadv/pwritev mixing RAM and register segments
 *   revoked      memory disabled: EFAULT, nothing written, no signal
 *   readonly     read() into a read-only register mapping: EFAULT, the pipe
 *                keeps its bytes; write() from it reads the registers
 *   large        transfers past the bounce's chunk; a pipe read of a big
 *                buffer does not wait for more than the pipe holds
 *   plain        memory of the program's own (no register mapping, then one
 *                mapped elsewhere): unchanged calls, EFAULT on PROT_NONE
 *   dmabuf       read() and write() through a DMABUF mapping of BAR0
 *   racing       another process turning memory off and on meanwhile
 *
 * Socket calls (send, recv and their forms), on socket pairs:
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
#include "svt.h"

#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/wait.h>

#define EDU_ID 0x00
#define EDU_LIVENESS 0x04
#define EDU_FACTORIAL 0x08
#define EDU_STATUS 0x20
#define EDU_ID_VALUE 0x010000edu
#define PAGE 4096

static int device = -1;
static off_t bar0;

static uint32_t rd32(volatile uint8_t *bar, unsigned off) { return *(volatile uint32_t *)(bar + off); }
static void wr32(volatile uint8_t *bar, unsigned off, uint32_t v) { *(volatile uint32_t *)(bar + off) = v; }

/* The first page of BAR0, at `at` (MAP_FIXED) or anywhere. */
static uint8_t *map_bar(void *at, int prot)
{
	void *p = mmap(at, PAGE, prot, MAP_SHARED | (at ? MAP_FIXED : 0), device, bar0);
	return p == MAP_FAILED ? NULL : p;
}

/* Room of `pages` pages of RAM with BAR0's first page mapped right after
 * it: returns the register page; *ram is the room. `after`: the
 * protection of one more page of the program's own after the registers
 * (-1: none). */
static uint8_t *ram_then_bar(size_t pages, uint8_t **ram, int after)
{
	size_t len = (pages + 1 + (after >= 0 ? 1 : 0)) * PAGE;
	uint8_t *room = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (room == MAP_FAILED)
		return NULL;
	if (after >= 0 && mprotect(room + (pages + 1) * PAGE, PAGE, after) != 0)
		return NULL;
	*ram = room;
	return map_bar(room + pages * PAGE, PROT_READ | PROT_WRITE);
}

/* edu computes a factorial in the background: wait for it. */
static void wait_idle(volatile uint8_t *bar)
{
	while (rd32(bar, EDU_STATUS) & 1)
		;
}

static void on_signal(int sig)
{
	static const char msg[] = "FAIL: a signal during a system call's copy\n";
	(void)sig;
	(void)!write(STDOUT_FILENO, msg, sizeof(msg) - 1);
	_exit(3);
}

/* What a non-blocking pipe holds, up to n bytes: the count. */
static ssize_t drain(int fd, void *buf, size_t n)
{
	ssize_t r = read(fd, buf, n);
	return r < 0 && errno == EAGAIN ? 0 : r;
}

static int make_pipe(int p[2])
{
	return pipe2(p, O_NONBLOCK | O_CLOEXEC);
}

static void pipe_read(void)
{
	uint8_t *bar = map_bar(NULL, PROT_READ | PROT_WRITE);
	int p[2];
	SVT_REQUIRE_VOID(bar && make_pipe(p) == 0, "mapping and pipe");
	uint32_t x = 0x0badf00d;
	SVT_REQUIRE_VOID(write(p[1], &x, 4) == 4, "4 bytes into the pipe");
	errno = 0;
	SVT_CHECK(read(p[0], bar + EDU_LIVENESS, 4) == 4, "read() into liveness (%s)", strerror(errno));
	SVT_CHECK(rd32(bar, EDU_LIVENESS) == ~x, "liveness took the store (%#x)", rd32(bar, EDU_LIVENESS));
	uint32_t five = 5;
	SVT_REQUIRE_VOID(write(p[1], &five, 4) == 4, "5 into the pipe");
	SVT_CHECK(read(p[0], bar + EDU_FACTORIAL, 4) == 4, "read() into factorial");
	wait_idle(bar);
	SVT_CHECK(rd32(bar, EDU_FACTORIAL) == 120, "the device computed 5! (%u)", rd32(bar, EDU_FACTORIAL));
	close(p[0]);
	close(p[1]);
	munmap(bar, PAGE);
}

static void pipe_write(void)
{
	uint8_t *bar = map_bar(NULL, PROT_READ | PROT_WRITE);
	int p[2];
	SVT_REQUIRE_VOID(bar && make_pipe(p) == 0, "mapping and pipe");
	wr32(bar, EDU_LIVENESS, 0x12345678);
	errno = 0;
	SVT_CHECK(write(p[1], bar + EDU_ID, 4) == 4, "write() from ID (%s)", strerror(errno));
	SVT_CHECK(write(p[1], bar + EDU_LIVENESS, 4) == 4, "write() from liveness");
	uint32_t got[3] = {0, 0, 0};
	SVT_CHECK(drain(p[0], got, sizeof(got)) == 8, "the pipe holds 8 bytes");
	SVT_CHECK(got[0] == EDU_ID_VALUE, "ID read (%#x)", got[0]);
	SVT_CHECK(got[1] == 0xedcba987u, "liveness read (%#x)", got[1]);
	close(p[0]);
	close(p[1]);
	munmap(bar, PAGE);
}

/* 16 bytes from 4 before the register page: a RAM word, an 8-byte piece
 * at offset 0 (edu answers all ones and ignores a store) and factorial. */
static void straddle(void)
{
	uint8_t *ram;
	uint8_t *bar = ram_then_bar(1, &ram, -1);
	int p[2];
	SVT_REQUIRE_VOID(bar && make_pipe(p) == 0, "RAM page, register page after it, pipe");
	uint8_t *buf = bar - 4;
	uint32_t in[4] = {0xcafe0001, 0x11111111, 0x22222222, 5};
	SVT_REQUIRE_VOID(write(p[1], in, 16) == 16, "16 bytes into the pipe");
	errno = 0;
	SVT_CHECK(read(p[0], buf, 16) == 16, "read() across RAM and registers (%s)", strerror(errno));
	uint32_t head;
	memcpy(&head, buf, 4);
	SVT_CHECK(head == in[0], "RAM took the first word");
	wait_idle(bar);
	SVT_CHECK(rd32(bar, EDU_FACTORIAL) == 120, "factorial took the last (%u)", rd32(bar, EDU_FACTORIAL));
	SVT_CHECK(rd32(bar, EDU_ID) == EDU_ID_VALUE, "ID unchanged");
	SVT_CHECK(write(p[1], buf, 16) == 16, "write() across RAM and registers");
	uint32_t out[4] = {0, 0, 0, 0};
	SVT_CHECK(drain(p[0], out, 16) == 16, "the pipe holds 16 bytes");
	SVT_CHECK(out[0] == in[0] && out[1] == 0xffffffffu && out[2] == 0xffffffffu && out[3] == 120,
		  "RAM word, one 8-byte read of all ones, factorial (%#x %#x %#x %u)", out[0], out[1], out[2], out[3]);
	close(p[0]);
	close(p[1]);
}

static int temp_file(void)
{
	char path[] = "/tmp/softvfio-bounce-XXXXXX";
	int fd = mkstemp(path);
	if (fd >= 0)
		unlink(path);
	return fd;
}

static void file(void)
{
	uint8_t *bar = map_bar(NULL, PROT_READ | PROT_WRITE);
	int fd = temp_file();
	SVT_REQUIRE_VOID(bar && fd >= 0, "mapping and temporary file");
	wr32(bar, EDU_LIVENESS, 0x0f0f0f0f);
	SVT_CHECK(pwrite(fd, bar + EDU_ID, 4, 100) == 4, "pwrite() from ID");
	SVT_CHECK(pwrite(fd, bar + EDU_LIVENESS, 4, 104) == 4, "pwrite() from liveness");
	uint32_t got[2] = {0, 0};
	SVT_CHECK(pread(fd, got, 8, 100) == 8 && got[0] == EDU_ID_VALUE && got[1] == 0xf0f0f0f0u,
		  "the file holds ID and liveness (%#x %#x)", got[0], got[1]);
	uint32_t x = 0x31415926;
	SVT_REQUIRE_VOID(pwrite(fd, &x, 4, 200) == 4, "a word at 200");
	SVT_CHECK(pread(fd, bar + EDU_LIVENESS, 4, 200) == 4, "pread() into liveness");
	SVT_CHECK(rd32(bar, EDU_LIVENESS) == ~x, "liveness took it (%#x)", rd32(bar, EDU_LIVENESS));
	SVT_CHECK(lseek(fd, 0, SEEK_CUR) == 0, "pread and pwrite left the position alone");
	close(fd);
	munmap(bar, PAGE);

	/* read() into the last 4 bytes of the register page and a PROT_NONE
	 * page of the program's after it: 4 bytes delivered (an unassigned
	 * offset takes the store), 4 given back to the file. */
	uint8_t *ram;
	uint8_t *regs = ram_then_bar(0, &ram, PROT_NONE);
	fd = temp_file();
	SVT_REQUIRE_VOID(regs && fd >= 0, "register page, a PROT_NONE page after it, file");
	const char text[] = "abcdefgh";
	SVT_REQUIRE_VOID(write(fd, text, 8) == 8 && lseek(fd, 0, SEEK_SET) == 0, "8 bytes in the file");
	errno = 0;
	SVT_CHECK(read(fd, regs + PAGE - 4, 8) == 4, "read() stops at the page it cannot reach (%s)", strerror(errno));
	SVT_CHECK(lseek(fd, 0, SEEK_CUR) == 4, "the file position moved by the 4 delivered");
	char rest[8] = "";
	SVT_CHECK(read(fd, rest, 8) == 4 && memcmp(rest, "efgh", 4) == 0, "the rest is read next");
	close(fd);
}

static void vectored(void)
{
	uint8_t *bar = map_bar(NULL, PROT_READ | PROT_WRITE);
	int p[2];
	SVT_REQUIRE_VOID(bar && make_pipe(p) == 0, "mapping and pipe");
	wr32(bar, EDU_LIVENESS, 0x01010101);
	char head[4] = {'a', 'b', 'c', 'd'};
	struct iovec out[3] = {{head, 4}, {bar + EDU_ID, 4}, {bar + EDU_LIVENESS, 4}};
	SVT_CHECK(writev(p[1], out, 3) == 12, "writev() of RAM, ID, liveness");
	uint32_t got[3] = {0, 0, 0};
	SVT_CHECK(drain(p[0], got, 12) == 12 && memcmp(got, head, 4) == 0 && got[1] == EDU_ID_VALUE &&
			  got[2] == 0xfefefefeu,
		  "the pipe holds them in order (%#x %#x)", got[1], got[2]);
	uint32_t in[2] = {0x77777777, 0x5a5a5a5a};
	SVT_REQUIRE_VOID(write(p[1], in, 8) == 8, "8 bytes into the pipe");
	uint32_t first = 0;
	struct iovec to[2] = {{&first, 4}, {bar + EDU_LIVENESS, 4}};
	SVT_CHECK(readv(p[0], to, 2) == 8, "readv() into RAM and liveness");
	SVT_CHECK(first == in[0] && rd32(bar, EDU_LIVENESS) == ~in[1], "each took its word (%#x)",
		  rd32(bar, EDU_LIVENESS));
	close(p[0]);
	close(p[1]);

	int fd = temp_file();
	SVT_REQUIRE_VOID(fd >= 0, "temporary file");
	SVT_CHECK(pwritev(fd, out, 3, 64) == 12, "pwritev() of RAM, ID, liveness");
	uint32_t file[3] = {0, 0, 0};
	SVT_CHECK(pread(fd, file, 12, 64) == 12 && file[1] == EDU_ID_VALUE && file[2] == ~in[1], "the file holds them");
	SVT_CHECK(preadv(fd, to, 2, 64) == 8 && memcmp(&first, head, 4) == 0 && rd32(bar, EDU_LIVENESS) == ~EDU_ID_VALUE,
		  "preadv() into RAM and liveness (%#x)", rd32(bar, EDU_LIVENESS));
	close(fd);
	munmap(bar, PAGE);
}

static void revoked(void)
{
	uint8_t *bar = map_bar(NULL, PROT_READ | PROT_WRITE);
	int p[2];
	SVT_REQUIRE_VOID(bar && make_pipe(p) == 0, "mapping and pipe");
	signal(SIGBUS, on_signal);
	wr32(bar, EDU_LIVENESS, 1);
	uint32_t cmd = svt_config_read(device, 0x04, 2);
	SVT_REQUIRE_VOID(svt_config_write(device, 0x04, 2, cmd & ~2u) == 0, "memory off");
	errno = 0;
	SVT_CHECK(write(p[1], bar + EDU_ID, 4) == -1 && errno == EFAULT, "write() from it is EFAULT (%s)",
		  strerror(errno));
	uint32_t got = 0;
	SVT_CHECK(drain(p[0], &got, 4) == 0, "nothing reached the pipe");
	uint32_t x = 0x12121212;
	SVT_REQUIRE_VOID(write(p[1], &x, 4) == 4, "4 bytes into the pipe");
	errno = 0;
	SVT_CHECK(read(p[0], bar + EDU_LIVENESS, 4) == -1 && errno == EFAULT, "read() into it is EFAULT (%s)",
		  strerror(errno));
	SVT_CHECK(drain(p[0], &got, 4) == 4 && got == x, "the pipe kept its bytes");
	SVT_REQUIRE_VOID(svt_config_write(device, 0x04, 2, cmd) == 0, "memory on");
	SVT_CHECK(rd32(bar, EDU_LIVENESS) == ~1u, "liveness never written (%#x)", rd32(bar, EDU_LIVENESS));
	signal(SIGBUS, SIG_DFL);
	close(p[0]);
	close(p[1]);
	munmap(bar, PAGE);
}

static void readonly(void)
{
	uint8_t *rw = map_bar(NULL, PROT_READ | PROT_WRITE);
	uint8_t *ro = map_bar(NULL, PROT_READ);
	int p[2];
	SVT_REQUIRE_VOID(rw && ro && make_pipe(p) == 0, "two mappings and a pipe");
	signal(SIGSEGV, on_signal);
	wr32(rw, EDU_LIVENESS, 7);
	uint32_t x = 0x44444444;
	SVT_REQUIRE_VOID(write(p[1], &x, 4) == 4, "4 bytes into the pipe");
	errno = 0;
	SVT_CHECK(read(p[0], ro + EDU_LIVENESS, 4) == -1 && errno == EFAULT, "read() into it is EFAULT (%s)",
		  strerror(errno));
	SVT_CHECK(rd32(rw, EDU_LIVENESS) == ~7u, "liveness took no store");
	uint32_t got = 0;
	SVT_CHECK(drain(p[0], &got, 4) == 4 && got == x, "the pipe kept its bytes");
	SVT_CHECK(write(p[1], ro + EDU_LIVENESS, 4) == 4 && drain(p[0], &got, 4) == 4 && got == ~7u,
		  "write() from it reads liveness");
	signal(SIGSEGV, SIG_DFL);
	close(p[0]);
	close(p[1]);
}

static void large(void)
{
	enum { RAM_PAGES = 17 };
	uint8_t *ram;
	uint8_t *bar = ram_then_bar(RAM_PAGES, &ram, -1);
	int fd = temp_file();
	SVT_REQUIRE_VOID(bar && fd >= 0, "17 RAM pages, the register page after them, file");
	/* Past 64 KiB; ends with one 8-byte piece at offset 0 (all ones)
	 * and factorial. */
	const size_t len = RAM_PAGES * PAGE + 12;
	for (size_t i = 0; i < RAM_PAGES * PAGE; i++)
		ram[i] = (uint8_t)(i * 13);
	wr32(bar, EDU_FACTORIAL, 4);
	wait_idle(bar);
	SVT_CHECK(pwrite(fd, ram, len, 0) == (ssize_t)len, "pwrite() of %zu bytes", len);
	uint8_t *check = malloc(len);
	SVT_REQUIRE_VOID(check && pread(fd, check, len, 0) == (ssize_t)len, "read back");
	uint32_t tail[3];
	memcpy(tail, check + RAM_PAGES * PAGE, 12);
	SVT_CHECK(memcmp(check, ram, RAM_PAGES * PAGE) == 0 && tail[0] == 0xffffffffu && tail[1] == 0xffffffffu &&
			  tail[2] == 24,
		  "the file holds the RAM and the registers (%#x %#x %u)", tail[0], tail[1], tail[2]);
	memset(ram, 0, RAM_PAGES * PAGE);
	tail[2] = 5;
	SVT_REQUIRE_VOID(pwrite(fd, tail, 12, RAM_PAGES * PAGE) == 12, "5 for factorial in the file");
	SVT_CHECK(pread(fd, ram, len, 0) == (ssize_t)len, "pread() of %zu bytes", len);
	wait_idle(bar);
	SVT_CHECK(memcmp(check, ram, RAM_PAGES * PAGE) == 0 && rd32(bar, EDU_FACTORIAL) == 120,
		  "RAM and factorial took it (%u)", rd32(bar, EDU_FACTORIAL));
	close(fd);
	free(check);

	/* A pipe holding less than the buffer: one call, no wait for more. */
	int p[2];
	SVT_REQUIRE_VOID(pipe2(p, O_CLOEXEC) == 0, "a blocking pipe");
	alarm(20);
	SVT_REQUIRE_VOID(write(p[1], "0123456789", 10) == 10, "10 bytes");
	SVT_CHECK(read(p[0], ram, len) == 10, "read() of a big buffer answers the 10");
	static uint8_t full[64 * 1024];
	SVT_REQUIRE_VOID(write(p[1], full, sizeof(full)) == (ssize_t)sizeof(full), "64 KiB");
	ssize_t r = read(p[0], ram, len);
	SVT_CHECK(r > 0 && r <= (ssize_t)sizeof(full), "read() does not wait past what the pipe held (%zd)", r);
	alarm(0);
	close(p[0]);
	close(p[1]);
}

/* Through a DMABUF of BAR0: the buffer's own access path. */
static void dmabuf(void)
{
	int buf = svt_export_bar(device, 0, 0, PAGE);
	SVT_REQUIRE_VOID(buf >= 0, "DMABUF of BAR0's first page");
	void *m = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, buf, 0);
	int p[2];
	SVT_REQUIRE_VOID(m != MAP_FAILED && make_pipe(p) == 0, "its mapping and a pipe");
	uint8_t *bar = m;
	uint32_t x = 0x55aa55aa;
	SVT_REQUIRE_VOID(write(p[1], &x, 4) == 4, "4 bytes into the pipe");
	SVT_CHECK(read(p[0], bar + EDU_LIVENESS, 4) == 4 && rd32(bar, EDU_LIVENESS) == ~x, "read() into liveness");
	uint32_t got[2] = {0, 0};
	SVT_CHECK(write(p[1], bar + EDU_ID, 4) == 4 && write(p[1], bar + EDU_LIVENESS, 4) == 4 &&
			  drain(p[0], got, 8) == 8 && got[0] == EDU_ID_VALUE && got[1] == ~x,
		  "write() from ID and liveness (%#x %#x)", got[0], got[1]);
	close(p[0]);
	close(p[1]);
	munmap(m, PAGE);
	close(buf);
}

/* Memory turned off and on by another process meanwhile: a write() from
 * ID gives the pipe the ID or is EFAULT with nothing written; a read()
 * into liveness is 4 or EFAULT; never a signal, never another value. */
static void racing(void)
{
	uint8_t *bar = map_bar(NULL, PROT_READ | PROT_WRITE);
	int p[2];
	SVT_REQUIRE_VOID(bar && make_pipe(p) == 0, "mapping and pipe");
	signal(SIGBUS, on_signal);
	signal(SIGSEGV, on_signal);
	const uint32_t cmd = svt_config_read(device, 0x04, 2);
	pid_t kid = fork();
	if (kid == 0) {
		for (int i = 0; i < 200; i++)
			if (svt_config_write(device, 0x04, 2, i % 2 ? cmd : (cmd & ~2u)) != 0)
				_exit(1);
		_exit(0);
	}
	SVT_REQUIRE_VOID(kid > 0, "a process turning memory off and on");
	int status = 0, ok = 1, rounds = 0, copied = 0;
	while (waitpid(kid, &status, WNOHANG) == 0 && ok) {
		rounds++;
		errno = 0;
		ssize_t r = write(p[1], bar + EDU_ID, 4);
		int e = errno;
		uint32_t got = 0;
		ssize_t held = drain(p[0], &got, 4);
		if (r == 4) {
			copied++;
			ok = held == 4 && got == EDU_ID_VALUE;
		} else {
			ok = r == -1 && e == EFAULT && held == 0;
		}
		uint32_t x = (uint32_t)rounds;
		if (ok && write(p[1], &x, 4) == 4) {
			errno = 0;
			r = read(p[0], bar + EDU_LIVENESS, 4);
			e = errno;
			ok = r == 4 || (r == -1 && e == EFAULT);
			(void)drain(p[0], &got, 4);
		}
		if (!ok)
			SVT_INFO("round %d: %zd (%s), got %#x", rounds, r, strerror(e), got);
	}
	SVT_CHECK(ok, "every copy read the ID or was EFAULT (%d rounds, %d copied)", rounds, copied);
	SVT_CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0, "the other process turned memory off and on");
	svt_config_write(device, 0x04, 2, cmd);
	signal(SIGBUS, SIG_DFL);
	signal(SIGSEGV, SIG_DFL);
	close(p[0]);
	close(p[1]);
	munmap(bar, PAGE);
}

static void plain(void)
{
	int p[2];
	SVT_REQUIRE_VOID(make_pipe(p) == 0, "pipe");
	uint8_t *own = mmap(NULL, PAGE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	SVT_REQUIRE_VOID(own != MAP_FAILED, "a PROT_NONE page of the program's");
	signal(SIGSEGV, on_signal);
	for (int round = 0; round < 2; round++) {
		const char *when = round ? "with a register mapping elsewhere" : "without register mappings";
		char buf[8] = "";
		SVT_CHECK(write(p[1], "wxyz", 4) == 4 && read(p[0], buf, 8) == 4 && memcmp(buf, "wxyz", 4) == 0,
			  "a pipe's write and read, %s", when);
		SVT_REQUIRE_VOID(write(p[1], "wxyz", 4) == 4, "4 bytes");
		errno = 0;
		SVT_CHECK(read(p[0], own, 4) == -1 && errno == EFAULT, "read() into PROT_NONE memory is EFAULT, %s",
			  when);
		SVT_CHECK(drain(p[0], buf, 8) == 4, "and the pipe kept its bytes");
		errno = 0;
		SVT_CHECK(write(p[1], own, 4) == -1 && errno == EFAULT, "write() from it is EFAULT, %s", when);
		SVT_REQUIRE_VOID(round || map_bar(NULL, PROT_READ | PROT_WRITE), "a register mapping");
	}
	signal(SIGSEGV, SIG_DFL);
	close(p[0]);
	close(p[1]);
}

/* --- socket calls: send, recv and their forms --- */

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

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: %s <bdf> <case>\n", argv[0]);
		return 2;
	}
	struct svt_dev d;
	SVT_REQUIRE(svt_open_group_path(argv[1], &d) == 0, "open %s", argv[1]);
	device = d.device;
	SVT_REQUIRE(svt_config_write(d.device, 0x04, 2, svt_config_read(d.device, 0x04, 2) | 0x2) == 0, "memory on");
	struct vfio_region_info info;
	SVT_REQUIRE(svt_region(d.device, VFIO_PCI_BAR0_REGION_INDEX, &info) == 0, "BAR0 region info");
	bar0 = (off_t)info.offset;
	/* socks: the socket pairs main sets up for the case (struct socks). */
	static const struct {
		const char *name;
		void (*run)(void);
		int socks;
	} cases[] = {{"pipe_read", pipe_read, 0},     {"pipe_write", pipe_write, 0},
		     {"straddle", straddle, 0},       {"file", file, 0},
		     {"vectored", vectored, 0},       {"revoked", revoked, 0},
		     {"readonly", readonly, 0},       {"large", large, 0},
		     {"plain", plain, 0},             {"dmabuf", dmabuf, 0},
		     {"racing", racing, 0},           {"socket_send", socket_send, STREAM},
		     {"socket_recv", socket_recv, STREAM}, {"socket_msg", socket_msg, STREAM},
		     {"datagram", datagram, DGRAM},   {"peek", peek, STREAM | DGRAM},
		     {"socket_revoked", socket_revoked, STREAM | DGRAM},
		     {"socket_readonly", socket_readonly, STREAM | DGRAM},
		     {"socket_partial", socket_partial, 0}, {"mmsg", mmsg, DGRAM}};
	int found = 0;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		if (strcmp(argv[2], cases[i].name) != 0)
			continue;
		found = 1;
		if (cases[i].socks)
			SVT_REQUIRE(socks_open(&sk, map_bar(NULL, PROT_READ | PROT_WRITE), cases[i].socks),
				    "mapping and the socket pairs");
		cases[i].run();
		if (cases[i].socks)
			socks_close(&sk);
	}
	SVT_CHECK(found, "case %s", argv[2]);
	svt_close_dev(&d);
	return svt_finish();
}
