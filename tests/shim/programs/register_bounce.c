/* SPDX-License-Identifier: MIT */
/*
 * A register mapping (edu's BAR0) as the buffer of a read or write of a
 * file the model does not own: a pipe, a regular file (a socket's calls:
 * register_bounce_socket.c). On Linux the
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
 */
#include "register_bounce.h"

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

int main(int argc, char **argv)
{
	static const struct bounce_case cases[] = {
		{"pipe_read", pipe_read, 0}, {"pipe_write", pipe_write, 0}, {"straddle", straddle, 0},
		{"file", file, 0},           {"vectored", vectored, 0},     {"revoked", revoked, 0},
		{"readonly", readonly, 0},   {"large", large, 0},           {"plain", plain, 0},
		{"dmabuf", dmabuf, 0},       {"racing", racing, 0}};
	return bounce_main(argc, argv, cases, sizeof(cases) / sizeof(cases[0]), NULL, NULL);
}
