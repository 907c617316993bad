/* SPDX-License-Identifier: MIT */
/*
 * read/write and their positional and vectored forms: region access on
 * emulated device fds, and stores into control files of the sysfs view.
 * Everything else goes to the C library after one cached lookup, through
 * a bounce buffer when a buffer is a register mapping (register_bounce.h).
 */
#include <algorithm>
#include <cstring>
#include <sys/uio.h>
#include <unistd.h>

#include "base/user_copy.h"
#include "shim/real.h"
#include "shim/register_bounce.h"
#include "shim/state.h"
#include "shim/trace.h"

using namespace softvfio;
using namespace softvfio::shim;

#define SHIM_EXPORT extern "C" __attribute__((visibility("default")))

extern "C" void __chk_fail(void) __attribute__((noreturn));

namespace {

/* The session kernel if `fd` is an emulated fd this process may use now. */
KernelCalls *emulated(int fd, FdKind &kind)
{
	KernelCalls *k = kernel_if_created();
	if (!k)
		return nullptr;
	kind = classify(fd);
	if (kind != FdKind::Ours && kind != FdKind::SysFile)
		return nullptr;
	return same_process() ? k : nullptr;
}

/* The real calls, for a file the model does not own. */
ssize_t host_read(int fd, void *buf, size_t n)
{
	if (!bounce::wanted(buf, n)) [[likely]]
		return REAL(read)(fd, buf, n);
	auto call = [&](void *b, size_t len, size_t) { return REAL(read)(fd, b, len); };
	const struct iovec v{buf, n};
	return bounce::read_into(fd, &v, 1, false, call);
}

ssize_t host_pread(int fd, void *buf, size_t n, off_t off)
{
	if (!bounce::wanted(buf, n)) [[likely]]
		return REAL(pread)(fd, buf, n, off);
	auto call = [&](void *b, size_t len, size_t done) {
		return REAL(pread)(fd, b, len, off + static_cast<off_t>(done));
	};
	const struct iovec v{buf, n};
	return bounce::read_into(fd, &v, 1, true, call);
}

ssize_t host_write(int fd, const void *buf, size_t n)
{
	if (!bounce::wanted(buf, n)) [[likely]]
		return REAL(write)(fd, buf, n);
	auto call = [&](void *b, size_t len, size_t) { return REAL(write)(fd, b, len); };
	const struct iovec v{const_cast<void *>(buf), n};
	return bounce::write_from(fd, &v, 1, call);
}

ssize_t host_pwrite(int fd, const void *buf, size_t n, off_t off)
{
	if (!bounce::wanted(buf, n)) [[likely]]
		return REAL(pwrite)(fd, buf, n, off);
	auto call = [&](void *b, size_t len, size_t done) {
		return REAL(pwrite)(fd, b, len, off + static_cast<off_t>(done));
	};
	const struct iovec v{const_cast<void *>(buf), n};
	return bounce::write_from(fd, &v, 1, call);
}

/* The vectored forms: which entry point, for the real call (on the
 * program's segments, or on the bounce as one segment). */
enum class Vec { Plain, Positioned, V2 };

ssize_t real_readv(int fd, const struct iovec *iov, int iovcnt, Vec form, off_t off, int flags)
{
	switch (form) {
	case Vec::Plain:
		return REAL(readv)(fd, iov, iovcnt);
	case Vec::Positioned:
		return REAL(preadv)(fd, iov, iovcnt, off);
	case Vec::V2:
		break;
	}
	return REAL(preadv2)(fd, iov, iovcnt, off, flags);
}

ssize_t real_writev(int fd, const struct iovec *iov, int iovcnt, Vec form, off_t off, int flags)
{
	switch (form) {
	case Vec::Plain:
		return REAL(writev)(fd, iov, iovcnt);
	case Vec::Positioned:
		return REAL(pwritev)(fd, iov, iovcnt, off);
	case Vec::V2:
		break;
	}
	return REAL(pwritev2)(fd, iov, iovcnt, off, flags);
}

/* The offset of the real call `done` bytes into a bounced transfer (-1:
 * the file position, which moves by itself). */
off_t moved_on(off_t off, size_t done) { return off < 0 ? off : off + static_cast<off_t>(done); }

ssize_t host_readv(int fd, const struct iovec *iov, int iovcnt, Vec form, off_t off, int flags)
{
	if (!bounce::wanted(iov, iovcnt)) [[likely]]
		return real_readv(fd, iov, iovcnt, form, off, flags);
	auto call = [&](void *b, size_t len, size_t done) {
		const struct iovec one{b, len};
		return real_readv(fd, &one, 1, form, moved_on(off, done), flags);
	};
	const bool positioned = form == Vec::Positioned || (form == Vec::V2 && off != -1);
	return bounce::read_into(fd, iov, iovcnt, positioned, call);
}

ssize_t host_writev(int fd, const struct iovec *iov, int iovcnt, Vec form, off_t off, int flags)
{
	if (!bounce::wanted(iov, iovcnt)) [[likely]]
		return real_writev(fd, iov, iovcnt, form, off, flags);
	auto call = [&](void *b, size_t len, size_t done) {
		const struct iovec one{b, len};
		return real_writev(fd, &one, 1, form, moved_on(off, done), flags);
	};
	return bounce::write_from(fd, iov, iovcnt, call);
}

long sysfs_store(KernelCalls *k, int fd, const void *buf, size_t n)
{
	auto path = note_get(fd);
	if (!path)
		return -EIO;
	sysfs_changed();
	return model_call([&] { return k->sysfs_write(*path, buf, n); }, -ENOMEM);
}

ssize_t read_impl(int fd, void *buf, size_t n)
{
	FdKind kind;
	KernelCalls *k = in_model() ? nullptr : emulated(fd, kind);
	if (!k || kind != FdKind::Ours)
		return host_read(fd, buf, n);
	TraceStart t0 = trace_start();
	long r = model_call([&] { return k->read(fd, buf, n); }, -ENOMEM);
	if (r == Kernel::kForeign)
		return host_read(fd, buf, n);
	if (tracing())
		trace_rw("read", fd, buf, n, -1, r, t0);
	return syscall_result<ssize_t>(r);
}

ssize_t pread_impl(int fd, void *buf, size_t n, off_t off)
{
	FdKind kind;
	KernelCalls *k = in_model() ? nullptr : emulated(fd, kind);
	if (!k || kind != FdKind::Ours)
		return host_pread(fd, buf, n, off);
	TraceStart t0 = trace_start();
	long r = model_call([&] { return k->pread(fd, buf, n, off); }, -ENOMEM);
	if (r == Kernel::kForeign)
		return host_pread(fd, buf, n, off);
	if (tracing())
		trace_rw("pread64", fd, buf, n, off, r, t0);
	return syscall_result<ssize_t>(r);
}

/* Vectored access on an emulated fd: one model call per segment, stopping
 * at the first short transfer, as the kernel's default iteration does.
 * `off` < 0: the file position. */
template<typename Op>
ssize_t vectored(const struct iovec *iov, int iovcnt, Op op)
{
	if (iovcnt < 0 || iovcnt > IOV_MAX)
		return syscall_result<ssize_t>(-EINVAL);
	ssize_t total = 0;
	for (int i = 0; i < iovcnt; i++) {
		if (!iov[i].iov_len)
			continue;
		long r = op(iov[i].iov_base, iov[i].iov_len, total);
		if (r < 0)
			return total ? total : syscall_result<ssize_t>(r);
		total += r;
		if (static_cast<size_t>(r) < iov[i].iov_len)
			break;
	}
	return total;
}

/* What a vectored write hands a sysfs attribute: kernfs copies at most a
 * page of it, across the segments, into the store's buffer
 * (fs/kernfs/file.c, kernfs_fop_write_iter: len = min(count, PAGE_SIZE)),
 * so a huge count costs a page, not the count; a bad pointer in that page
 * is EFAULT, as copy_from_iter makes it. 0, or -errno. */
long gather_page(const struct iovec *iov, int iovcnt, std::string &out)
{
	constexpr size_t kPage = 4096;
	if (iovcnt < 0 || iovcnt > IOV_MAX)
		return -EINVAL;
	for (int i = 0; i < iovcnt && out.size() < kPage; i++) {
		size_t take = std::min(iov[i].iov_len, kPage - out.size());
		if (!take)
			continue;
		size_t at = out.size();
		out.resize(at + take);
		if (!copy_from_user(out.data() + at, iov[i].iov_base, take))
			return -EFAULT;
	}
	return 0;
}

ssize_t preadv_impl(int fd, const struct iovec *iov, int iovcnt, off_t off, int flags, bool v2)
{
	FdKind kind;
	KernelCalls *k = in_model() ? nullptr : emulated(fd, kind);
	if (!k || kind != FdKind::Ours)
		return host_readv(fd, iov, iovcnt, v2 ? Vec::V2 : Vec::Positioned, off, flags);
	return vectored(iov, iovcnt, [&](void *base, size_t len, ssize_t done) {
		return model_call([&] { return off < 0 ? k->read(fd, base, len) : k->pread(fd, base, len, off + done); },
				  -ENOMEM);
	});
}

ssize_t pwritev_impl(int fd, const struct iovec *iov, int iovcnt, off_t off, int flags, bool v2)
{
	FdKind kind;
	KernelCalls *k = in_model() ? nullptr : emulated(fd, kind);
	if (!k)
		return host_writev(fd, iov, iovcnt, v2 ? Vec::V2 : Vec::Positioned, off, flags);
	if (kind == FdKind::SysFile) {
		std::string page;
		long r = gather_page(iov, iovcnt, page);
		return syscall_result<ssize_t>(r < 0 ? r : sysfs_store(k, fd, page.data(), page.size()));
	}
	sysfs_changed();
	return vectored(iov, iovcnt, [&](void *base, size_t len, ssize_t done) {
		return model_call(
			[&] { return off < 0 ? k->write(fd, base, len) : k->pwrite(fd, base, len, off + done); }, -ENOMEM);
	});
}

} /* namespace */

