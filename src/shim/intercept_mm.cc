/* SPDX-License-Identifier: MIT */
/*
 * mmap and friends. Mappings of emulated fds, and any call that touches an
 * emulated mapping's addresses, go to the session kernel (the rest of a
 * range is the C library's); every other call costs two loads: no session,
 * or an address range outside every emulated mapping there has been (the
 * mm table's envelope).
 */
#include <cstdarg>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "shim/real.h"
#include "shim/state.h"
#include "shim/trace.h"

using namespace softvfio;
using namespace softvfio::shim;

#define SHIM_EXPORT extern "C" __attribute__((visibility("default")))

namespace {

/* The C library's mmap, or the system call while it is being looked up
 * (real.h: a malloc replacement may get here from inside dlsym). */
void *real_mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
	if (auto f = TRY_REAL(mmap))
		return f(addr, len, prot, flags, fd, off);
	long r = ::syscall(SYS_mmap, addr, len, prot, flags, fd, off);
	if (r < 0 && r > -4096) {
		errno = static_cast<int>(-r);
		return MAP_FAILED;
	}
	return reinterpret_cast<void *>(r);
}

int real_munmap(void *addr, size_t len)
{
	if (auto f = TRY_REAL(munmap))
		return f(addr, len);
	return static_cast<int>(::syscall(SYS_munmap, addr, len));
}

/* The session kernel, if the call is its business: some of the range may
 * be emulated (the mm table says). */
KernelCalls *kernel_for(const void *addr, size_t len)
{
	if (in_model())
		return nullptr;
	KernelCalls *k = kernel_if_created();
	if (!k || !k->may_own_address(addr, len) || !same_process())
		return nullptr;
	return k;
}

void *to_pointer(long r)
{
	if (r < 0 && r > -4096) {
		errno = static_cast<int>(-r);
		return MAP_FAILED;
	}
	return reinterpret_cast<void *>(r);
}

void *mmap_impl(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
	if (in_model())
		return real_mmap(addr, len, prot, flags, fd, off);
	KernelCalls *k = kernel_if_created();
	if (!k)
		return real_mmap(addr, len, prot, flags, fd, off);
	bool ours_fd = !(flags & MAP_ANONYMOUS) && fd >= 0 && classify(fd) == FdKind::Ours;
	bool over_ours = (flags & (MAP_FIXED | MAP_FIXED_NOREPLACE)) && kernel_for(addr, len);
	if ((!ours_fd && !over_ours) || !same_process())
		return real_mmap(addr, len, prot, flags, fd, off);
	/* The kernel maps an emulated fd, or takes the emulated mappings a
	 * MAP_FIXED mapping replaces (then the mapping itself is real). */
	TraceStart t0 = trace_start();
	long r = model_call([&] { return k->mmap(addr, len, prot, flags, ours_fd ? fd : -1, off); }, -ENOMEM);
	if (tracing() && ours_fd)
		trace_mmap(addr, len, prot, flags, fd, off, r, t0);
	return to_pointer(r);
}

} /* namespace */

SHIM_EXPORT void *mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
	return mmap_impl(addr, len, prot, flags, fd, off);
}

SHIM_EXPORT void *mmap64(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
	return mmap_impl(addr, len, prot, flags, fd, off);
}

SHIM_EXPORT int munmap(void *addr, size_t len)
{
	KernelCalls *k = kernel_for(addr, len);
	if (!k)
		return real_munmap(addr, len);
	TraceStart t0 = trace_start();
	long r = model_call([&] { return k->munmap(addr, len); }, -ENOMEM);
	if (tracing())
		trace_munmap(addr, len, r, t0);
	return syscall_result<int>(r);
}

SHIM_EXPORT void *mremap(void *old_addr, size_t old_len, size_t new_len, int flags, ...)
{
	void *new_addr = nullptr;
	if (flags & MREMAP_FIXED) {
		va_list ap;
		va_start(ap, flags);
		new_addr = va_arg(ap, void *);
		va_end(ap);
	}
	KernelCalls *k = kernel_for(old_addr, old_len ? old_len : 1);
	if (!k)
		return REAL(mremap)(old_addr, old_len, new_len, flags, new_addr);
	return to_pointer(model_call([&] { return k->mremap(old_addr, old_len, new_len, flags, new_addr); }, -ENOMEM));
}

SHIM_EXPORT int mprotect(void *addr, size_t len, int prot)
{
	KernelCalls *k = kernel_for(addr, len);
	if (!k)
		return REAL(mprotect)(addr, len, prot);
	return syscall_result<int>(model_call([&] { return k->mprotect(addr, len, prot); }, -ENOMEM));
}

SHIM_EXPORT int madvise(void *addr, size_t len, int advice)
{
	KernelCalls *k = kernel_for(addr, len);
	if (!k)
		return REAL(madvise)(addr, len, advice);
	return syscall_result<int>(model_call([&] { return k->madvise(addr, len, advice); }, -ENOMEM));
}

SHIM_EXPORT int msync(void *addr, size_t len, int flags)
{
	/* Shared memory is coherent; the host call checks the arguments the
	 * way the kernel would for the emulated mapping too. */
	return REAL(msync)(addr, len, flags);
}
