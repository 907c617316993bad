/* SPDX-License-Identifier: MIT */
/*
 * One kernel for the session: a DMABUF fd reaches programs started by
 * exec (inherited without close-on-exec: through fork+exec, posix_spawn
 * and system()) and by SCM_RIGHTS to an exec'd program, and each of them
 * maps it and sees the bytes the first program wrote into the BAR. A
 * program outside the session that gets the same fd sees a plain socket:
 * errors, never data.
 *
 * usage: session <bdf>
 *        session <bdf> inherit <fd> <pattern>     (a program of the session)
 *        session <bdf> receive <socket> <pattern>
 *        session <bdf> outsider <fd>              (started without a session)
 */
#include "svt.h"

#include <spawn.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/wait.h>

#include <softvfio/uapi/dma-buf.h>

extern char **environ;

static const uint64_t kWindow = 2 * 4096;

/* Map the buffer behind `fd` and check its first word. */
static int uses(int fd, uint32_t pattern)
{
	volatile uint32_t *p = mmap(NULL, kWindow, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED) {
		printf("child: mmap of fd %d: %s\n", fd, strerror(errno));
		return 1;
	}
	int ok = p[0] == pattern;
	/* And write back: the same BAR bytes for everyone. */
	p[1] = pattern ^ 0xffffffffu;
	munmap((void *)p, kWindow);
	if (!ok)
		printf("child: read %#x, not %#x\n", p[0], pattern);
	return ok ? 0 : 1;
}

static int receive(int sock, uint32_t pattern)
{
	char byte;
	union {
		struct cmsghdr h;
		char room[CMSG_SPACE(sizeof(int))];
	} ctl;
	struct iovec iov = {&byte, 1};
	struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl.room, .msg_controllen = sizeof(ctl.room)};
	if (recvmsg(sock, &msg, 0) != 1)
		return 1;
	struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
	if (!c || c->cmsg_type != SCM_RIGHTS)
		return 1;
	int fd;
	memcpy(&fd, CMSG_DATA(c), sizeof(fd));
	return uses(fd, pattern);
}

/* Outside the session the stand-in is what it is: a socket. */
static int outsider(int fd)
{
	int bad = 0;
	struct dma_buf_sync sync = {.flags = DMA_BUF_SYNC_START | DMA_BUF_SYNC_READ};
	if (ioctl(fd, DMA_BUF_IOCTL_SYNC, &sync) == 0 || errno != ENOTTY) {
		printf("outsider: DMA_BUF_IOCTL_SYNC did not fail with ENOTTY (%s)\n", strerror(errno));
		bad = 1;
	}
	void *p = mmap(NULL, kWindow, PROT_READ, MAP_SHARED, fd, 0);
	if (p != MAP_FAILED || errno != ENODEV) {
		printf("outsider: mmap did not fail with ENODEV (%s)\n", strerror(errno));
		bad = 1;
	}
	char buf[16];
	if (read(fd, buf, sizeof(buf)) > 0) {
		printf("outsider: read returned data\n");
		bad = 1;
	}
	return bad;
}

static int wait_ok(pid_t pid)
{
	int status = 0;
	return pid > 0 && waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

int main(int argc, char **argv)
{
	if (argc == 5 && strcmp(argv[2], "inherit") == 0)
		return uses(atoi(argv[3]), (uint32_t)strtoul(argv[4], NULL, 0));
	if (argc == 5 && strcmp(argv[2], "receive") == 0)
		return receive(atoi(argv[3]), (uint32_t)strtoul(argv[4], NULL, 0));
	if (argc == 4 && strcmp(argv[2], "outsider") == 0)
		return outsider(atoi(argv[3]));

	struct svt_dev d;
	SVT_OPEN_FROM_ARGS(argc, argv, &d);
	struct vfio_region_info bar;
	SVT_REQUIRE(svt_region(d.device, 2, &bar) == 0 && (bar.flags & VFIO_REGION_INFO_FLAG_MMAP), "BAR2 mappable");
	const uint32_t pattern = 0x5e55104u;
	uint32_t word = pattern;
	SVT_REQUIRE(pwrite(d.device, &word, 4, (off_t)bar.offset) == 4, "pattern written to BAR2");
	int buf = svt_export_bar(d.device, 2, 0, kWindow);
	SVT_REQUIRE(buf >= 0, "BAR2 window exported as a DMABUF (fd %d)", buf);
	SVT_REQUIRE(fcntl(buf, F_SETFD, 0) == 0, "the DMABUF fd survives exec");
	char fdtext[16], pat[16];
	snprintf(fdtext, sizeof(fdtext), "%d", buf);
	snprintf(pat, sizeof(pat), "%#x", pattern);

	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		execl("/proc/self/exe", argv[0], argv[1], "inherit", fdtext, pat, (char *)NULL);
		_exit(127);
	}
	SVT_CHECK(wait_ok(pid), "a program exec'd by a child maps the inherited DMABUF and sees the BAR");
	uint32_t back = 0;
	SVT_CHECK(pread(d.device, &back, 4, (off_t)bar.offset + 4) == 4 && back == (pattern ^ 0xffffffffu),
		  "what it wrote through its mapping is in the BAR");

	char *spawn_argv[] = {argv[0], argv[1], "inherit", fdtext, pat, NULL};
	pid_t spawned;
	SVT_CHECK(posix_spawn(&spawned, "/proc/self/exe", NULL, NULL, spawn_argv, environ) == 0 && wait_ok(spawned),
		  "a program started with posix_spawn does too");

	char cmd[512];
	char self[256];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	self[n > 0 ? n : 0] = '\0';
	snprintf(cmd, sizeof(cmd), "exec '%s' %s inherit %s %s", self, argv[1], fdtext, pat);
	int rc = system(cmd);
	SVT_CHECK(rc == 0, "a program started by system() through a shell does too (status %d)", rc);

	int sv[2];
	SVT_REQUIRE(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0, "socketpair");
	snprintf(fdtext, sizeof(fdtext), "%d", sv[1]);
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		close(sv[0]);
		execl("/proc/self/exe", argv[0], argv[1], "receive", fdtext, pat, (char *)NULL);
		_exit(127);
	}
	close(sv[1]);
	char byte = 'x';
	union {
		struct cmsghdr h;
		char room[CMSG_SPACE(sizeof(int))];
	} ctl;
	struct iovec iov = {&byte, 1};
	struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl.room, .msg_controllen = sizeof(ctl.room)};
	struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &buf, sizeof(int));
	SVT_CHECK(sendmsg(sv[0], &msg, 0) == 1, "the DMABUF sent over a unix socket");
	close(sv[0]);
	SVT_CHECK(wait_ok(pid), "an exec'd program that received it maps it and sees the BAR");

	/* Without the session's name in its environment, a program is in no
	 * session: the same fd is a socket there. */
	snprintf(fdtext, sizeof(fdtext), "%d", buf);
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		unsetenv("SOFTVFIO_SESSION");
		execl("/proc/self/exe", argv[0], argv[1], "outsider", fdtext, (char *)NULL);
		_exit(127);
	}
	SVT_CHECK(wait_ok(pid), "a program outside the session gets errors from the fd, never data");

	close(buf);
	svt_close_dev(&d);
	return svt_finish();
}
