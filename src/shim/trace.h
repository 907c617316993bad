/* SPDX-License-Identifier: MIT */
/*
 * `softvfio trace`: the shim reports every call a program makes to a
 * software device (decoded by trace_decode.h).
 *
 * Configured by the environment `softvfio trace` sets:
 *   SOFTVFIO_TRACE         "stderr" (the program's stderr as it was at its
 *                          start) or a file to append to
 *   SOFTVFIO_TRACE_FORMAT  "text" (strace-like, the default) or "json"
 *                          (one object per line)
 * Without SOFTVFIO_TRACE every hook is one load of a flag that is false.
 * The sink is a descriptor of the model's own (internal, close-on-exec,
 * out of the program's reach), opened on the first line; a program under
 * `softvfio trace` that execs another reopens it, and lines from a process
 * other than the first one traced carry "[pid N]".
 */
#pragma once

#include <cstddef>
#include <cstdint>
#include <sys/types.h>

namespace softvfio::shim {

inline constexpr const char *kEnvTrace = "SOFTVFIO_TRACE";
inline constexpr const char *kEnvTraceFormat = "SOFTVFIO_TRACE_FORMAT";

extern bool g_tracing;
inline bool tracing() noexcept { return __builtin_expect(g_tracing, 0); }

/* The program put a file of its own at the trace's number (dup2 over it,
 * as a program may over any number): the trace opens a new sink. */
void trace_sink_lost(int fd) noexcept;

/* Each takes the result as the model gave it: a value or -errno. */
void trace_open(const char *path, int flags, long result) noexcept;
void trace_close(int fd, long result) noexcept;
void trace_ioctl(int fd, unsigned long request, uintptr_t arg, long result) noexcept;
void trace_mmap(void *addr, size_t length, int prot, int flags, int fd, off_t offset, long result) noexcept;
void trace_munmap(void *addr, size_t length, long result) noexcept;
/* read, write, pread64, pwrite64: offset < 0 for the unpositioned ones. */
void trace_rw(const char *call, int fd, const void *buf, size_t count, off_t offset, long result) noexcept;

} /* namespace softvfio::shim */
