/* SPDX-License-Identifier: MIT */
/*
 * readlink and realpath: the sysfs view's links (iommu_group, driver,
 * device directories) read as they would in /sys, /proc/self/fd/<n> of
 * emulated fds as the kernel names them, device nodes as the nodes they
 * are (not links).
 */
#include <climits>
#include <cstdlib>
#include <cstring>
#include <unistd.h>

#include "shim/dev_nodes.h"
#include "shim/proc_self.h"
#include "shim/real.h"
#include "shim/resolve.h"
#include "shim/state.h"
#include "shim/trace_path.h"

using namespace softvfio;
using namespace softvfio::shim;

#define SHIM_EXPORT extern "C" __attribute__((visibility("default")))

extern "C" void __chk_fail(void) __attribute__((noreturn));

namespace {

ssize_t give(const std::string &text, char *buf, size_t size)
{
	size_t n = std::min(text.size(), size);
	std::memcpy(buf, text.data(), n);
	return static_cast<ssize_t>(n);
}

/* `shown`: set when the trace shows the call (trace_path.h). */
ssize_t readlink_routed(int dirfd, const char *path, char *buf, size_t size, bool *shown)
{
	Resolved r = resolve_path(dirfd, path, false);
	if (shown)
		*shown = trace_shows(r);
	switch (r.route) {
	case Route::ProcFd:
		try {
			if (auto link = proc_fd_link(r.fd))
				return give(*link, buf, size);
		} catch (...) {
		}
		break;
	case Route::ProcCwd:
		return give(r.logical, buf, size);
	case Route::Node:
		if (auto info = served_node(r.logical))
			return syscall_result<ssize_t>(info->exists ? -EINVAL : -ENOENT);
		break;
	case Route::Error:
		return syscall_result<ssize_t>(-r.error);
	case Route::SysView: {
		char target[PATH_MAX];
		ssize_t n = REAL(readlinkat)(AT_FDCWD, r.path.c_str(), target, sizeof(target));
		if (n < 0)
			return n;
		return give(sysfs_view_to_sys(std::string(target, static_cast<size_t>(n))), buf, size);
	}
	case Route::SysMerged:
		return REAL(readlinkat)(AT_FDCWD, r.logical.c_str(), buf, size);
	default:
		break;
	}
	if (!r.path.empty())
		return REAL(readlinkat)(AT_FDCWD, r.path.c_str(), buf, size);
	return REAL(readlinkat)(dirfd, path, buf, size);
}

ssize_t readlink_at(int dirfd, const char *path, char *buf, size_t size)
{
	if (in_model())
		return REAL(readlinkat)(dirfd, path, buf, size);
	if (!tracing())
		return readlink_routed(dirfd, path, buf, size, nullptr);
	TraceStart t0 = trace_start();
	bool shown = false;
	ssize_t r = readlink_routed(dirfd, path, buf, size, &shown);
	if (shown)
		trace_readlink(dirfd, path, buf, size, trace_result(r), t0);
	return r;
}

/* The answer, in the caller's buffer or a new one (realpath(3)). */
char *answer(const std::string &out, char *resolved)
{
	if (out.size() >= PATH_MAX) {
		errno = ENAMETOOLONG;
		return nullptr;
	}
	if (!resolved)
		return strdup(out.c_str());
	std::memcpy(resolved, out.c_str(), out.size() + 1);
	return resolved;
}

char *realpath_impl(const char *path, char *resolved)
{
	if (in_model() || !path)
		return REAL(realpath)(path, resolved);
	Resolved r = resolve_path(AT_FDCWD, path, true);
	switch (r.route) {
	case Route::Error:
		errno = r.error;
		return nullptr;
	case Route::SysView:
	case Route::SysMerged:
		/* The walk's end, as the kernel's d_path would spell it. */
		return answer(r.logical, resolved);
	case Route::Real:
		if (!r.logical.empty())
			return answer(r.logical, resolved);
		break;
	case Route::Node:
		if (auto info = served_node(r.logical)) {
			if (!info->exists) {
				errno = ENOENT;
				return nullptr;
			}
			return answer(r.logical, resolved);
		}
		break;
	default:
		break;
	}
	/* The C library's answer; one inside the view (through a magic link
	 * of /proc, say) spelled as /sys. */
	char tmp[PATH_MAX];
	if (!REAL(realpath)(r.path.empty() ? path : r.path.c_str(), tmp))
		return nullptr;
	return answer(sysfs_view_to_sys(tmp), resolved);
}

} /* namespace */

SHIM_EXPORT ssize_t readlink(const char *path, char *buf, size_t size)
{
	return no_throw(ssize_t{-1}, [&] { return readlink_at(AT_FDCWD, path, buf, size); });
}

SHIM_EXPORT ssize_t readlinkat(int dirfd, const char *path, char *buf, size_t size)
{
	return no_throw(ssize_t{-1}, [&] { return readlink_at(dirfd, path, buf, size); });
}

SHIM_EXPORT ssize_t __readlink_chk(const char *path, char *buf, size_t size, size_t buflen)
{
	if (size > buflen)
		__chk_fail();
	return readlink(path, buf, size);
}

SHIM_EXPORT ssize_t __readlinkat_chk(int dirfd, const char *path, char *buf, size_t size, size_t buflen)
{
	if (size > buflen)
		__chk_fail();
	return readlinkat(dirfd, path, buf, size);
}

SHIM_EXPORT char *realpath(const char *path, char *resolved)
{
	try {
		return realpath_impl(path, resolved);
	} catch (...) {
		errno = ENOMEM;
		return nullptr;
	}
}

SHIM_EXPORT char *__realpath_chk(const char *path, char *resolved, size_t resolvedlen)
{
	if (resolvedlen < PATH_MAX)
		__chk_fail();
	return realpath(path, resolved);
}

SHIM_EXPORT char *canonicalize_file_name(const char *path) { return realpath(path, nullptr); }
