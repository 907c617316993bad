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
 *   SOFTVFIO_TRACE_CALLS   comma list of the calls shown and counted
 *                          (-e trace=, checked by the command); all
 *                          without it
 *   SOFTVFIO_TRACE_FDS     comma list of fd numbers and kinds (-e fd=):
 *                          only the calls on those fds are shown
 *   SOFTVFIO_TRACE_SUMMARY a file every traced process appends one record
 *                          per call to (-c, -C); the program's process
 *                          turns them into strace -c's table at its exit
 *   SOFTVFIO_TRACE_LINES   0: no lines, only the summary (-c)
 *   SOFTVFIO_TRACE_PID     the program's pid (the command's own: it execs
 *                          the program); its lines carry no "[pid N]" and
 *                          it writes the summary
 * Without SOFTVFIO_TRACE every hook is one load of a flag that is false,
 * until `softvfio trace -p` attaches a trace with the same settings
 * through the session (trace_attach_ready below).
 * The sink is a descriptor of the model's own (internal, close-on-exec,
 * out of the program's reach), opened on the first line; a program under
 * `softvfio trace` that execs another reopens it, and lines from a process
 * other than the first one traced carry "[pid N]".
 */
#pragma once

#include <cstddef>
#include <cstdint>
#include <sys/types.h>

struct stat;
struct statx;

namespace softvfio::shim {

inline constexpr const char *kEnvTrace = "SOFTVFIO_TRACE";
inline constexpr const char *kEnvTraceFormat = "SOFTVFIO_TRACE_FORMAT";
inline constexpr const char *kEnvTraceTimestamps = "SOFTVFIO_TRACE_TIMESTAMPS";
inline constexpr const char *kEnvTraceDurations = "SOFTVFIO_TRACE_DURATIONS";
inline constexpr const char *kEnvTraceCalls = "SOFTVFIO_TRACE_CALLS";
inline constexpr const char *kEnvTraceFds = "SOFTVFIO_TRACE_FDS";
inline constexpr const char *kEnvTraceSummary = "SOFTVFIO_TRACE_SUMMARY";
inline constexpr const char *kEnvTraceLines = "SOFTVFIO_TRACE_LINES";
inline constexpr const char *kEnvTracePid = "SOFTVFIO_TRACE_PID";
/* SOFTVFIO_TRACE of an attached trace: the tracer's socket (SEQPACKET),
 * one message per line. */
inline constexpr const char *kTraceSocketPrefix = "socket:";

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

/* softvfio trace -p (session/trace_attach.h): once the process joined
 * its session, the session signal may switch the trace on; the settings
 * the kernel wrote into the mailbox apply at the next hook
 * (trace_refresh, which every hook runs first). A fork's child and an
 * exec'd image find their parent's in their own mailbox. */
void trace_attach_ready() noexcept;
void trace_refresh() noexcept;

/* The program put a file of its own at the trace's number (dup2 over it,
 * as a program may over any number): the trace opens a new sink. */
void trace_sink_lost(int fd) noexcept;

/* Each takes the result as the model gave it: a value or -errno. */
void trace_open(int dirfd, const char *path, int flags, long result, TraceStart start = {}) noexcept;
void trace_close(int fd, long result, TraceStart start = {}) noexcept;
void trace_ioctl(int fd, unsigned long request, uintptr_t arg, long result, TraceStart start = {}) noexcept;
void trace_mmap(void *addr, size_t length, int prot, int flags, int fd, off_t offset, long result,
		TraceStart start = {}) noexcept;
void trace_munmap(void *addr, size_t length, long result, TraceStart start = {}) noexcept;
/* read, write, pread64, pwrite64: offset < 0 for the unpositioned ones. */
void trace_rw(const char *call, int fd, const void *buf, size_t count, off_t offset, long result,
	      TraceStart start = {}) noexcept;

/* Calls on the paths the shim answers (the sysfs view, /dev/vfio,
 * /dev/iommu: trace_path.h), as the C library would make them. */
void trace_stat(int dirfd, const char *path, int flags, const struct stat *st, long result,
		TraceStart start = {}) noexcept;
void trace_statx(int dirfd, const char *path, int flags, unsigned mask, const struct statx *st, long result,
		 TraceStart start = {}) noexcept;
void trace_access(int dirfd, const char *path, int mode, int flags, long result, TraceStart start = {}) noexcept;
void trace_readlink(int dirfd, const char *path, const char *buf, size_t size, long result,
		    TraceStart start = {}) noexcept;
/* opendir: `result` the stream's address or -errno. */
void trace_opendir(const char *path, long result, TraceStart start = {}) noexcept;
/* scandir, scandirat: `result` the number of entries or -errno. */
void trace_scandir(int dirfd, const char *path, long result, TraceStart start = {}) noexcept;

} /* namespace softvfio::shim */
