/* SPDX-License-Identifier: MIT */
/*
 * close() of a DMABUF's fd: it does not wait for the session kernel, and
 * nothing a program can see tells. A mapping keeps the buffer; the number
 * freed is taken by the next fd (a device fd received over SCM_RIGHTS, in
 * this process and in a fork child), which is then the device for every
 * call; a new export reuses it; thousands of export-and-close rounds leave
 * the device as they found it.
 *
 * usage: dmabuf_close <bdf>
 */
#include "svt.h"

#include <sys/socket.h>
#include <sys/wait.h>

#define SIZE 0x10000ul

static int send_fd(int sock, int fd)
{
	char byte = 0;
	struct iovec iov = {.iov_base = &byte, .iov_len = 1};
	char control[CMSG_SPACE(sizeof(int))];
	memset(control, 0, sizeof(control));
	struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = control, .msg_controllen = sizeof(control)};
	struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &fd, sizeof(int));
	return sendmsg(sock, &msg, 0) == 1 ? 0 : -1;
}

static int recv_fd(int sock)
{
	char byte;
	struct iovec iov = {.iov_base = &byte, .iov_len = 1};
	char control[CMSG_SPACE(sizeof(int))];
	struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = control, .msg_controllen = sizeof(control)};
	if (recvmsg(sock, &msg, MSG_CMSG_CLOEXEC) != 1)
		return -1;
	struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
	int fd = -1;
	if (c && c->cmsg_type == SCM_RIGHTS)
		memcpy(&fd, CMSG_DATA(c), sizeof(int));
	return fd;
}

static int is_device(int fd)
{
	struct vfio_device_info info = {.argsz = sizeof(info)};
	return ioctl(fd, VFIO_DEVICE_GET_INFO, &info) == 0 && (info.flags & VFIO_DEVICE_FLAGS_PCI);
}

/* Export, map, close; the number then goes to a copy of the device fd sent
 * over `sv`. 0 if every step showed what Linux shows. */
static int reuse_round(int device, int sv[2], const char *who)
{
	int buf = svt_export_bar(device, 2, 0, SIZE);
	SVT_REQUIRE(buf >= 0, "%s: export (errno %d)", who, errno);
	volatile uint32_t *map = mmap(NULL, SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, buf, 0);
	SVT_REQUIRE(map != MAP_FAILED, "%s: mmap of the dma-buf", who);
	SVT_CHECK(close(buf) == 0, "%s: close of the dma-buf", who);
	errno = 0;
	SVT_CHECK(fcntl(buf, F_GETFD) < 0 && errno == EBADF, "%s: the number is free at once", who);
	map[3] = 0xfeedf00d;
	SVT_CHECK(send_fd(sv[0], device) == 0, "%s: sendmsg", who);
	int got = recv_fd(sv[1]);
	SVT_CHECK(got == buf, "%s: the received fd takes the freed number (%d, %d)", who, got, buf);
	SVT_CHECK(is_device(got), "%s: the number is the device now (errno %d)", who, errno);
	char link[64];
	SVT_CHECK(strncmp(svt_fd_link(got, link, sizeof(link)), "anon_inode:[vfio-device]", 24) == 0,
		  "%s: and links to '%s'", who, link);
	SVT_CHECK(map[3] == 0xfeedf00d, "%s: the mapping kept the buffer", who);
	close(got);
	munmap((void *)map, SIZE);
	return 0;
}

int main(int argc, char **argv)
{
	struct svt_dev d;
	SVT_OPEN_FROM_ARGS(argc, argv, &d);
	int sv[2];
	SVT_REQUIRE(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == 0, "socketpair");

	reuse_round(d.device, sv, "parent");

	int first = svt_export_bar(d.device, 2, 0, SIZE);
	SVT_REQUIRE(first >= 0, "export");
	SVT_CHECK(close(first) == 0, "close");
	int again = svt_export_bar(d.device, 2, 0, SIZE);
	SVT_CHECK(again == first, "the next export takes the number (%d, %d)", again, first);
	char link[64];
	SVT_CHECK(strncmp(svt_fd_link(again, link, sizeof(link)), "/dmabuf:", 8) == 0, "it links to '%s'", link);
	close(again);

	int buf = svt_export_bar(d.device, 2, 0, SIZE);
	SVT_REQUIRE(buf >= 0, "export before fork");
	close(buf);
	pid_t pid = fork();
	SVT_REQUIRE(pid >= 0, "fork");
	if (pid == 0) {
		reuse_round(d.device, sv, "fork child");
		_exit(svt_finish());
	}
	int status = 0;
	SVT_CHECK(waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0,
		  "the fork child's rounds (status 0x%x)", status);

	for (int i = 0; i < 2000; i++) {
		int b = svt_export_bar(d.device, 2, 0, SIZE);
		if (b < 0) {
			SVT_CHECK(0, "export %d failed (errno %d)", i, errno);
			break;
		}
		close(b);
	}
	SVT_CHECK(is_device(d.device), "the device after 2000 rounds");
	close(sv[0]);
	close(sv[1]);
	svt_close_dev(&d);
	return svt_finish();
}
