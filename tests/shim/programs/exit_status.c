/* SPDX-License-Identifier: MIT */
/*
 * Exit statuses through `softvfio run`: exit(N), death by a signal, and the
 * pid (softvfio execs the program, so it keeps softvfio's pid).
 *
 * usage: exit_status exit <n> | abort | pid
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	if (argc == 3 && strcmp(argv[1], "exit") == 0)
		return atoi(argv[2]);
	if (argc == 2 && strcmp(argv[1], "abort") == 0) {
		/* No core file for the test machine's disk. */
		signal(SIGABRT, SIG_DFL);
		abort();
	}
	if (argc == 2 && strcmp(argv[1], "pid") == 0) {
		printf("%ld\n", (long)getpid());
		return 0;
	}
	fprintf(stderr, "usage: %s exit <n> | abort | pid\n", argv[0]);
	return 2;
}
