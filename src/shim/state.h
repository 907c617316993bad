/* SPDX-License-Identifier: MIT */
/*
 * The shim's process-wide state: the one Kernel, the fd cache and notes,
 * the range of emulated addresses, and how the shim enters the model.
 */
#pragma once

#include <cerrno>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>

#include <softvfio/kernel.h>

#include "base/fork_guard.h"
#include "base/reentry.h"
#include "shim/fd_cache.h"

namespace softvfio::shim {

/* --- the model --- */

/* The process's Kernel once something created it; never creates (the fast
 * paths ask this: no Kernel, no emulated fd or address). */
Kernel *kernel_if_created() noexcept;
/* The Kernel, created from the environment (config.h) on first call; null
 * if the configuration is unusable (the shim then stays out of the way). */
Kernel *kernel() noexcept;

/* False in the child of a vfork() (or a clone the shim did not see) before
 * it execs: it shares the parent's memory, so it must not change the model.
 * One getpid() system call; asked only on the way into the model. */
bool same_process() noexcept;

/* Run `f` inside the model: the calls it makes reach the C library
 * directly, fork() waits for it, and no exception escapes (`on_error`). */
template<typename F, typename R = std::invoke_result_t<F>>
R model_call(F &&f, std::type_identity_t<R> on_error) noexcept
{
	ModelScope scope;
	ForkGateShared gate;
	try {
		return f();
	} catch (...) {
		return on_error;
	}
}

/* -errno to the C convention. */
template<typename T>
T syscall_result(long r)
{
	if (r < 0) {
		errno = static_cast<int>(-r);
		return static_cast<T>(-1);
	}
	return static_cast<T>(r);
}

/* --- fds --- */

FdCache &fd_cache() noexcept;

/* The kind of `fd`, classified on first use when the Kernel exists. */
FdKind classify(int fd) noexcept;

/* A string per fd: the /proc/self/fd link text of an emulated fd, the
 * logical path of a Dir or SysFile fd. */
void note_set(int fd, std::string text) noexcept;
std::optional<std::string> note_get(int fd) noexcept;
void note_copy(int from, int to) noexcept;
void note_erase(int fd) noexcept;
void note_erase_range(unsigned first, unsigned last) noexcept;

/* The body of an interceptor that allocates: an exception (only ever
 * bad_alloc) becomes ENOMEM and `on_error`, never unwinding into C. */
template<typename R, typename F>
R no_throw(R on_error, F &&f) noexcept
{
	try {
		return f();
	} catch (...) {
		errno = ENOMEM;
		return on_error;
	}
}

/* The number and its note now mean something new (or nothing). */
void fd_forget(int fd) noexcept;
/* A file the shim saw created took number `fd`: it is `kind` now (Unknown:
 * classify on first use). If the cache still named an emulated fd there,
 * that one was closed behind the shim's back (a raw system call) and the
 * model is told to drop it, so the number never reaches the old object. */
void fd_claim(int fd, FdKind kind) noexcept;

/* Descriptors the model creates for itself are moved to numbers at or above
 * this, out of the program's way (a real kernel would not have them). */
int internal_fd_base() noexcept;

/* While set on this thread, fds created inside the model are not moved:
 * they are the program's (a dup it asked for). */
extern __thread bool t_keep_low __attribute__((tls_model("initial-exec")));

class KeepLow
{
public:
	KeepLow() noexcept { t_keep_low = true; }
	~KeepLow() { t_keep_low = false; }
	KeepLow(const KeepLow &) = delete;
	KeepLow &operator=(const KeepLow &) = delete;
};

/* A model-created fd, about to be used by the model only: moved up and
 * marked Internal. Returns the number to use. */
int relocate_internal(int fd) noexcept;
/* An fd the model created for the program (an open, GET_DEVICE_FD, a
 * dma-buf): moved down to the lowest free number, as the kernel allocates,
 * and registered as `kind`. Returns the number to hand out. */
int hand_out(int fd, FdKind kind) noexcept;

/* --- addresses --- */

/* Every emulated mapping lies within [lo, hi) of this: calls on other
 * addresses never ask the model. Only grows. */
void envelope_add(uintptr_t start, uintptr_t end) noexcept;
bool envelope_overlaps(const void *addr, size_t length) noexcept;

/* --- the sysfs view --- */

/* Kernel::sysfs_root() and its canonical form (realpath), or empty.
 *
 * Each Kernel::sysfs_root() call renders the whole view from the model's
 * state, which costs a few hundred system calls per device. The layout
 * (which entries exist) changes only with writes to control files (bind,
 * unbind, driver_override, ...), whose handler updates the view itself;
 * what changes with every VFIO call is the contents of a few attributes
 * (config, enable, power_state). So routing a path uses the view as it is,
 * and the view is rendered again only before a file of it is opened
 * (`fresh`) after a call that may have changed the model's state
 * (sysfs_changed()). */
struct SysfsRoot {
	std::string path;
	std::string canonical;
};
SysfsRoot sysfs_root(bool fresh = false) noexcept;
/* A model call that may change what sysfs shows (bind, open, close, config
 * writes, power state, ...) happened. */
void sysfs_changed() noexcept;

/* A message on stderr, "softvfio-shim: <text>". */
void warn(std::string_view text) noexcept;

} /* namespace softvfio::shim */
