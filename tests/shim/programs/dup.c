/* SPDX-License-Identifier: MIT */
/*
 * Emulated fds through dup, dup2, dup3, fcntl(F_DUPFD*), SCM_RIGHTS and
 * close_range: each copy reaches the same device, a number reused by an
 * ordinary file is that file, and closing every copy closes the device (its
 * group can be opened again).
 *
 * usage: dup <bdf>
 */
#include "svt.h"

#include <sys/socket.h>
#include <sys/uio.h>

static int device_ok(int fd)
{
	struct vfio_device_info info = {.argsz = sizeof(info)};
	return ioctl(fd, VFIO_DEVICE_GET_INFO, &info) == 0 && (info.flags & VFIO_DEVICE_FLAGS_PCI);
}

static int pass_fd(int fd)
{
	int sv[2];
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		return -1;
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
	memcpy(CMSG_DATA(c), &fd, sizeof(int));
	int got = -1;
	if (sendmsg(sv[0], &msg, 0) == 1) {
		memset(ctl.room, 0, sizeof(ctl.room));
		msg.msg_controllen = sizeof(ctl.room);
		if (recvmsg(sv[1], &msg, 0) == 1 && (c = CMSG_FIRSTHDR(&msg)) && c->cmsg_type == SCM_RIGHTS)
			memcpy(&got, CMSG_DATA(c), sizeof(int));
	}
	close(sv[0]);
	close(sv[1]);
	return got;
}

int main(int argc, char **argv)
{
	struct svt_dev d;
	SVT_OPEN_FROM_ARGS(argc, argv, &d);
	char link[256];

	int a = dup(d.device);
	SVT_CHECK(a >= 0 && device_ok(a) && strcmp(svt_fd_link(a, link, sizeof(link)), "anon_inode:[vfio-device]") == 0,
		  "dup %d: a device fd ('%s')", a, link);
	SVT_CHECK(!(fcntl(a, F_GETFD) & FD_CLOEXEC), "dup clears close-on-exec");
	int b = fcntl(d.device, F_DUPFD_CLOEXEC, 100);
	SVT_CHECK(b >= 100 && device_ok(b) && fcntl(b, F_GETFD) == FD_CLOEXEC, "F_DUPFD_CLOEXEC from 100: %d", b);
	int c = fcntl(d.device, F_DUPFD, 0);
	SVT_CHECK(c >= 0 && device_ok(c), "F_DUPFD: %d", c);

	close(d.device);
	SVT_CHECK(device_ok(a) && device_ok(b), "copies work after the original is closed");

	/* dup2 of an ordinary file onto an emulated number. */
	int null = open("/dev/null", O_RDWR | O_CLOEXEC);
	SVT_CHECK(dup2(null, c) == c, "dup2 /dev/null onto device fd %d", c);
	struct vfio_device_info info = {.argsz = sizeof(info)};
	errno = 0;
	SVT_CHECK(ioctl(c, VFIO_DEVICE_GET_INFO, &info) < 0 && errno == ENOTTY, "the number is /dev/null now (ENOTTY)");
	SVT_CHECK(strcmp(svt_fd_link(c, link, sizeof(link)), "/dev/null") == 0, "and links to '%s'", link);
	/* ... and of an emulated fd onto an ordinary number. */
	SVT_CHECK(dup3(a, null, O_CLOEXEC) == null && device_ok(null) && fcntl(null, F_GETFD) == FD_CLOEXEC,
		  "dup3 of the device onto fd %d with O_CLOEXEC", null);
	SVT_CHECK(dup2(a, a) == a && device_ok(a), "dup2 onto itself");

	int got = pass_fd(a);
	SVT_CHECK(got >= 0 && got != a && device_ok(got), "a copy received with SCM_RIGHTS (%d) works", got);

	/* CLOSE_RANGE_CLOEXEC marks; a plain close_range closes them all. */
	int lo = a < null ? a : null, hi = b;
	SVT_CHECK(close_range((unsigned)a, (unsigned)a, CLOSE_RANGE_CLOEXEC) == 0 && fcntl(a, F_GETFD) == FD_CLOEXEC &&
			  device_ok(a),
		  "close_range(CLOSE_RANGE_CLOEXEC) marks the fd and keeps it");
	SVT_CHECK(close(got) == 0, "close the received copy");
	SVT_CHECK(svt_enabled(argv[1]) == 1, "sysfs enable is 1 while copies are open");
	SVT_CHECK(close_range((unsigned)lo, (unsigned)hi, 0) == 0, "close_range(%d, %d) over every device fd", lo, hi);
	errno = 0;
	SVT_CHECK(!device_ok(a) && errno == EBADF && !device_ok(b), "the numbers are closed (EBADF)");
	SVT_CHECK(svt_enabled(argv[1]) == 0, "sysfs enable is 0: the device was closed");
	close(d.group);
	close(d.container);
	return svt_finish();
}
