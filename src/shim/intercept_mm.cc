/* SPDX-License-Identifier: MIT */
/*
 * mmap and friends. Mappings of emulated fds, and any call that touches an
 * emulated mapping's addresses, go to the model (which passes the rest of a
 * range through); every other call costs two loads: no model, or an address
 * range outside every emulated mapping there has been (state.h envelope).
 */
#include <cstdarg>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "shim/maps_mailbox.h"
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

/* The model, if the call is its business. */
Kernel *model_for(const void *addr, size_t len)
{
	if (in_model())
		return nullptr;
	Kernel *k = kernel_if_created();
	if (!k || !envelope_overlaps(addr, len) || !same_process())
		return nullptr;
	if (!model_call([&] { return k->owns_address(addr, len); }, false))
		return nullptr;
	/* Only calls on software mappings answer the mailbox: a memory
	 * allocator's own mmap calls may hold the locks malloc needs. */
	mailbox_poll();
	return k;
}

void *mmap_impl(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
	if (in_model())
		return real_mmap(addr, len, prot, flags, fd, off);
	Kernel *k = kernel_if_created();
	if (!k)
		return real_mmap(addr, len, prot, flags, fd, off);
	bool ours_fd = !(flags & MAP_ANONYMOUS) && fd >= 0 && classify(fd) == FdKind::Ours;
	bool over_ours = (flags & (MAP_FIXED | MAP_FIXED_NOREPLACE)) && model_for(addr, len);
	if ((!ours_fd && !over_ours) || !same_process())
		return real_mmap(addr, len, prot, flags, fd, off);
	if (ours_fd)
		mailbox_poll();
	long r = model_call([&] { return k->mmap(addr, len, prot, flags, fd, off); }, -ENOMEM);
	if (tracing())
		trace_mmap(addr, len, prot, flags, fd, off, r);
	if (r < 0 && r > -4096) {
		errno = static_cast<int>(-r);
		return MAP_FAILED;
	}
	if (ours_fd) {
		uintptr_t start = static_cast<uintptr_t>(r);
		envelope_add(start, start + len);
		/* vfio mappings are VM_DONTDUMP: keep them out of core dumps
		 * (until a revocation replaces the host mapping; docs/shim.md). */
		REAL(madvise)(reinterpret_cast<void *>(r), len, MADV_DONTDUMP);
	}
	return reinterpret_cast<void *>(r);
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
	Kernel *k = model_for(addr, len);
	if (!k)
		return real_munmap(addr, len);
	long r = model_call([&] { return k->munmap(addr, len); }, -ENOMEM);
	if (tracing())
		trace_munmap(addr, len, r);
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
	Kernel *k = model_for(old_addr, old_len ? old_len : 1);
	if (!k)
		return REAL(mremap)(old_addr, old_len, new_len, flags, new_addr);
	long r = model_call([&] { return k->mremap(old_addr, old_len, new_len, flags, new_addr); }, -ENOMEM);
	if (r < 0 && r > -4096) {
		errno = static_cast<int>(-r);
		return MAP_FAILED;
	}
	envelope_add(static_cast<uintptr_t>(r), static_cast<uintptr_t>(r) + new_len);
	return reinterpret_cast<void *>(r);
}

SHIM_EXPORT int mprotect(void *addr, size_t len, int prot)
{
	Kernel *k = model_for(addr, len);
	if (!k)
		return REAL(mprotect)(addr, len, prot);
	return syscall_result<int>(model_call([&] { return k->mprotect(addr, len, prot); }, -ENOMEM));
}

SHIM_EXPORT int madvise(void *addr, size_t len, int advice)
{
	if (!model_for(addr, len))
		return REAL(madvise)(addr, len, advice);
	/* What the kernel answers for a VM_IO | VM_PFNMAP | VM_DONTEXPAND
	 * mapping (mm/madvise.c): no dumping it back in, no dropping, aging,
	 * paging out or prefaulting its pages (no LRU pages, no faultin), no
	 * fork-time wiping of a shared file mapping, no punching holes (the
	 * file is not a regular one: ENODEV); every other hint is accepted,
	 * as observed on 6.12 (docs/conformance.md). The host mapping takes
	 * the hints that matter to it (DONTDUMP, DONTFORK, ...). */
	switch (advice) {
	case MADV_DODUMP:
	case MADV_FREE:
	case MADV_DONTNEED:
	case MADV_DONTNEED_LOCKED:
	case MADV_COLD:
	case MADV_PAGEOUT:
	case MADV_POPULATE_READ:
	case MADV_POPULATE_WRITE:
	case MADV_WIPEONFORK:
	case MADV_KEEPONFORK:
		errno = EINVAL;
		return -1;
	case MADV_REMOVE:
		errno = ENODEV;
		return -1;
	case MADV_DONTDUMP:
	case MADV_DONTFORK:
	case MADV_DOFORK:
		return REAL(madvise)(addr, len, advice);
	default:
		return 0;
	}
}

SHIM_EXPORT int msync(void *addr, size_t len, int flags)
{
	/* Shared memory is coherent; the host call checks the arguments the
	 * way the kernel would for the emulated mapping too. */
	return REAL(msync)(addr, len, flags);
}
