/* SPDX-License-Identifier: MIT */
/*
 * open and stdio open: the way in to device nodes, the sysfs view and the
 * rewritten /proc files.
 */
#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <unistd.h>

#include "shim/open_path.h"
#include "shim/real.h"
#include "shim/state.h"

using namespace softvfio;
using namespace softvfio::shim;

#define SHIM_EXPORT extern "C" __attribute__((visibility("default")))

namespace {

/* The mode argument exists only with O_CREAT or O_TMPFILE. */
bool has_mode(int flags) { return (flags & O_CREAT) || (flags & O_TMPFILE) == O_TMPFILE; }

int open_in_model(int dirfd, const char *path, int flags, mode_t mode)
{
	return REAL(openat)(dirfd, path, flags, mode);
}

/* What every open(2)-like does once it has its mode. */
int open_any(int dirfd, const char *path, int flags, mode_t mode)
{
	if (in_model())
		return open_in_model(dirfd, path, flags, mode);
	return no_throw(-1, [&] { return open_path(dirfd, path, flags, mode); });
}

/* What every _FORTIFY_SOURCE open does. They reject O_CREAT without a mode
 * (by aborting), which the C library's own does best, so such calls (and
 * the model's own opens) go to `real`, the C library's variant. */
template<typename Real>
int open_fortified(int dirfd, const char *path, int flags, Real real)
{
	if (has_mode(flags) || in_model())
		return real();
	return no_throw(-1, [&] { return open_path(dirfd, path, flags, 0); });
}

} /* namespace */

/* The variadic mode argument, read only when the flags say one was passed;
 * va_start needs the interceptor's own frame, hence a macro. */
#define SHIM_OPEN_MODE(flags, mode)                    \
	do {                                           \
		if (has_mode(flags)) {                 \
			va_list ap;                    \
			va_start(ap, flags);           \
			(mode) = va_arg(ap, mode_t);   \
			va_end(ap);                    \
		}                                      \
	} while (0)

SHIM_EXPORT int open(const char *path, int flags, ...)
{
	mode_t mode = 0;
	SHIM_OPEN_MODE(flags, mode);
	return open_any(AT_FDCWD, path, flags, mode);
}

SHIM_EXPORT int open64(const char *path, int flags, ...)
{
	mode_t mode = 0;
	SHIM_OPEN_MODE(flags, mode);
	return open_any(AT_FDCWD, path, flags, mode);
}

SHIM_EXPORT int openat(int dirfd, const char *path, int flags, ...)
{
	mode_t mode = 0;
	SHIM_OPEN_MODE(flags, mode);
	return open_any(dirfd, path, flags, mode);
}

SHIM_EXPORT int openat64(int dirfd, const char *path, int flags, ...)
{
	mode_t mode = 0;
	SHIM_OPEN_MODE(flags, mode);
	return open_any(dirfd, path, flags, mode);
}

/* The _FORTIFY_SOURCE variants (__open_2, __openat_2 and their 64 aliases). */
SHIM_EXPORT int __open_2(const char *path, int flags)
{
	return open_fortified(AT_FDCWD, path, flags, [&] { return REAL(__open_2)(path, flags); });
}

SHIM_EXPORT int __open64_2(const char *path, int flags)
{
	return open_fortified(AT_FDCWD, path, flags, [&] { return REAL(__open_2)(path, flags); });
}

SHIM_EXPORT int __openat_2(int dirfd, const char *path, int flags)
{
	return open_fortified(dirfd, path, flags, [&] { return REAL(__openat_2)(dirfd, path, flags); });
}

SHIM_EXPORT int __openat64_2(int dirfd, const char *path, int flags)
{
	return open_fortified(dirfd, path, flags, [&] { return REAL(__openat_2)(dirfd, path, flags); });
}

SHIM_EXPORT int creat(const char *path, mode_t mode)
{
	int flags = O_CREAT | O_WRONLY | O_TRUNC;
	if (in_model())
		return open_in_model(AT_FDCWD, path, flags, mode);
	return no_throw(-1, [&] { return open_path(AT_FDCWD, path, flags, mode); });
}

SHIM_EXPORT int creat64(const char *path, mode_t mode)
{
	return creat(path, mode);
}

SHIM_EXPORT FILE *fopen(const char *path, const char *mode)
{
	if (in_model())
		return REAL(fopen)(path, mode);
	return no_throw(static_cast<FILE *>(nullptr), [&] { return fopen_path(path, mode); });
}

SHIM_EXPORT FILE *fopen64(const char *path, const char *mode)
{
	if (in_model())
		return REAL(fopen)(path, mode);
	return no_throw(static_cast<FILE *>(nullptr), [&] { return fopen_path(path, mode); });
}

SHIM_EXPORT FILE *freopen(const char *path, const char *mode, FILE *stream)
{
	if (in_model() || !path)
		return REAL(freopen)(path, mode, stream);
	return no_throw(static_cast<FILE *>(nullptr), [&] { return freopen_path(path, mode, stream); });
}

SHIM_EXPORT FILE *freopen64(const char *path, const char *mode, FILE *stream)
{
	return freopen(path, mode, stream);
}