SHIM_EXPORT ssize_t read(int fd, void *buf, size_t n) { return read_impl(fd, buf, n); }

SHIM_EXPORT ssize_t __read_chk(int fd, void *buf, size_t n, size_t buflen)
{
	if (n > buflen)
		__chk_fail();
	return read_impl(fd, buf, n);
}

SHIM_EXPORT ssize_t write(int fd, const void *buf, size_t n)
{
	FdKind kind;
	KernelCalls *k = in_model() ? nullptr : emulated(fd, kind);
	if (!k)
		return host_write(fd, buf, n);
	if (kind == FdKind::SysFile)
		return syscall_result<ssize_t>(sysfs_store(k, fd, buf, n));
	sysfs_changed();
	TraceStart t0 = trace_start();
	long r = model_call([&] { return k->write(fd, buf, n); }, -ENOMEM);
	if (r == Kernel::kForeign)
		return host_write(fd, buf, n);
	if (tracing())
		trace_rw("write", fd, buf, n, -1, r, t0);
	return syscall_result<ssize_t>(r);
}

SHIM_EXPORT ssize_t pread(int fd, void *buf, size_t n, off_t off) { return pread_impl(fd, buf, n, off); }

SHIM_EXPORT ssize_t pread64(int fd, void *buf, size_t n, off_t off) { return pread_impl(fd, buf, n, off); }

