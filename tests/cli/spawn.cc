/* SPDX-License-Identifier: MIT */
#include "spawn.h"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

namespace softvfio::test {

namespace {

std::vector<char *> c_argv(const std::vector<std::string> &v)
{
	std::vector<char *> out;
	for (const auto &s : v)
		out.push_back(const_cast<char *>(s.c_str()));
	out.push_back(nullptr);
	return out;
}

/* This environment with `extra` (NAME=VALUE) replacing or adding. */
std::vector<std::string> environment(const std::vector<std::string> &extra)
{
	std::vector<std::string> env;
	for (char **e = environ; *e; e++) {
		std::string var(*e);
		bool replaced = false;
		for (const auto &x : extra)
			if (var.substr(0, var.find('=') + 1) == x.substr(0, x.find('=') + 1))
				replaced = true;
		if (!replaced)
			env.push_back(var);
	}
	env.insert(env.end(), extra.begin(), extra.end());
	return env;
}

pid_t start(const std::vector<std::string> &argv, const std::vector<std::string> &env, int in, int out, int err,
	    std::vector<int> close_in_child)
{
	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	if (in >= 0)
		posix_spawn_file_actions_adddup2(&fa, in, 0);
	if (out >= 0)
		posix_spawn_file_actions_adddup2(&fa, out, 1);
	if (err >= 0)
		posix_spawn_file_actions_adddup2(&fa, err, 2);
	for (int fd : close_in_child)
		posix_spawn_file_actions_addclose(&fa, fd);
	auto envs = environment(env);
	auto a = c_argv(argv), e = c_argv(envs);
	pid_t pid = -1;
	if (posix_spawn(&pid, a[0], &fa, nullptr, a.data(), e.data()) != 0)
		pid = -1;
	posix_spawn_file_actions_destroy(&fa);
	return pid;
}

} /* namespace */

Child spawn(const std::vector<std::string> &argv, const std::vector<std::string> &env)
{
	int in[2], out[2];
	if (pipe2(in, O_CLOEXEC) < 0 || pipe2(out, O_CLOEXEC) < 0)
		return {};
	Child c;
	c.pid = start(argv, env, in[0], out[1], -1, {});
	close(in[0]);
	close(out[1]);
	c.in = in[1];
	c.out = out[0];
	return c;
}

Outcome run(const std::vector<std::string> &argv, const std::vector<std::string> &env, bool tty_out)
{
	Outcome o;
	int out[2], err[2];
	int devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (pipe2(err, O_CLOEXEC) < 0)
		return o;
	int slave = -1;
	if (tty_out) {
		out[0] = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
		if (out[0] < 0 || grantpt(out[0]) < 0 || unlockpt(out[0]) < 0)
			return o;
		slave = open(ptsname(out[0]), O_RDWR | O_NOCTTY | O_CLOEXEC);
		out[1] = slave;
	} else if (pipe2(out, O_CLOEXEC) < 0) {
		return o;
	}
	pid_t pid = start(argv, env, devnull, out[1], err[1], {});
	close(devnull);
	close(out[1]);
	close(err[1]);
	struct pollfd fds[2] = {{out[0], POLLIN, 0}, {err[0], POLLIN, 0}};
	std::string *sinks[2] = {&o.out, &o.err};
	int open_count = 2;
	while (open_count > 0 && poll(fds, 2, -1) > 0) {
		for (int i = 0; i < 2; i++) {
			if (fds[i].fd < 0 || !fds[i].revents)
				continue;
			char buf[4096];
			ssize_t n = read(fds[i].fd, buf, sizeof(buf));
			if (n <= 0) {   /* EOF, or EIO from a terminal whose slave is gone */
				close(fds[i].fd);
				fds[i].fd = -1;
				open_count--;
			} else {
				sinks[i]->append(buf, static_cast<size_t>(n));
			}
		}
	}
	o.status = pid > 0 ? wait_exit(pid) : -1;
	return o;
}

std::string read_line(int fd)
{
	std::string line;
	char c;
	while (read(fd, &c, 1) == 1 && c != '\n')
		line += c;
	return line;
}

int wait_exit(pid_t pid)
{
	int status = 0;
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

} /* namespace softvfio::test */
