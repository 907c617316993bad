/* SPDX-License-Identifier: MIT */
/*
 * stat, statx, statfs and access: device nodes look like the kernel's
 * character devices (Kernel::node_info), sysfs view paths like the files
 * they stand for, everything else is the C library's. Includes the
 * pre-2.33 __xstat family, which older binaries still call.
 */
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "shim/dev_nodes.h"
#include "shim/real.h"
#include "shim/resolve.h"
#include "shim/stat_path.h"
#include "shim/state.h"
#include "shim/trace_path.h"

using namespace softvfio;
using namespace softvfio::shim;

#define SHIM_EXPORT extern "C" __attribute__((visibility("default")))

namespace {

/* What fstat of an emulated fd shows: the node's character device, the
 * anonymous inode every anon_inode file shares, or a dma-buf's own inode
 * (mode 0600, no file type, the buffer's size), never the stand-in's
 * socket. 0 when `st` is filled. */
int emulated_stat(KernelCalls *k, int fd, struct stat &st)
{
	auto link = model_call([&] { return k->link_name(fd); }, std::optional<std::string>());
	if (!link)
		return -1;
	if (link->rfind("/dev/", 0) == 0)
		return node_stat(*link, st);
	if (REAL(fstat)(fd, &st) < 0)
		return -1;
	st.st_mode = S_IRUSR | S_IWUSR;
	st.st_nlink = 1;
	st.st_size = 0;
	st.st_blocks = 0;
	st.st_blksize = 4096;
	unsigned maj, min;
	uint64_t ino;
	anon_inode_identity(maj, min, ino);
	st.st_dev = makedev(maj, min);
	st.st_ino = ino;
	if (link->rfind("/dmabuf:", 0) == 0) {
		if (auto buf = model_call([&] { return k->buffer_of(fd); }, std::optional<session::wire::BufferData>())) {
			st.st_dev = makedev(0, kDmabufFsMinor);
			st.st_ino = kDmabufInoBase + buf->id;
			st.st_size = static_cast<off_t>(buf->size);
		}
	}
	return 0;
}

/* The device node (or served directory) an fd was opened on, if any. */
std::optional<std::string> node_of(int fd)
{
	KernelCalls *k = kernel_if_created();
	if (!k)
		return std::nullopt;
	std::optional<std::string> where;
	FdKind kind = fd_cache().get(fd).kind;
	if (kind == FdKind::Dir)
		where = note_get(fd);
	else if (classify(fd) == FdKind::Ours && same_process())
		where = model_call([&] { return k->link_name(fd); }, std::optional<std::string>());
	if (!where || where->rfind("/dev/", 0) != 0)
		return std::nullopt;
	return where;
}

/* fstat of an fd the shim answers for: true when `st` is filled. */
bool emulated_fstat(int fd, struct stat &st)
{
	if (in_model())
		return false;
	FdKind kind = fd_cache().get(fd).kind;
	if (kind == FdKind::Dir) {
		auto note = note_get(fd);
		return note && note->rfind("/dev/", 0) == 0 && node_stat(*note, st) == 0;
	}
	KernelCalls *k = kernel_if_created();
	return k && classify(fd) == FdKind::Ours && same_process() && emulated_stat(k, fd, st) == 0;
}

int fstat_impl(int fd, struct stat *buf)
{
	if (emulated_fstat(fd, *buf))
		return 0;
	return REAL(fstat)(fd, buf);
}

} /* namespace */

namespace {

/* `shown`: set when the trace shows the call (trace_path.h). */
int stat_routed(int dirfd, const char *path, struct stat *buf, int flags, bool *shown)
{
	if ((flags & AT_EMPTY_PATH) && path && !path[0])
		return fstat_impl(dirfd, buf);
	Resolved r = resolve_path(dirfd, path, !(flags & AT_SYMLINK_NOFOLLOW));
	if (shown)
		*shown = trace_shows(r);
	switch (r.route) {
	case Route::Node:
		if (int n = node_stat(r.logical, *buf); n <= 0)
			return syscall_result<int>(n);
		break;
	case Route::Error:
		return syscall_result<int>(-r.error);
	case Route::SysView:
		return REAL(fstatat)(AT_FDCWD, r.path.c_str(), buf, flags);
	case Route::SysMerged:
		return REAL(fstatat)(AT_FDCWD, r.logical.c_str(), buf, flags);
	default:
		break;
	}
	if (!r.path.empty())
		return REAL(fstatat)(AT_FDCWD, r.path.c_str(), buf, flags);
	return REAL(fstatat)(dirfd, path, buf, flags);
}

} /* namespace */