SHIM_EXPORT ssize_t __pread_chk(int fd, void *buf, size_t n, off_t off, size_t buflen)
{
	if (n > buflen)
		__chk_fail();
	return pread_impl(fd, buf, n, off);
}

SHIM_EXPORT ssize_t __pread64_chk(int fd, void *buf, size_t n, off_t off, size_t buflen)
{
	if (n > buflen)
		__chk_fail();
	return pread_impl(fd, buf, n, off);
}

static ssize_t pwrite_impl(int fd, const void *buf, size_t n, off_t off)
{
	FdKind kind;
	KernelCalls *k = in_model() ? nullptr : emulated(fd, kind);
	if (!k)
		return host_pwrite(fd, buf, n, off);
	if (kind == FdKind::SysFile)
		return syscall_result<ssize_t>(sysfs_store(k, fd, buf, n));
	sysfs_changed();
	TraceStart t0 = trace_start();
	long r = model_call([&] { return k->pwrite(fd, buf, n, off); }, -ENOMEM);
	if (r == Kernel::kForeign)
		return host_pwrite(fd, buf, n, off);
	if (tracing())
		trace_rw("pwrite64", fd, buf, n, off, r, t0);
	return syscall_result<ssize_t>(r);
}

SHIM_EXPORT ssize_t pwrite(int fd, const void *buf, size_t n, off_t off) { return pwrite_impl(fd, buf, n, off); }

