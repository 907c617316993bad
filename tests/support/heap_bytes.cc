/* SPDX-License-Identifier: MIT */
#include "support/heap_bytes.h"

#include <atomic>
#include <cstdlib>
#include <malloc.h>
#include <new>

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)

extern "C" size_t __sanitizer_get_current_allocated_bytes();

namespace softvfio::test {
size_t heap_bytes()
{
	return __sanitizer_get_current_allocated_bytes();
}
} /* namespace softvfio::test */

#else

namespace {

std::atomic<size_t> g_live{0};

void *allocate(size_t size, size_t align, bool nothrow)
{
	if (size == 0)
		size = 1;
	void *p = align > alignof(std::max_align_t) ? std::aligned_alloc(align, (size + align - 1) / align * align)
						    : std::malloc(size);
	if (!p) {
		if (nothrow)
			return nullptr;
		throw std::bad_alloc();
	}
	g_live.fetch_add(::malloc_usable_size(p), std::memory_order_relaxed);
	return p;
}

void release(void *p) noexcept
{
	if (!p)
		return;
	g_live.fetch_sub(::malloc_usable_size(p), std::memory_order_relaxed);
	std::free(p);
}

} /* namespace */

void *operator new(size_t n) { return allocate(n, 0, false); }
void *operator new[](size_t n) { return allocate(n, 0, false); }
void *operator new(size_t n, const std::nothrow_t &) noexcept { return allocate(n, 0, true); }
void *operator new[](size_t n, const std::nothrow_t &) noexcept { return allocate(n, 0, true); }
void *operator new(size_t n, std::align_val_t a) { return allocate(n, static_cast<size_t>(a), false); }
void *operator new[](size_t n, std::align_val_t a) { return allocate(n, static_cast<size_t>(a), false); }
void *operator new(size_t n, std::align_val_t a, const std::nothrow_t &) noexcept
{
	return allocate(n, static_cast<size_t>(a), true);
}
void *operator new[](size_t n, std::align_val_t a, const std::nothrow_t &) noexcept
{
	return allocate(n, static_cast<size_t>(a), true);
}
void operator delete(void *p) noexcept { release(p); }
void operator delete[](void *p) noexcept { release(p); }
void operator delete(void *p, size_t) noexcept { release(p); }
void operator delete[](void *p, size_t) noexcept { release(p); }
void operator delete(void *p, std::align_val_t) noexcept { release(p); }
void operator delete[](void *p, std::align_val_t) noexcept { release(p); }
void operator delete(void *p, size_t, std::align_val_t) noexcept { release(p); }
void operator delete[](void *p, size_t, std::align_val_t) noexcept { release(p); }
void operator delete(void *p, const std::nothrow_t &) noexcept { release(p); }
void operator delete[](void *p, const std::nothrow_t &) noexcept { release(p); }

namespace softvfio::test {
size_t heap_bytes()
{
	return g_live.load();
}
} /* namespace softvfio::test */

#endif
