/* SPDX-License-Identifier: MIT */
/*
 * Directories: /dev/vfio and the merged sysfs directories are listed by the
 * shim (dir_stream.h); the rest of the sysfs view is a real directory tree
 * the C library lists itself. scandir, glob and nftw open directories
 * inside the C library, so each has its own wrapper.
 */
#include <cstdlib>
#include <cstring>
#include <dirent.h>
#include <ftw.h>
#include <glob.h>
#include <unistd.h>

#include "shim/cwd.h"
#include "shim/dir_stream.h"
#include "shim/real.h"
#include "shim/resolve.h"
#include "shim/stat_path.h"
#include "shim/state.h"
#include "shim/trace_path.h"
#include "shim/tree_walk.h"

using namespace softvfio;
using namespace softvfio::shim;

#define SHIM_EXPORT extern "C" __attribute__((visibility("default")))

namespace {

/* A stream over a served directory, or null (errno set) if `logical` is
 * not one. */
DIR *open_served(const std::string &logical, int fd_hint)
{
	std::vector<DirEntryInfo> entries;
	if (!served_listing(logical, entries))
		return nullptr;
	int fd = fd_hint;
	if (fd < 0) {
		/* dirfd() needs a real directory fd: the machine's one where it
		 * exists (merged), else its parent (/dev for /dev/vfio). */
		fd = REAL(open)(logical.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (fd < 0)
			fd = REAL(open)(logical.rfind("/dev/", 0) == 0 ? "/dev" : "/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (fd < 0)
			return nullptr;
	}
	return dir_stream_open(logical, std::move(entries), fd);
}

/* A stream of the C library's over a directory the shim keeps the
 * logical path of: its fd (dirfd) becomes a Dir, as open() would make it,
 * so that *at() calls and fchdir relative to it resolve from `logical`. */
DIR *keep_stream(DIR *d, const std::string &logical)
{
	if (d && kernel_if_created()) {
		int fd = REAL(dirfd)(d);
		if (fd >= 0) {
			fd_claim(fd, FdKind::Dir);
			note_set(fd, logical);
		}
	}
	return d;
}

/* `shown`: set when the trace shows the call (trace_path.h). */
DIR *opendir_routed(const char *path, bool *shown)
{
	Resolved r = resolve_path(AT_FDCWD, path, true);
	if (shown)
		*shown = trace_shows(r);
	switch (r.route) {
	case Route::Node:
	case Route::SysMerged:
		if (DIR *d = open_served(r.logical, -1))
			return d;
		if (r.route == Route::SysMerged)
			return keep_stream(REAL(opendir)(r.logical.c_str()), r.logical);
		break;
	case Route::SysView:
		return keep_stream(REAL(opendir)(r.path.c_str()), r.logical);
	case Route::Real:
		if (r.dir && !r.logical.empty())
			return keep_stream(REAL(opendir)(r.path.c_str()), r.logical);
		break;
	case Route::Error:
		errno = r.error;
		return nullptr;
	default:
		break;
	}
	return REAL(opendir)(r.path.empty() ? path : r.path.c_str());
}

DIR *opendir_impl(const char *path)
{
	if (in_model())
		return REAL(opendir)(path);
	if (!tracing())
		return opendir_routed(path, nullptr);
	TraceStart t0 = trace_start();
	bool shown = false;
	DIR *d = opendir_routed(path, &shown);
	if (shown)
		trace_opendir(path, d ? static_cast<long>(reinterpret_cast<uintptr_t>(d)) : -errno, t0);
	return d;
}

/* The listing scandir() would make of a served directory. */
template<typename Dirent, typename Filter, typename Compar>
int scan_served(const std::string &logical, Dirent ***namelist, Filter filter, Compar compar)
{
	std::vector<DirEntryInfo> entries;
	if (!served_listing(logical, entries))
		return -2;
	size_t n = 0;
	auto **list = static_cast<Dirent **>(std::malloc(sizeof(Dirent *) * (entries.size() + 1)));
	if (!list) {
		errno = ENOMEM;
		return -1;
	}
	long off = 0;
	for (const auto &e : entries) {
		auto *d = static_cast<Dirent *>(std::calloc(1, sizeof(Dirent)));
		if (!d) {
			while (n)
				std::free(list[--n]);
			std::free(list);
			errno = ENOMEM;
			return -1;
		}
		std::strncpy(d->d_name, e.name.c_str(), sizeof(d->d_name) - 1);
		d->d_ino = e.ino ? e.ino : static_cast<uint64_t>(++off);
		d->d_off = off;
		d->d_type = e.type;
		d->d_reclen = sizeof(Dirent);
		if (filter && !filter(d)) {
			std::free(d);
			continue;
		}
		list[n++] = d;
	}
	if (compar)
		std::qsort(list, n, sizeof(Dirent *), reinterpret_cast<int (*)(const void *, const void *)>(compar));
	*namelist = list;
	return static_cast<int>(n);
}

template<typename Dirent, typename Filter, typename Compar, typename Real>
int scandir_answer(const Resolved &r, int dirfd, const char *path, Dirent ***namelist, Filter filter, Compar compar,
		   Real real);

template<typename Dirent, typename Filter, typename Compar, typename Real>
int scandir_impl(int dirfd, const char *path, Dirent ***namelist, Filter filter, Compar compar, Real real)
{
	if (in_model())
		return real(dirfd, path);
	Resolved r = resolve_path(dirfd, path, true);
	if (tracing() && trace_shows(r)) {
		/* The listing below, shown once it is made. */
		TraceStart t0 = trace_start();
		int n = scandir_answer(r, dirfd, path, namelist, filter, compar, real);
		trace_scandir(dirfd, path, trace_result(n), t0);
		return n;
	}
	return scandir_answer(r, dirfd, path, namelist, filter, compar, real);
}

template<typename Dirent, typename Filter, typename Compar, typename Real>
int scandir_answer(const Resolved &r, int dirfd, const char *path, Dirent ***namelist, Filter filter, Compar compar,
		   Real real)
{
	if (r.route == Route::Node || r.route == Route::SysMerged) {
		int n = scan_served(r.logical, namelist, filter, compar);
		if (n != -2)
			return n;
	}
	if (r.route == Route::Error) {
		errno = r.error;
		return -1;
	}
	if (r.route == Route::SysView)
		return real(AT_FDCWD, r.path.c_str());
	if (!r.path.empty())
		return real(AT_FDCWD, r.path.c_str());
	return real(dirfd, path);
}

/* glob's directory callbacks (GLOB_ALTDIRFUNC) are the shim's own entry
 * points, so glob sees what opendir/readdir/stat show. */
void *gl_opendir(const char *path) { return opendir(path); }
struct dirent *gl_readdir(void *d) { return readdir(static_cast<DIR *>(d)); }
void gl_closedir(void *d) { closedir(static_cast<DIR *>(d)); }
int gl_stat(const char *path, struct stat *st) { return stat_path(AT_FDCWD, path, st, 0); }
int gl_lstat(const char *path, struct stat *st) { return stat_path(AT_FDCWD, path, st, AT_SYMLINK_NOFOLLOW); }

bool glob_concerns_us(const char *pattern)
{
	if (!pattern)
		return false;
	if (pattern[0] != '/')
		return cwd_tracked();
	return std::strncmp(pattern, "/sys", 4) == 0 || std::strncmp(pattern, "/dev", 4) == 0;
}

/* nftw of a path the shim resolves (served, the view, merged, below /sys
 * through a walk, relative to a kept current directory): the shim's
 * walker; the C library's own, which resolves past the interceptors, only
 * for paths it has nothing to say about. */
bool walk_concerns_us(const char *path)
{
	Resolved r = resolve_path(AT_FDCWD, path, true);
	return r.route != Route::Real || !r.path.empty();
}

} /* namespace */

SHIM_EXPORT DIR *opendir(const char *path)
{
	return no_throw(static_cast<DIR *>(nullptr), [&] { return opendir_impl(path); });
}

SHIM_EXPORT DIR *fdopendir(int fd)
{
	if (in_model() || !kernel_if_created() || fd_cache().get(fd).kind != FdKind::Dir)
		return REAL(fdopendir)(fd);
	return no_throw(static_cast<DIR *>(nullptr), [&]() -> DIR * {
		auto logical = note_get(fd);
		DIR *d = logical ? open_served(*logical, fd) : nullptr;
		return d ? d : REAL(fdopendir)(fd);
	});
}

SHIM_EXPORT struct dirent *readdir(DIR *d)
{
	if (dir_stream_is_ours(d))
		return reinterpret_cast<struct dirent *>(dir_stream_read(d));
	return REAL(readdir)(d);
}

SHIM_EXPORT struct dirent64 *readdir64(DIR *d)
{
	if (dir_stream_is_ours(d))
		return dir_stream_read(d);
	return REAL(readdir64)(d);
}

SHIM_EXPORT int readdir_r(DIR *d, struct dirent *entry, struct dirent **result)
{
	if (!dir_stream_is_ours(d))
		return REAL(readdir_r)(d, entry, result);
	struct dirent64 *e = dir_stream_read(d);
	if (e)
		std::memcpy(entry, e, e->d_reclen);
	*result = e ? entry : nullptr;
	return 0;
}

SHIM_EXPORT int readdir64_r(DIR *d, struct dirent64 *entry, struct dirent64 **result)
{
	if (!dir_stream_is_ours(d))
		return REAL(readdir64_r)(d, entry, result);
	struct dirent64 *e = dir_stream_read(d);
	if (e)
		std::memcpy(entry, e, e->d_reclen);
	*result = e ? entry : nullptr;
	return 0;
}

SHIM_EXPORT int closedir(DIR *d)
{
	if (dir_stream_is_ours(d))
		return dir_stream_close(d);
	if (!kernel_if_created() || in_model())
		return REAL(closedir)(d);
	int fd = REAL(dirfd)(d);
	int r = REAL(closedir)(d);
	int e = errno;
	fd_forget(fd);
	errno = e;
	return r;
}

SHIM_EXPORT int dirfd(DIR *d)
{
	if (dir_stream_is_ours(d))
		return dir_stream_fd(d);
	return REAL(dirfd)(d);
}

SHIM_EXPORT void rewinddir(DIR *d)
{
	if (dir_stream_is_ours(d))
		dir_stream_rewind(d);
	else
		REAL(rewinddir)(d);
}

SHIM_EXPORT long telldir(DIR *d)
{
	if (dir_stream_is_ours(d))
		return dir_stream_tell(d);
	return REAL(telldir)(d);
}

SHIM_EXPORT void seekdir(DIR *d, long pos)
{
	if (dir_stream_is_ours(d))
		dir_stream_seek(d, pos);
	else
		REAL(seekdir)(d, pos);
}

SHIM_EXPORT int scandir(const char *path, struct dirent ***namelist, real::ScandirFilter filter,
			real::ScandirCompar compar)
{
	return no_throw(-1, [&] {
		return scandir_impl(AT_FDCWD, path, namelist, filter, compar, [&](int dfd, const char *p) {
			return dfd == AT_FDCWD ? REAL(scandir)(p, namelist, filter, compar)
					       : REAL(scandirat)(dfd, p, namelist, filter, compar);
		});
	});
}

SHIM_EXPORT int scandir64(const char *path, struct dirent64 ***namelist, real::Scandir64Filter filter,
			  real::Scandir64Compar compar)
{
	return no_throw(-1, [&] {
		return scandir_impl(AT_FDCWD, path, namelist, filter, compar, [&](int dfd, const char *p) {
			return dfd == AT_FDCWD ? REAL(scandir64)(p, namelist, filter, compar)
					       : REAL(scandirat64)(dfd, p, namelist, filter, compar);
		});
	});
}

SHIM_EXPORT int scandirat(int dirfd, const char *path, struct dirent ***namelist, real::ScandirFilter filter,
			  real::ScandirCompar compar)
{
	return no_throw(-1, [&] {
		return scandir_impl(dirfd, path, namelist, filter, compar, [&](int dfd, const char *p) {
			return REAL(scandirat)(dfd, p, namelist, filter, compar);
		});
	});
}

SHIM_EXPORT int scandirat64(int dirfd, const char *path, struct dirent64 ***namelist, real::Scandir64Filter filter,
			    real::Scandir64Compar compar)
{
	return no_throw(-1, [&] {
		return scandir_impl(dirfd, path, namelist, filter, compar, [&](int dfd, const char *p) {
			return REAL(scandirat64)(dfd, p, namelist, filter, compar);
		});
	});
}

SHIM_EXPORT int glob(const char *pattern, int flags, real::GlobErr errfunc, glob_t *pglob)
{
	if (in_model() || (flags & GLOB_ALTDIRFUNC) || !glob_concerns_us(pattern) || !pglob)
		return REAL(glob)(pattern, flags, errfunc, pglob);
	pglob->gl_opendir = gl_opendir;
	pglob->gl_readdir = gl_readdir;
	pglob->gl_closedir = gl_closedir;
	pglob->gl_stat = gl_stat;
	pglob->gl_lstat = gl_lstat;
	return REAL(glob)(pattern, flags | GLOB_ALTDIRFUNC, errfunc, pglob);
}

SHIM_EXPORT int glob64(const char *pattern, int flags, real::GlobErr errfunc, glob64_t *pglob)
{
	/* One struct layout on LP64 (glibc makes glob64 an alias there). */
	static_assert(sizeof(glob64_t) == sizeof(glob_t));
	if (in_model() || (flags & GLOB_ALTDIRFUNC) || !glob_concerns_us(pattern) || !pglob)
		return REAL(glob64)(pattern, flags, errfunc, pglob);
	return glob(pattern, flags, errfunc, reinterpret_cast<glob_t *>(pglob));
}

SHIM_EXPORT int nftw(const char *path, real::NftwFn fn, int nopenfd, int flags)
{
	if (in_model() || !walk_concerns_us(path))
		return REAL(nftw)(path, fn, nopenfd, flags);
	return no_throw(-1, [&] { return walk_tree(path, flags, fn); });
}

SHIM_EXPORT int nftw64(const char *path, real::Nftw64Fn fn, int nopenfd, int flags)
{
	if (in_model() || !walk_concerns_us(path))
		return REAL(nftw64)(path, fn, nopenfd, flags);
	return no_throw(-1, [&] {
		return walk_tree(path, flags, [&](const char *p, const struct stat *st, int type, struct FTW *f) {
			return fn(p, reinterpret_cast<const struct stat64 *>(st), type, f);
		});
	});
}

SHIM_EXPORT int ftw(const char *path, real::FtwFn fn, int nopenfd)
{
	if (in_model() || !walk_concerns_us(path))
		return REAL(ftw)(path, fn, nopenfd);
	return no_throw(-1, [&] {
		return walk_tree(path, 0, [&](const char *p, const struct stat *st, int type, struct FTW *) {
			return fn(p, st, type == FTW_SLN ? FTW_NS : type);
		});
	});
}

SHIM_EXPORT int ftw64(const char *path, real::Ftw64Fn fn, int nopenfd)
{
	if (in_model() || !walk_concerns_us(path))
		return REAL(ftw64)(path, fn, nopenfd);
	return no_throw(-1, [&] {
		return walk_tree(path, 0, [&](const char *p, const struct stat *st, int type, struct FTW *) {
			return fn(p, reinterpret_cast<const struct stat64 *>(st), type == FTW_SLN ? FTW_NS : type);
		});
	});
}
