/* SPDX-License-Identifier: MIT */
/*
 * A device fd closed with a raw close system call, which no preloaded
 * library sees, and its number reused:
 *   open   by open(2) of /dev/null, which the shim sees: the number is
 *          /dev/null from then on, and the device is released;
 *   pipe   by pipe(2), which it does not see: run with --verify-fds, the
 *          number is the pipe to every call, and the device is released
 *          on the first call that reaches the model.
 *
 * usage: raw_close <bdf> open|pipe
 */
#include "svt.h"

#include <sys/syscall.h>

int main(int argc, char **argv)
{
	if (argc != 3 || (strcmp(argv[2], "open") != 0 && strcmp(argv[2], "pipe") != 0)) {
		fprintf(stderr, "usage: %s <bdf> open|pipe\n", argv[0]);
		return 2;
	}
	struct svt_dev d;
	SVT_REQUIRE(svt_open_group_path(argv[1], &d) == 0, "open %s", argv[1]);
	int by_pipe = strcmp(argv[2], "pipe") == 0;

	SVT_CHECK(syscall(SYS_close, d.device) == 0, "raw close of device fd %d", d.device);
	int fd, other = -1;
	if (by_pipe) {
		int p[2] = {-1, -1};
		SVT_CHECK(pipe(p) == 0, "pipe");
		fd = p[0];
		other = p[1];
	} else {
		fd = open("/dev/null", O_RDWR | O_CLOEXEC);
	}
	SVT_CHECK(fd == d.device, "the new file takes the number (%d)", fd);

	struct vfio_device_info info = {.argsz = sizeof(info)};
	errno = 0;
	SVT_CHECK(ioctl(fd, VFIO_DEVICE_GET_INFO, &info) < 0 && errno == ENOTTY, "the ioctl reaches the new file (ENOTTY)");
	char byte = 0;
	if (by_pipe) {
		SVT_CHECK(write(other, "x", 1) == 1 && read(fd, &byte, 1) == 1 && byte == 'x', "read reaches the pipe");
		close(other);
	} else {
		SVT_CHECK(read(fd, &byte, 1) == 0, "read reaches /dev/null (end of file)");
		SVT_CHECK(write(fd, "x", 1) == 1, "write reaches /dev/null");
	}
	SVT_CHECK(svt_enabled(argv[1]) == 0, "the device was released (sysfs enable 0)");
	SVT_CHECK(close(fd) == 0, "close the new file");
	close(d.group);
	close(d.container);
	return svt_finish();
}
