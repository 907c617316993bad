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
 *   SOFTVFIO_TRACE_TIMESTAMPS  1, 2 or 3: each line starts with the time of
 *                          day (-t, -tt) or the epoch time (-ttt)
 *   SOFTVFIO_TRACE_DURATIONS   1: each line ends with the time spent in
 *                          the call (-T)
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
inline constexpr const char *kEnvTraceTimestamps = "SOFTVFIO_TRACE_TIMESTAMPS";
inline constexpr const char *kEnvTraceDurations = "SOFTVFIO_TRACE_DURATIONS";

extern bool g_tracing;
inline bool tracing() noexcept { return __builtin_expect(g_tracing, 0); }

/* When a traced call began (CLOCK_REALTIME and CLOCK_MONOTONIC, in ns),
 * taken by the hook before it calls the model; all zero when not tracing.
 * A hook given none shows its call as starting when it ended. */
struct TraceStart {
	int64_t wall_ns = 0;
	int64_t mono_ns = 0;
};
TraceStart trace_clock() noexcept;
inline TraceStart trace_start() noexcept { return tracing() ? trace_clock() : TraceStart{}; }

/* The program put a file of its own at the trace's number (dup2 over it,
 * as a program may over any number): the trace opens a new sink. */
void trace_sink_lost(int fd) noexcept;

/* Each takes the result as the model gave it: a value or -errno. */
void trace_open(const char *path, int flags, long result, TraceStart start = {}) noexcept;
void trace_close(int fd, long result, TraceStart start = {}) noexcept;
void trace_ioctl(int fd, unsigned long request, uintptr_t arg, long result, TraceStart start = {}) noexcept;
void trace_mmap(void *addr, size_t length, int prot, int flags, int fd, off_t offset, long result,
		TraceStart start = {}) noexcept;
void trace_munmap(void *addr, size_t length, long result, TraceStart start = {}) noexcept;
/* read, write, pread64, pwrite64: offset < 0 for the unpositioned ones. */
void trace_rw(const char *call, int fd, const void *buf, size_t count, off_t offset, long result,
	      TraceStart start = {}) noexcept;

} /* namespace softvfio::shim */
