/* SPDX-License-Identifier: MIT */
/*
 * A program for `softvfio trace --attach` to attach to: it opens the
 * device, prints "READY" and then obeys its stdin, one command a line,
 * answering each with a line on stdout:
 *   info  one VFIO_DEVICE_GET_INFO            -> "DONE"
 *   fork  a child makes one GET_REGION_INFO (index 2) and exits; waited
 *         for                                 -> "DONE <child's pid>"
 *   exec  becomes itself in "again" mode (the same process, a new image),
 *         which opens the device again (its fds were close-on-exec), makes
 *         one GET_REGION_INFO (index 0) and then obeys its stdin as before
 *                                             -> "DONE"
 * It exits at the end of its stdin.
 *
 * usage: attach_child BDF [again]
 */
#include "svt.h"

#include <sys/wait.h>

static int region_info(int device, unsigned index)
{
	struct vfio_region_info r;
	return svt_region(device, index, &r);
}

int main(int argc, char **argv)
{
	if (argc < 2)
		return 2;
	struct svt_dev d;
	if (svt_open_group_path(argv[1], &d) < 0) {
		perror("open device");
		return 1;
	}
	const int device = d.device;
	if (argc > 2 && strcmp(argv[2], "again") == 0) {
		if (region_info(device, 0) < 0)
			return 1;
		printf("DONE\n");
	} else {
		printf("READY\n");
	}
	fflush(stdout);
	char line[64];
	while (fgets(line, sizeof(line), stdin)) {
		if (strncmp(line, "info", 4) == 0) {
			struct vfio_device_info info = {.argsz = sizeof(info)};
			if (ioctl(device, VFIO_DEVICE_GET_INFO, &info) < 0)
				return 1;
			printf("DONE\n");
		} else if (strncmp(line, "fork", 4) == 0) {
			pid_t pid = fork();
			if (pid == 0)
				_exit(region_info(device, 2) < 0);
			int status;
			if (pid < 0 || waitpid(pid, &status, 0) != pid || status != 0)
				return 1;
			printf("DONE %d\n", (int)pid);
		} else if (strncmp(line, "exec", 4) == 0) {
			fflush(stdout);
			execl("/proc/self/exe", argv[0], argv[1], "again", (char *)NULL);
			return 1;
		} else {
			return 2;
		}
		fflush(stdout);
	}
	return 0;
}
