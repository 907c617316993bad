/* SPDX-License-Identifier: MIT */
/*
 * Built with -O2 -D_FORTIFY_SOURCE=2: glibc's fortified open() and openat()
 * call __open_2, __open64_2, __openat_2 and __openat64_2 when the flags are
 * not a compile-time constant. Each must reach the software devices, and a
 * missing node must fail as it would for real.
 *
 * usage: fortify <bdf>
 */
#define _LARGEFILE64_SOURCE 1
#include "svt.h"

/* Not a constant to the compiler: the fortified paths are taken. */
static volatile int g_flags = O_RDWR | O_CLOEXEC;

static int is_container(int fd)
{
	return fd >= 0 && ioctl(fd, VFIO_GET_API_VERSION) == VFIO_API_VERSION;
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: %s <bdf>\n", argv[0]);
		return 2;
	}
	int flags = g_flags;
	int dir = open("/dev/vfio", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	SVT_REQUIRE(dir >= 0, "open /dev/vfio");

	int fds[4];
	fds[0] = open("/dev/vfio/vfio", flags);
	SVT_CHECK(is_container(fds[0]), "open (__open_2) gives a container");
	fds[1] = open64("/dev/vfio/vfio", flags);
	SVT_CHECK(is_container(fds[1]), "open64 (__open64_2) gives a container");
	fds[2] = openat(dir, "vfio", flags);
	SVT_CHECK(is_container(fds[2]), "openat (__openat_2) gives a container");
	fds[3] = openat64(dir, "vfio", flags);
	SVT_CHECK(is_container(fds[3]), "openat64 (__openat64_2) gives a container");

	errno = 0;
	SVT_CHECK(open("/dev/vfio/no-such-group", flags) < 0 && errno == ENOENT, "a missing node: ENOENT");
	errno = 0;
	SVT_CHECK(openat(dir, "no-such-group", flags) < 0 && errno == ENOENT, "a missing node by openat: ENOENT");

	for (int i = 0; i < 4; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	close(dir);
	(void)argv;
	return svt_finish();
}