int softvfio::shim::stat_path(int dirfd, const char *path, struct stat *buf, int flags)
{
	if (in_model())
		return REAL(fstatat)(dirfd, path, buf, flags);
	if (!tracing())
		return stat_routed(dirfd, path, buf, flags, nullptr);
	TraceStart t0 = trace_start();
	bool shown = false;
	int r = stat_routed(dirfd, path, buf, flags, &shown);
	if (shown)
		trace_stat(dirfd, path, flags, buf, trace_result(r), t0);
	return r;
}

namespace {

int stat_at(int dirfd, const char *path, struct stat *buf, int flags) { return stat_path(dirfd, path, buf, flags); }

int statx_routed(int dirfd, const char *path, int flags, unsigned mask, struct statx *buf, bool *shown)
{
	struct stat st;
	if ((flags & AT_EMPTY_PATH) && path && !path[0]) {
		if (emulated_fstat(dirfd, st)) {
			stat_to_statx(st, mask, *buf);
			return 0;
		}
		return REAL(statx)(dirfd, path, flags, mask, buf);
	}
	Resolved r = resolve_path(dirfd, path, !(flags & AT_SYMLINK_NOFOLLOW));
	if (shown)
		*shown = trace_shows(r);
	switch (r.route) {
	case Route::Node:
		if (int n = node_stat(r.logical, st); n <= 0) {
			if (n == 0)
				stat_to_statx(st, mask, *buf);
			return syscall_result<int>(n);
		}
		break;
	case Route::Error:
		return syscall_result<int>(-r.error);
	case Route::SysView:
		return REAL(statx)(AT_FDCWD, r.path.c_str(), flags, mask, buf);
	case Route::SysMerged:
		return REAL(statx)(AT_FDCWD, r.logical.c_str(), flags, mask, buf);
	default:
		break;
	}
	if (!r.path.empty())
		return REAL(statx)(AT_FDCWD, r.path.c_str(), flags, mask, buf);
	return REAL(statx)(dirfd, path, flags, mask, buf);
}

int statx_impl(int dirfd, const char *path, int flags, unsigned mask, struct statx *buf)
{
	if (in_model())
		return REAL(statx)(dirfd, path, flags, mask, buf);
	if (!tracing())
		return statx_routed(dirfd, path, flags, mask, buf, nullptr);
	TraceStart t0 = trace_start();
	bool shown = false;
	int r = statx_routed(dirfd, path, flags, mask, buf, &shown);
	if (shown)
		trace_statx(dirfd, path, flags, mask, buf, trace_result(r), t0);
	return r;
}

int statfs_impl(const char *path, struct statfs *buf)
{
	if (in_model())
		return REAL(statfs)(path, buf);
	Resolved r = resolve_path(AT_FDCWD, path, true);
	switch (r.route) {
	case Route::Node:
		if (auto info = served_node(r.logical))
			return info->exists ? REAL(statfs)("/dev", buf) : syscall_result<int>(-ENOENT);
		break;
	case Route::Error:
		return syscall_result<int>(-r.error);
	case Route::SysView:
	case Route::SysMerged:
		return REAL(statfs)("/sys", buf);
	default:
		break;
	}
	return REAL(statfs)(r.path.empty() ? path : r.path.c_str(), buf);
}

int fstatfs_impl(int fd, struct statfs *buf)
{
	if (!in_model() && kernel_if_created()) {
		if (node_of(fd))
			return REAL(statfs)("/dev", buf);
		FdKind kind = fd_cache().get(fd).kind;
		if (kind == FdKind::SysFile)
			return REAL(statfs)("/sys", buf);
		/* A directory of the view is sysfs too. */
		if (kind == FdKind::Dir)
			if (auto note = note_get(fd); note && note->rfind("/sys", 0) == 0)
				return REAL(statfs)("/sys", buf);
	}
	return REAL(fstatfs)(fd, buf);
}

int access_routed(int dirfd, const char *path, int mode, int flags, bool *shown)
{
	Resolved r = resolve_path(dirfd, path, !(flags & AT_SYMLINK_NOFOLLOW));
	if (shown)
		*shown = trace_shows(r);
	switch (r.route) {
	case Route::Node:
		if (auto info = served_node(r.logical))
			return syscall_result<int>(node_access(*info, mode, flags & AT_EACCESS));
		break;
	case Route::Error:
		return syscall_result<int>(-r.error);
	case Route::SysView:
		return REAL(faccessat)(AT_FDCWD, r.path.c_str(), mode, flags);
	case Route::SysMerged:
		return REAL(faccessat)(AT_FDCWD, r.logical.c_str(), mode, flags);
	default:
		break;
	}
	if (!r.path.empty())
		return REAL(faccessat)(AT_FDCWD, r.path.c_str(), mode, flags);
	return REAL(faccessat)(dirfd, path, mode, flags);
}

int access_at(int dirfd, const char *path, int mode, int flags)
{
	if (in_model())
		return REAL(faccessat)(dirfd, path, mode, flags);
	if (!tracing())
		return access_routed(dirfd, path, mode, flags, nullptr);
	TraceStart t0 = trace_start();
	bool shown = false;
	int r = access_routed(dirfd, path, mode, flags, &shown);
	if (shown)
		trace_access(dirfd, path, mode, flags, trace_result(r), t0);
	return r;
}

} /* namespace */

