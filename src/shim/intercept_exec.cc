/* SPDX-License-Identifier: MIT */
/*
 * fork() and the exec family.
 *
 * exec replaces the process's image: its emulated mappings go with the old
 * one, its fds without close-on-exec stay (found again by identity), and
 * the new image, which loads the shim again (LD_PRELOAD is inherited),
 * joins the session afresh. The session kernel is told before the exec, so
 * that it sends no work to an image that cannot take it, and after a
 * failed one, so that the mappings the process still has catch up.
 *
 * fork's own work is in the pthread_atfork handlers (state.cc), which also
 * run for the C library's internal forks (daemon()); this wrapper only
 * tells the kernel when the fork failed.
 *
 * A vfork child (or posix_spawn's) shares its parent's memory and link:
 * it makes no session call, it only execs.
 */
#include <cerrno>
#include <cstdarg>
#include <unistd.h>
#include <vector>

#include "shim/real.h"
#include "shim/state.h"

using namespace softvfio;
using namespace softvfio::shim;

#define SHIM_EXPORT extern "C" __attribute__((visibility("default")))

namespace {

/* Brackets an exec: the kernel is told before, and after if it failed. */
class ExecScope
{
public:
	ExecScope() : k_(in_model() ? nullptr : kernel_if_created())
	{
		/* same_process() trusts a mark a vfork child shares: ask. */
		if (k_ && !own_pid())
			k_ = nullptr;
		if (k_)
			model_call([&] { k_->connection().exec_prepare(); return 0; }, 0);
	}
	~ExecScope()
	{
		int e = errno;
		if (k_)
			model_call([&] { k_->connection().exec_failed(); return 0; }, 0);
		errno = e;
	}
	ExecScope(const ExecScope &) = delete;
	ExecScope &operator=(const ExecScope &) = delete;

private:
	static bool own_pid() { return same_process_strict(); }
	KernelCalls *k_;
};

/* The arguments of an execl-style call, up to its terminating null. */
std::vector<char *> collect(const char *first, va_list ap)
{
	std::vector<char *> argv;
	argv.push_back(const_cast<char *>(first));
	while (char *a = va_arg(ap, char *))
		argv.push_back(a);
	argv.push_back(nullptr);
	return argv;
}

} /* namespace */

SHIM_EXPORT pid_t fork(void)
{
	pid_t pid = REAL(fork)();
	if (pid < 0 && !in_model()) {
		int e = errno;
		if (KernelCalls *k = kernel_if_created())
			model_call([&] { k->connection().fork_failed(); return 0; }, 0);
		errno = e;
	}
	return pid;
}

SHIM_EXPORT int execve(const char *path, char *const argv[], char *const envp[])
{
	ExecScope scope;
	return REAL(execve)(path, argv, envp);
}

SHIM_EXPORT int execveat(int dirfd, const char *path, char *const argv[], char *const envp[], int flags)
{
	ExecScope scope;
	return REAL(execveat)(dirfd, path, argv, envp, flags);
}

SHIM_EXPORT int fexecve(int fd, char *const argv[], char *const envp[])
{
	ExecScope scope;
	return REAL(fexecve)(fd, argv, envp);
}

SHIM_EXPORT int execv(const char *path, char *const argv[])
{
	ExecScope scope;
	return REAL(execv)(path, argv);
}

SHIM_EXPORT int execvp(const char *file, char *const argv[])
{
	ExecScope scope;
	return REAL(execvp)(file, argv);
}

SHIM_EXPORT int execvpe(const char *file, char *const argv[], char *const envp[])
{
	ExecScope scope;
	return REAL(execvpe)(file, argv, envp);
}

SHIM_EXPORT int execl(const char *path, const char *arg, ...)
{
	va_list ap;
	va_start(ap, arg);
	std::vector<char *> argv = collect(arg, ap);
	va_end(ap);
	ExecScope scope;
	return REAL(execv)(path, argv.data());
}

SHIM_EXPORT int execlp(const char *file, const char *arg, ...)
{
	va_list ap;
	va_start(ap, arg);
	std::vector<char *> argv = collect(arg, ap);
	va_end(ap);
	ExecScope scope;
	return REAL(execvp)(file, argv.data());
}

SHIM_EXPORT int execle(const char *path, const char *arg, ...)
{
	va_list ap;
	va_start(ap, arg);
	std::vector<char *> argv = collect(arg, ap);
	char *const *envp = va_arg(ap, char *const *);
	va_end(ap);
	ExecScope scope;
	return REAL(execve)(path, argv.data(), envp);
}
