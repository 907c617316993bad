/* SPDX-License-Identifier: MIT */
/*
 * The current directory, as the program sees it while it is inside /sys
 * or /dev/vfio.
 *
 * The kernel resolves a relative path from the real current directory,
 * which for an emulated directory is the view's real directory (or /dev
 * for /dev/vfio, which has none): ".." from there would reach the session
 * directory, and a merged directory would show only the machine's entries.
 * So while chdir/fchdir lead into those trees the shim keeps the logical
 * path (resolved, as getcwd(3) would show it) and joins relative paths to
 * it; getcwd returns it. The real current directory still moves along
 * (to the view's directory, the machine's, or /dev), for calls the shim
 * does not see.
 *
 * Everywhere else nothing is kept: every relative path costs one load
 * (cwd_tracked) and goes to the C library untouched.
 */
#pragma once

#include <atomic>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace softvfio::shim {

namespace cwd_detail {
extern std::atomic<bool> g_tracked;
} /* namespace cwd_detail */

/* Whether the logical current directory is kept (relative paths join it). */
inline bool cwd_tracked() noexcept { return cwd_detail::g_tracked.load(std::memory_order_acquire); }

/* The logical current directory, if kept. */
std::optional<std::string> cwd_logical() noexcept;

/* The current directory is now `logical` (kept if cwd_keeps, cwd_rules.h,
 * else not). */
void cwd_set(std::string_view logical) noexcept;

/* The real current directory changed in a way the shim could not follow
 * (a path the C library resolved, an fd it does not know): ask the kernel
 * where it is, and keep it if that is inside /sys or the view. */
void cwd_learn() noexcept;

/* The C library's own. */
int real_chdir(const char *path) noexcept;
int real_fchdir(int fd) noexcept;
char *real_getcwd(char *buf, size_t size) noexcept;

} /* namespace softvfio::shim */
