/* SPDX-License-Identifier: MIT */
#include "shim/open_path.h"

#include <algorithm>
#include <cstring>
#include <unistd.h>

#include "shim/dev_nodes.h"
#include "shim/proc_self.h"
#include "shim/real.h"
#include "shim/resolve.h"
#include "shim/state.h"
#include "shim/trace.h"
#include "shim/trace_path.h"

namespace softvfio::shim {

namespace {

/* A directory fd the shim keeps the logical path of, so that *at() calls
 * relative to it, fchdir and fdopendir resolve as from that path (and ".."
 * from a directory of the view never reaches what is around the view). */
int keep_dir(int fd, const std::string &logical)
{
	if (fd >= 0) {
		fd_claim(fd, FdKind::Dir);
		note_set(fd, logical);
	}
	return fd;
}

/* A real open of `r`'s or the caller's path; the result is an ordinary
 * fd, or a kept directory when a walk below /sys led to the machine's. */
int open_real(const Resolved &r, int dirfd, const char *path, int flags, mode_t mode)
{
	int fd = r.path.empty() ? REAL(openat)(dirfd, path, flags, mode)
				: REAL(openat)(AT_FDCWD, r.path.c_str(), flags, mode);
	if (fd >= 0 && kernel_if_created()) {
		if (r.route == Route::Real && r.dir && !r.logical.empty())
			return keep_dir(fd, r.logical);
		fd_claim(fd, FdKind::Foreign);
	}
	return fd;
}

/* sysfs checks an attribute's mode bits at open, for root too: asking to
 * write a file no one may write (or to read one no one may read) is
 * EACCES there and then, not at the write (fs/kernfs/file.c,
 * kernfs_fop_open, under KERNFS_ROOT_EXTRA_OPEN_PERM_CHECK, which sysfs
 * sets). The view's files carry the attributes' modes. 0 or -errno. */
int sysfs_open_check(const std::string &view_path, int flags)
{
	struct stat st;
	if (REAL(stat)(view_path.c_str(), &st) < 0 || S_ISDIR(st.st_mode))
		return 0; /* the open itself answers */
	int acc = flags & O_ACCMODE;
	if ((acc == O_WRONLY || acc == O_RDWR) && !(st.st_mode & 0222))
		return -EACCES;
	if ((acc == O_RDONLY || acc == O_RDWR) && !(st.st_mode & 0444))
		return -EACCES;
	return 0;
}

/* A stdio stream writing to a control file of the sysfs view: every
 * write(2) the stream makes is one store into the attribute, as with a
 * real sysfs file; reads and seeks see the view's file. */
struct SysfsCookie {
	int fd;
	std::string logical;
};

ssize_t cookie_read(void *c, char *buf, size_t size)
{
	return REAL(read)(static_cast<SysfsCookie *>(c)->fd, buf, size);
}

ssize_t cookie_write(void *c, const char *buf, size_t size)
{
	auto *cookie = static_cast<SysfsCookie *>(c);
	KernelCalls *k = kernel_if_created();
	if (!k) {
		errno = EIO;
		return -1;
	}
	sysfs_changed();
	long r = model_call([&] { return k->sysfs_write(cookie->logical, buf, size); }, -ENOMEM);
	return syscall_result<ssize_t>(r);
}

int cookie_seek(void *c, off64_t *offset, int whence)
{
	off_t r = REAL(lseek)(static_cast<SysfsCookie *>(c)->fd, static_cast<off_t>(*offset), whence);
	if (r < 0)
		return -1;
	*offset = r;
	return 0;
}

int cookie_close(void *c)
{
	auto *cookie = static_cast<SysfsCookie *>(c);
	int r = REAL(close)(cookie->fd);
	delete cookie;
	return r;
}

int mode_flags(const char *mode)
{
	int flags = 0;
	switch (mode[0]) {
	case 'r': flags = O_RDONLY; break;
	case 'w': flags = O_WRONLY | O_CREAT | O_TRUNC; break;
	case 'a': flags = O_WRONLY | O_CREAT | O_APPEND; break;
	default: return -1;
	}
	for (const char *p = mode + 1; *p && *p != ','; p++) {
		if (*p == '+')
			flags = (flags & ~O_ACCMODE) | O_RDWR;
		else if (*p == 'e')
			flags |= O_CLOEXEC;
		else if (*p == 'x')
			flags |= O_EXCL;
	}
	return flags;
}

/* open(2) of a directory the model serves (/dev/vfio): an fd on /dev,
 * known to the shim by the directory's path, so fdopendir() and *at()
 * calls relative to it see the served directory. */
int open_served_dir(const Resolved &r, int dirfd, const char *path, int flags, mode_t mode)
{
	auto info = served_node(r.logical);
	if (!info)
		return open_real(r, dirfd, path, flags, mode);
	if (!info->exists)
		return syscall_result<int>(-ENOENT);
	if (!info->directory)
		return open_real(r, dirfd, path, flags, mode);
	if ((flags & O_ACCMODE) != O_RDONLY || (flags & O_CREAT))
		return syscall_result<int>(-EISDIR);
	int fd = REAL(openat)(AT_FDCWD, "/dev", (flags & (O_CLOEXEC | O_PATH)) | O_RDONLY | O_DIRECTORY);
	return keep_dir(fd, r.logical);
}

} /* namespace */

namespace {

/* `shown`: set when the path is one the trace shows (trace_path.h). */
int open_routed(int dirfd, const char *path, int flags, mode_t mode, bool *shown)
{
	/* O_CREAT | O_EXCL does not follow a last link: it fails on it. */
	bool exclusive = (flags & (O_CREAT | O_EXCL)) == (O_CREAT | O_EXCL);
	Resolved r = resolve_path(dirfd, path, !(flags & O_NOFOLLOW) && !exclusive);
	if (shown)
		*shown = trace_shows(r);
	switch (r.route) {
	case Route::Real:
	case Route::ProcFd:
	case Route::ProcCwd:
		return open_real(r, dirfd, path, flags, mode);
	case Route::Error:
		return syscall_result<int>(-r.error);
	case Route::Node: {
		KernelCalls *k = kernel();
		if (!k || !same_process())
			return open_real(r, dirfd, path, flags, mode);
		long fd = model_call([&] { return k->open(r.logical.c_str(), flags); }, -ENOMEM);
		if (fd == Kernel::kNotOurs)
			return open_served_dir(r, dirfd, path, flags, mode);
		if (fd < 0)
			return syscall_result<int>(fd);
		/* A real fd already, at the lowest free number, known to the
		 * fd cache as ours. */
		return static_cast<int>(fd);
	}
	case Route::SysView: {
		/* It exists: nothing is created. */
		if (exclusive)
			return syscall_result<int>(-EEXIST);
		sysfs_root(true);
		if (!(flags & O_PATH))
			if (int e = sysfs_open_check(r.path, flags))
				return syscall_result<int>(e);
		/* sysfs attributes are never created or truncated; the view's
		 * files must not be either ("echo x > attr" asks for both). */
		int fd = REAL(openat)(AT_FDCWD, r.path.c_str(), flags & ~(O_CREAT | O_TRUNC | O_EXCL), mode);
		if (fd < 0)
			return fd;
		if (r.dir)
			return keep_dir(fd, r.logical);
		bool writable = (flags & O_ACCMODE) != O_RDONLY;
		fd_claim(fd, writable ? FdKind::SysFile : FdKind::Foreign);
		if (writable)
			note_set(fd, r.logical);
		return fd;
	}
	case Route::SysMerged:
		return keep_dir(REAL(openat)(AT_FDCWD, r.logical.c_str(), flags, mode), r.logical);
	case Route::ProcMaps:
		if ((flags & O_ACCMODE) != O_RDONLY || !kernel_if_created())
			return open_real(r, dirfd, path, flags, mode);
		return syscall_result<int>(open_proc_maps(flags));
	case Route::ProcFdinfo:
		if ((flags & O_ACCMODE) == O_RDONLY) {
			int fd = open_proc_fdinfo(r.fd, flags);
			if (fd >= 0)
				return fd;
		}
		return open_real(r, dirfd, path, flags, mode);
	}
	return open_real(r, dirfd, path, flags, mode);
}

} /* namespace */

int open_path(int dirfd, const char *path, int flags, mode_t mode)
{
	if (!tracing())
		return open_routed(dirfd, path, flags, mode, nullptr);
	TraceStart t0 = trace_start();
	bool shown = false;
	int fd = open_routed(dirfd, path, flags, mode, &shown);
	if (shown)
		trace_open(dirfd, path, flags, trace_result(fd), t0);
	return fd;
}

namespace {

/* `shown`: set when the trace shows this open here (the routes that do
 * not go through open_path, which shows its own). */
FILE *fopen_routed(const char *path, const char *mode, int flags, bool *shown)
{
	Resolved r = resolve_path(AT_FDCWD, path, true);
	if (shown)
		*shown = trace_shows(r) && r.route != Route::Node;
	if (r.route == Route::Error) {
		errno = r.error;
		return nullptr;
	}
	if (r.route == Route::Real || r.route == Route::ProcFd || r.route == Route::ProcCwd ||
	    r.route == Route::SysMerged) {
		const char *where = r.route == Route::SysMerged ? r.logical.c_str() : r.path.empty() ? path : r.path.c_str();
		FILE *f = REAL(fopen)(where, mode);
		if (f && kernel_if_created())
			fd_claim(fileno(f), FdKind::Foreign);
		return f;
	}
	if (r.route == Route::SysView) {
		sysfs_root(true);
		if (int e = sysfs_open_check(r.path, flags)) {
			errno = -e;
			return nullptr;
		}
	}
	if (r.route == Route::SysView && (flags & O_ACCMODE) != O_RDONLY) {
		int fd = REAL(openat)(AT_FDCWD, r.path.c_str(), (flags & ~(O_CREAT | O_TRUNC | O_EXCL | O_ACCMODE)) | O_RDWR);
		if (fd < 0)
			return nullptr;
		auto *cookie = new (std::nothrow) SysfsCookie{fd, r.logical};
		FILE *f = cookie ? fopencookie(cookie, mode, {cookie_read, cookie_write, cookie_seek, cookie_close}) : nullptr;
		if (!f) {
			delete cookie;
			REAL(close)(fd);
		}
		return f;
	}
	if (r.route == Route::SysView)
		return REAL(fopen)(r.path.c_str(), mode);
	int fd = open_path(AT_FDCWD, path, flags, 0666);
	if (fd < 0)
		return nullptr;
	FILE *f = fdopen(fd, mode);
	if (!f) {
		int e = errno;
		close(fd);
		errno = e;
	}
	return f;
}

} /* namespace */

FILE *fopen_path(const char *path, const char *mode)
{
	int flags = mode ? mode_flags(mode) : -1;
	if (flags < 0)
		return REAL(fopen)(path, mode);
	if (!tracing())
		return fopen_routed(path, mode, flags, nullptr);
	TraceStart t0 = trace_start();
	bool shown = false;
	FILE *f = fopen_routed(path, mode, flags, &shown);
	if (shown)
		/* A written attribute's stream (fopencookie) has no fd of its
		 * own to show: 0 stands for it. */
		trace_open(AT_FDCWD, path, flags, f ? std::max(fileno(f), 0) : -errno, t0);
	return f;
}

FILE *freopen_path(const char *path, const char *mode, FILE *stream)
{
	Resolved r = resolve_path(AT_FDCWD, path, true);
	if (r.route == Route::SysView || r.route == Route::SysMerged)
		return REAL(freopen)(r.route == Route::SysView ? r.path.c_str() : r.logical.c_str(), mode, stream);
	if (r.route == Route::Error) {
		fclose(stream);
		errno = r.error;
		return nullptr;
	}
	/* Device nodes are not reopened onto stdio streams (docs/shim.md). */
	if (r.route != Route::ProcMaps && r.route != Route::ProcFdinfo)
		return REAL(freopen)(r.path.empty() ? path : r.path.c_str(), mode, stream);
	/* Rewritten /proc files: make ours, then let the C library reopen the
	 * stream on it (a new description of the same memfd). */
	int flags = mode ? mode_flags(mode) : -1;
	if (flags < 0)
		return REAL(freopen)(path, mode, stream);
	int fd = open_path(AT_FDCWD, path, flags, 0666);
	if (fd < 0) {
		int e = errno;
		fclose(stream);
		errno = e;
		return nullptr;
	}
	char self[64];
	std::snprintf(self, sizeof(self), "/proc/self/fd/%d", fd);
	FILE *f = REAL(freopen)(self, mode, stream);
	int e = errno;
	close(fd);
	errno = e;
	return f;
}

} /* namespace softvfio::shim */
