/* SPDX-License-Identifier: MIT */
#include "shim/real.h"

#include <cstdlib>
#include <cstring>
#include <dlfcn.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace softvfio::shim::real {

#define SOFTVFIO_SHIM_DEFINE_SLOT(name, ret, params) std::atomic<name##_t> name##_slot{nullptr};
SOFTVFIO_SHIM_REAL_FUNCTIONS(SOFTVFIO_SHIM_DEFINE_SLOT)
#undef SOFTVFIO_SHIM_DEFINE_SLOT

namespace {

__thread bool t_resolving __attribute__((tls_model("initial-exec"))) = false;

void say(const char *a, const char *b)
{
	/* No stdio: it may be what is being resolved. */
	ssize_t r = ::syscall(SYS_write, 2, a, std::strlen(a));
	r = ::syscall(SYS_write, 2, b, std::strlen(b));
	r = ::syscall(SYS_write, 2, "\n", 1);
	(void)r;
}

} /* namespace */

void *resolve(const char *name)
{
	if (t_resolving)
		return nullptr;
	t_resolving = true;
	void *f = ::dlsym(RTLD_NEXT, name);
	t_resolving = false;
	return f;
}

void *resolve_or_die(const char *name)
{
	void *f = resolve(name);
	if (!f) {
		say("softvfio-shim: cannot find the C library's ", name);
		std::abort();
	}
	return f;
}

void resolve_all()
{
	/* Only what exists: an interceptor of a function the C library lacks
	 * is never called through it. */
#define SOFTVFIO_SHIM_RESOLVE(name, ret, params) \
	if (!name##_slot.load(std::memory_order_relaxed)) \
		name##_slot.store(reinterpret_cast<name##_t>(resolve(#name)), std::memory_order_release);
	SOFTVFIO_SHIM_REAL_FUNCTIONS(SOFTVFIO_SHIM_RESOLVE)
#undef SOFTVFIO_SHIM_RESOLVE
}

} /* namespace softvfio::shim::real */