SHIM_EXPORT ssize_t pwrite64(int fd, const void *buf, size_t n, off_t off) { return pwrite_impl(fd, buf, n, off); }

SHIM_EXPORT ssize_t readv(int fd, const struct iovec *iov, int iovcnt)
{
	FdKind kind;
	KernelCalls *k = in_model() ? nullptr : emulated(fd, kind);
	if (!k || kind != FdKind::Ours)
		return host_readv(fd, iov, iovcnt, Vec::Plain, -1, 0);
	return preadv_impl(fd, iov, iovcnt, -1, 0, false);
}

SHIM_EXPORT ssize_t writev(int fd, const struct iovec *iov, int iovcnt)
{
	FdKind kind;
	KernelCalls *k = in_model() ? nullptr : emulated(fd, kind);
	if (!k)
		return host_writev(fd, iov, iovcnt, Vec::Plain, -1, 0);
	return pwritev_impl(fd, iov, iovcnt, -1, 0, false);
}

SHIM_EXPORT ssize_t preadv(int fd, const struct iovec *iov, int iovcnt, off_t off)
{
	return preadv_impl(fd, iov, iovcnt, off, 0, false);
}

SHIM_EXPORT ssize_t preadv64(int fd, const struct iovec *iov, int iovcnt, off_t off)
{
	return preadv_impl(fd, iov, iovcnt, off, 0, false);
}

SHIM_EXPORT ssize_t pwritev(int fd, const struct iovec *iov, int iovcnt, off_t off)
{
	return pwritev_impl(fd, iov, iovcnt, off, 0, false);
}

SHIM_EXPORT ssize_t pwritev64(int fd, const struct iovec *iov, int iovcnt, off_t off)
{
	return pwritev_impl(fd, iov, iovcnt, off, 0, false);
}

SHIM_EXPORT ssize_t preadv2(int fd, const struct iovec *iov, int iovcnt, off_t off, int flags)
{
	return preadv_impl(fd, iov, iovcnt, off, flags, true);
}

SHIM_EXPORT ssize_t preadv64v2(int fd, const struct iovec *iov, int iovcnt, off_t off, int flags)
{
	return preadv_impl(fd, iov, iovcnt, off, flags, true);
}

SHIM_EXPORT ssize_t pwritev2(int fd, const struct iovec *iov, int iovcnt, off_t off, int flags)
{
	return pwritev_impl(fd, iov, iovcnt, off, flags, true);
}

SHIM_EXPORT ssize_t pwritev64v2(int fd, const struct iovec *iov, int iovcnt, off_t off, int flags)
{
	return pwritev_impl(fd, iov, iovcnt, off, flags, true);
}

static off_t lseek_impl(int fd, off_t off, int whence)
{
	FdKind kind;
	KernelCalls *k = in_model() ? nullptr : emulated(fd, kind);
	if (!k || kind != FdKind::Ours)
		return REAL(lseek)(fd, off, whence);
	long r = model_call([&] { return k->lseek(fd, off, whence); }, -ENOMEM);
	if (r == Kernel::kForeign)
		return REAL(lseek)(fd, off, whence);
	return syscall_result<off_t>(r);
}

SHIM_EXPORT off_t lseek(int fd, off_t off, int whence) { return lseek_impl(fd, off, whence); }

SHIM_EXPORT off_t lseek64(int fd, off_t off, int whence) { return lseek_impl(fd, off, whence); }