SHIM_EXPORT int stat(const char *path, struct stat *buf) { return stat_at(AT_FDCWD, path, buf, 0); }

SHIM_EXPORT int stat64(const char *path, struct stat64 *buf)
{
	return stat_at(AT_FDCWD, path, reinterpret_cast<struct stat *>(buf), 0);
}

SHIM_EXPORT int lstat(const char *path, struct stat *buf) { return stat_at(AT_FDCWD, path, buf, AT_SYMLINK_NOFOLLOW); }

SHIM_EXPORT int lstat64(const char *path, struct stat64 *buf)
{
	return stat_at(AT_FDCWD, path, reinterpret_cast<struct stat *>(buf), AT_SYMLINK_NOFOLLOW);
}

SHIM_EXPORT int fstat(int fd, struct stat *buf) { return fstat_impl(fd, buf); }

SHIM_EXPORT int fstat64(int fd, struct stat64 *buf) { return fstat_impl(fd, reinterpret_cast<struct stat *>(buf)); }

SHIM_EXPORT int fstatat(int dirfd, const char *path, struct stat *buf, int flags)
{
	return stat_at(dirfd, path, buf, flags);
}

SHIM_EXPORT int fstatat64(int dirfd, const char *path, struct stat64 *buf, int flags)
{
	return stat_at(dirfd, path, reinterpret_cast<struct stat *>(buf), flags);
}

SHIM_EXPORT int statx(int dirfd, const char *path, int flags, unsigned mask, struct statx *buf)
{
	return statx_impl(dirfd, path, flags, mask, buf);
}

/* glibc < 2.33 binaries: on x86-64 every version of struct stat is the
 * kernel's, so `ver` needs no translation. */
SHIM_EXPORT int __xstat(int, const char *path, struct stat *buf) { return stat_at(AT_FDCWD, path, buf, 0); }

SHIM_EXPORT int __xstat64(int, const char *path, struct stat64 *buf)
{
	return stat_at(AT_FDCWD, path, reinterpret_cast<struct stat *>(buf), 0);
}

SHIM_EXPORT int __lxstat(int, const char *path, struct stat *buf)
{
	return stat_at(AT_FDCWD, path, buf, AT_SYMLINK_NOFOLLOW);
}

SHIM_EXPORT int __lxstat64(int, const char *path, struct stat64 *buf)
{
	return stat_at(AT_FDCWD, path, reinterpret_cast<struct stat *>(buf), AT_SYMLINK_NOFOLLOW);
}

SHIM_EXPORT int __fxstat(int, int fd, struct stat *buf) { return fstat_impl(fd, buf); }

SHIM_EXPORT int __fxstat64(int, int fd, struct stat64 *buf)
{
	return fstat_impl(fd, reinterpret_cast<struct stat *>(buf));
}

SHIM_EXPORT int __fxstatat(int, int dirfd, const char *path, struct stat *buf, int flags)
{
	return stat_at(dirfd, path, buf, flags);
}

SHIM_EXPORT int __fxstatat64(int, int dirfd, const char *path, struct stat64 *buf, int flags)
{
	return stat_at(dirfd, path, reinterpret_cast<struct stat *>(buf), flags);
}

SHIM_EXPORT int statfs(const char *path, struct statfs *buf) { return statfs_impl(path, buf); }

SHIM_EXPORT int statfs64(const char *path, struct statfs64 *buf)
{
	return statfs_impl(path, reinterpret_cast<struct statfs *>(buf));
}

SHIM_EXPORT int fstatfs(int fd, struct statfs *buf) { return fstatfs_impl(fd, buf); }

SHIM_EXPORT int fstatfs64(int fd, struct statfs64 *buf)
{
	return fstatfs_impl(fd, reinterpret_cast<struct statfs *>(buf));
}

SHIM_EXPORT int access(const char *path, int mode) { return access_at(AT_FDCWD, path, mode, 0); }

SHIM_EXPORT int faccessat(int dirfd, const char *path, int mode, int flags)
{
	return access_at(dirfd, path, mode, flags);
}

SHIM_EXPORT int euidaccess(const char *path, int mode) { return access_at(AT_FDCWD, path, mode, AT_EACCESS); }

SHIM_EXPORT int eaccess(const char *path, int mode) { return access_at(AT_FDCWD, path, mode, AT_EACCESS); }
