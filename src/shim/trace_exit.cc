/* SPDX-License-Identifier: MIT */
/*
 * _exit and _Exit: a program leaving without exit() (a shell does: dash
 * ends with _exit) still writes the -c table (trace.cc), since its
 * destructors never run. Then the C library's own, found at load time as
 * every interceptor finds the next definition (a vfork child may call
 * _exit, and must not run dlsym there); the system call itself should
 * that have failed, which is all _exit is.
 */
#include <cstdlib>
#include <dlfcn.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "shim/trace_internal.h"

#define SHIM_EXPORT extern "C" __attribute__((visibility("default")))

namespace {

using Exit = void (*)(int);
Exit g_exit = nullptr;
Exit g_Exit = nullptr;

__attribute__((constructor)) void find_exits()
{
	g_exit = reinterpret_cast<Exit>(::dlsym(RTLD_NEXT, "_exit"));
	g_Exit = reinterpret_cast<Exit>(::dlsym(RTLD_NEXT, "_Exit"));
}

[[noreturn]] void leave(Exit next, int status)
{
	softvfio::shim::trace_write_summary();
	if (next)
		next(status);
	::syscall(SYS_exit_group, status);
	__builtin_unreachable();
}

} /* namespace */

SHIM_EXPORT void _exit(int status) { leave(g_exit, status); }

SHIM_EXPORT void _Exit(int status) noexcept { leave(g_Exit, status); }
