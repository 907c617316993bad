/* SPDX-License-Identifier: MIT */
/*
 * The SR-IOV probe's tool for what busybox cannot say: `w PATH TEXT` writes
 * TEXT to a sysfs attribute and prints "ok N" or the errno; `x PATH OFF LEN`
 * prints LEN bytes of a file from OFF in hex (config space past the header).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
int main(int argc, char **argv)
{
	if (argc == 4 && argv[1][0] == 'w') {
		int fd = open(argv[2], O_WRONLY);
		if (fd < 0) { printf("open errno %d (%s)\n", errno, strerror(errno)); return 0; }
		ssize_t n = write(fd, argv[3], strlen(argv[3]));
		if (n < 0) printf("errno %d (%s)\n", errno, strerror(errno)); else printf("ok %zd\n", n);
		close(fd);
		return 0;
	}
	if (argc == 5 && argv[1][0] == 'x') {
		int fd = open(argv[2], O_RDONLY);
		unsigned char b[4096];
		long off = strtol(argv[3], 0, 0), len = strtol(argv[4], 0, 0);
		ssize_t n = pread(fd, b, len, off);
		for (ssize_t i = 0; i < n; i++) printf("%02x%s", b[i], (i % 16 == 15) ? "\n" : " ");
		printf("\n");
		return 0;
	}
	return 2;
}
