/* SPDX-License-Identifier: MIT */
/*
 * The trace's path calls: stat, statx, access, readlink, opendir and
 * scandir of the paths the shim answers (trace_path.h), named as strace
 * names the system calls a C library makes for them.
 */
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>

#include "shim/trace_internal.h"

namespace softvfio::shim {

namespace {

std::string dir_text(int dirfd) { return dirfd == AT_FDCWD ? std::string() : trace_fd_text(dirfd); }

} /* namespace */

void trace_stat(int dirfd, const char *path, int flags, const struct stat *st, long result, TraceStart start) noexcept
{
	TraceStart end = trace_clock();
	std::string dir = dir_text(dirfd);
	trace_emit_with("newfstatat", start, end, [&] {
		/* What the kernel wrote, or where it would have. */
		TraceArg buf = result == 0 && st ? stat_arg("statbuf", *st)
						 : address_arg("statbuf", reinterpret_cast<uintptr_t>(st));
		return TraceEvent{"newfstatat", {dirfd_arg("dirfd", dirfd, dir), path_arg("path", path), buf, at_flags_arg("flags", flags)},
				  result};
	});
}

void trace_statx(int dirfd, const char *path, int flags, unsigned mask, const struct statx *st, long result,
		 TraceStart start) noexcept
{
	TraceStart end = trace_clock();
	std::string dir = dir_text(dirfd);
	trace_emit_with("statx", start, end, [&] {
		TraceArg buf = result == 0 && st ? statx_arg("statxbuf", *st)
						 : address_arg("statxbuf", reinterpret_cast<uintptr_t>(st));
		return TraceEvent{"statx",
				  {dirfd_arg("dirfd", dirfd, dir), path_arg("path", path), at_flags_arg("flags", flags),
				   statx_mask_arg("mask", mask), buf},
				  result};
	});
}

void trace_access(int dirfd, const char *path, int mode, int flags, long result, TraceStart start) noexcept
{
	/* access(2) is the C library's access() and nothing else: the rest
	 * is faccessat2 (glibc's faccessat, euidaccess). */
	bool plain = dirfd == AT_FDCWD && flags == 0;
	const char *call = plain ? "access" : "faccessat2";
	TraceStart end = trace_clock();
	std::string dir = dir_text(dirfd);
	trace_emit_with(call, start, end, [&] {
		if (plain)
			return TraceEvent{call, {path_arg("path", path), access_mode_arg("mode", mode)}, result};
		return TraceEvent{call,
				  {dirfd_arg("dirfd", dirfd, dir), path_arg("path", path), access_mode_arg("mode", mode),
				   at_flags_arg("flags", flags)},
				  result};
	});
}

void trace_readlink(int dirfd, const char *path, const char *buf, size_t size, long result, TraceStart start) noexcept
{
	const char *call = dirfd == AT_FDCWD ? "readlink" : "readlinkat";
	TraceStart end = trace_clock();
	std::string dir = dir_text(dirfd);
	trace_emit_with(call, start, end, [&] {
		/* The link's text as the program got it (not terminated). */
		TraceArg target = result >= 0 && buf ? text_arg("buf", std::string(buf, static_cast<size_t>(result)))
						     : address_arg("buf", reinterpret_cast<uintptr_t>(buf));
		TraceEvent e{call, {}, result};
		if (dirfd != AT_FDCWD)
			e.args.push_back(dirfd_arg("dirfd", dirfd, dir));
		e.args.push_back(path_arg("path", path));
		e.args.push_back(target);
		e.args.push_back(number_arg("bufsiz", static_cast<long long>(size)));
		return e;
	});
}

void trace_opendir(const char *path, long result, TraceStart start) noexcept
{
	TraceStart end = trace_clock();
	trace_emit_with("opendir", start, end, [&] { return TraceEvent{"opendir", {path_arg("name", path)}, result, true}; });
}

void trace_scandir(int dirfd, const char *path, long result, TraceStart start) noexcept
{
	TraceStart end = trace_clock();
	std::string dir = dir_text(dirfd);
	trace_emit_with("scandir", start, end, [&] {
		TraceEvent e{"scandir", {}, result};
		if (dirfd != AT_FDCWD)
			e.args.push_back(dirfd_arg("dirfd", dirfd, dir));
		e.args.push_back(path_arg("dirp", path));
		return e;
	});
}

} /* namespace softvfio::shim */
