/* SPDX-License-Identifier: MIT */
/*
 * Starting softvfio and test programs from a test: argv and extra
 * environment in, exit status and output out, with pipes the test can
 * talk through. No timeouts here: ctest's --timeout stops a hung test.
 */
#pragma once

#include <string>
#include <vector>
#include <sys/types.h>

namespace softvfio::test {

struct Child {
	pid_t pid = -1;
	int in = -1;    /* the child's stdin (write end); -1 when not piped */
	int out = -1;   /* the child's stdout (read end) */
};

struct Outcome {
	int status = -1;   /* exit code, or 128 + signal */
	std::string out;
	std::string err;
};

/* Start `argv` with `env` added to this process's environment; stdin and
 * stdout piped, stderr inherited. */
Child spawn(const std::vector<std::string> &argv, const std::vector<std::string> &env = {});
/* Run to completion, capturing stdout and stderr (stdin: /dev/null, or the
 * slave side of a terminal when `tty_out` is true, whose output lands in
 * `out`). */
Outcome run(const std::vector<std::string> &argv, const std::vector<std::string> &env = {}, bool tty_out = false);
/* One line from `fd` (without its newline); "" at EOF. */
std::string read_line(int fd);
/* Exit code of `pid`, or 128 + signal. */
int wait_exit(pid_t pid);

} /* namespace softvfio::test */
