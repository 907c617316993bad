/* SPDX-License-Identifier: MIT */
/*
 * The shim's process-wide state: the process's link to its session kernel,
 * the fd cache and notes, and how the shim makes its calls.
 */
#pragma once

#include <cerrno>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>

#include "base/fork_guard.h"
#include "base/reentry.h"
#include "shim/fd_cache.h"
#include "shim/kernel_calls.h"

namespace softvfio::shim {

/* --- the session --- */

/* The session kernel's calls, once this process joined its session (at
 * start-up, from $SOFTVFIO_SESSION); null otherwise: the fast paths ask
 * this, and without a session no fd or address is emulated. */
KernelCalls *kernel_if_created() noexcept;
/* The same (joining happens at start-up only). */
KernelCalls *kernel() noexcept;
/* Leave the session for good: every call goes to the C library. */
void detach() noexcept;

/* False in the child of a vfork() (or a clone the shim did not see) before
 * it execs: it shares the parent's memory, so it must not use the
 * parent's session link. One getpid() system call at most. */
bool same_process() noexcept;
/* The same, asking the kernel (a vfork child shares the mark). */
bool same_process_strict() noexcept;

/* errno as it was when made, again when it goes: the shim's own work
 * (a session call's futex waits time out every 100 ms and leave
 * ETIMEDOUT, a walk's lstat leaves ENOENT) must not show through a call
 * that succeeds, since a system call leaves errno alone then. */
class KeepErrno
{
public:
	KeepErrno() noexcept : saved_(errno) {}
	~KeepErrno() { errno = saved_; }
	KeepErrno(const KeepErrno &) = delete;
	KeepErrno &operator=(const KeepErrno &) = delete;

private:
	int saved_;
};

/* Run `f` as a call of the session: the calls the shim makes meanwhile
 * reach the C library directly, fork() waits for it, no exception escapes
 * (`on_error`), and errno is left as it was (`f` answers with -errno). */
template<typename F, typename R = std::invoke_result_t<F>>
R model_call(F &&f, std::type_identity_t<R> on_error) noexcept
{
	KeepErrno keep;
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
/* `fd`, a stand-in (FdKind::Ours), is a file whose close need not wait for
 * the kernel (its kernel end's name says so: session/wire/closed_numbers.h). */
bool releases_lazily(int fd) noexcept;

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

/* The session trace's own fd (softvfio trace -o): moved to a high number,
 * out of the program's way, and marked Internal. Returns the number. */
int relocate_internal(int fd) noexcept;

/* --- the sysfs view --- */

/* The session's sysfs view (Kernel::sysfs_root()) and its canonical form
 * (realpath), or empty.
 *
 * The session kernel renders the view in the session's directory; its
 * layout (which entries exist) changes only with writes to control files,
 * whose handler updates it at once, but a few attributes (config, enable,
 * power_state) change with every VFIO call of any process of the session.
 * So routing a path uses the view as it is, and the kernel brings it up to
 * date (one call) before a file of it is opened (`fresh`). */
struct SysfsRoot {
	std::string path;
	std::string canonical;
};
SysfsRoot sysfs_root(bool fresh = false) noexcept;
/* Kept for the call sites: any process of the session may change what
 * sysfs shows, so the view is refreshed before every open of one of its
 * files whatever this process did. */
inline void sysfs_changed() noexcept {}

/* A message on stderr, "softvfio-shim: <text>". */
void warn(std::string_view text) noexcept;

} /* namespace softvfio::shim */
