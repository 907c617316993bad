/* SPDX-License-Identifier: MIT */
/*
 * The shim's tax on calls that are not VFIO's: ioctl(FIONREAD) on a pipe,
 * read(2) of a file, open+close of a file, stat, mmap+munmap of anonymous
 * memory. Prints nanoseconds per call (best of several rounds); the test
 * runs it without the shim, under the shim, and under the shim after a
 * VFIO node was opened (the model exists, so every fd is classified).
 *
 * usage: bench_tax [--touch-vfio]
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define CALLS 20000
#define ROUNDS 7

static double now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

#define MEASURE(name, body)                                                    \
	do {                                                                   \
		double best = 1e30;                                            \
		for (int round = 0; round < ROUNDS; round++) {                 \
			double t0 = now_ns();                                  \
			for (int i = 0; i < CALLS; i++) {                      \
				body;                                          \
			}                                                      \
			double per = (now_ns() - t0) / CALLS;                  \
			if (per < best)                                        \
				best = per;                                    \
		}                                                              \
		printf("%s %.1f\n", name, best);                               \
	} while (0)

int main(int argc, char **argv)
{
	int vfio = -1;
	if (argc == 2 && strcmp(argv[1], "--touch-vfio") == 0) {
		vfio = open("/dev/vfio/vfio", O_RDWR | O_CLOEXEC);
		if (vfio < 0) {
			perror("/dev/vfio/vfio");
			return 1;
		}
	}
	int p[2];
	if (pipe(p) < 0)
		return 1;
	int file = open(argv[0], O_RDONLY | O_CLOEXEC);
	char buf[64];
	int n;
	struct stat st;
	MEASURE("ioctl_fionread", ioctl(p[0], FIONREAD, &n));
	MEASURE("pread_file", if (pread(file, buf, sizeof(buf), 0) < 0) return 1);
	MEASURE("read_file", if (read(file, buf, sizeof(buf)) < 0 || lseek(file, 0, SEEK_SET) < 0) return 1);
	MEASURE("open_close", close(open(argv[0], O_RDONLY | O_CLOEXEC)));
	MEASURE("stat", stat(argv[0], &st));
	MEASURE("mmap_munmap", munmap(mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0), 4096));
	if (vfio >= 0)
		close(vfio);
	return 0;
}
