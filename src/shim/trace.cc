/* SPDX-License-Identifier: MIT */
#include "shim/trace.h"

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <mutex>
#include <pthread.h>
#include <string>
#include <ctime>
#include <unistd.h>

#include "base/reentry.h"
#include "shim/proc_self.h"
#include "shim/real.h"
#include "shim/state.h"
#include "shim/trace_decode.h"

namespace softvfio::shim {

bool g_tracing = false;

namespace {

bool g_json = false;
TraceFormat g_format;
pid_t g_first_pid = 0;
int g_sink = -1;
std::mutex g_lock;      /* one line at a time; never held across a model call */

__attribute__((constructor)) void trace_init()
{
	const char *where = std::getenv(kEnvTrace);
	if (!where || !*where)
		return;
	const char *format = std::getenv(kEnvTraceFormat);
	g_json = format && std::strcmp(format, "json") == 0;
	if (const char *t = std::getenv(kEnvTraceTimestamps))
		g_format.timestamps = std::atoi(t);
	if (const char *d = std::getenv(kEnvTraceDurations))
		g_format.durations = std::atoi(d) != 0;
	g_first_pid = ::getpid();
	g_tracing = true;
	/* A fork while another thread writes a line must not leave the
	 * child's lock held. */
	pthread_atfork([] { g_lock.lock(); }, [] { g_lock.unlock(); }, [] { g_lock.unlock(); });
}

/* The sink of this process, opened on first use (and again in a forked
 * child, which shares the parent's until then: fine for a file opened
 * O_APPEND, and stderr is stderr). */
int sink()
{
	if (g_sink >= 0)
		return g_sink;
	const char *where = std::getenv(kEnvTrace);
	int fd;
	{
		ModelScope pass;
		if (!where || std::strcmp(where, "stderr") == 0)
			fd = REAL(fcntl)(2, F_DUPFD_CLOEXEC, 0);
		else
			fd = REAL(open)(where, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	}
	if (fd < 0)
		return -1;
	g_sink = relocate_internal(fd);
	return g_sink;
}

} /* namespace */

void trace_sink_lost(int fd) noexcept
{
	int expected = fd;
	if (fd >= 0)
		__atomic_compare_exchange_n(&g_sink, &expected, -1, false, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE);
}

namespace {

/* Whatever stands behind an fd the program holds: the shim's note, or
 * the /proc/self/fd link it would show (a dma-buf's "/dmabuf:name"). */
std::string fd_text(int fd, bool open = true)
{
	if (auto note = note_get(fd))
		return *note;
	if (open)
		if (auto link = proc_fd_link(fd))
			return *link;
	return {};
}

void emit(const TraceEvent &event) noexcept
{
	try {
		std::string line;
		pid_t pid = ::getpid();
		if (g_json) {
			auto j = format_json(event, g_format);
			j["pid"] = pid;
			line = j.dump();
		} else {
			line = (pid == g_first_pid ? std::string() : "[pid " + std::to_string(pid) + "] ") + format_text(event, g_format);
		}
		line += '\n';
		std::lock_guard lock(g_lock);
		int fd = sink();
		if (fd < 0)
			return;
		ModelScope pass;
		size_t at = 0;
		while (at < line.size()) {
			ssize_t n = REAL(write)(fd, line.data() + at, line.size() - at);
			if (n <= 0)
				break;
			at += static_cast<size_t>(n);
		}
	} catch (...) {
		/* A line lost to an allocation failure. */
	}
}

/* Decoding reads the program's memory through the model's fault guard.
 * `end` is taken on entry to each trace_*: looking up the fd's link and
 * decoding are the trace's time, not the call's. */
template<typename F>
void emit_with(TraceStart start, TraceStart end, F &&build) noexcept
{
	int saved = errno;
	if (!start.mono_ns)
		start = end;
	try {
		TraceEvent event;
		{
			ModelScope pass;
			event = build();
		}
		event.wall_ns = start.wall_ns;
		event.duration_ns = end.mono_ns - start.mono_ns;
		emit(event);
	} catch (...) {
	}
	errno = saved;
}

} /* namespace */

TraceStart trace_clock() noexcept
{
	timespec wall{}, mono{};
	::clock_gettime(CLOCK_REALTIME, &wall);
	::clock_gettime(CLOCK_MONOTONIC, &mono);
	return {wall.tv_sec * 1000000000LL + wall.tv_nsec, mono.tv_sec * 1000000000LL + mono.tv_nsec};
}

void trace_open(const char *path, int flags, long result, TraceStart start) noexcept
{
	TraceStart end = trace_clock();
	emit_with(start, end, [&] {
		return TraceEvent{"openat",
				  {{"dirfd", "AT_FDCWD", "AT_FDCWD"}, text_arg("path", path ? path : ""),
				   open_flags_arg("flags", flags)},
				  result};
	});
}

void trace_close(int fd, long result, TraceStart start) noexcept
{
	TraceStart end = trace_clock();
	std::string what = fd_text(fd, false);   /* closed already */
	emit_with(start, end, [&] { return TraceEvent{"close", {fd_arg("fd", fd, what)}, result}; });
}

void trace_ioctl(int fd, unsigned long request, uintptr_t arg, long result, TraceStart start) noexcept
{
	TraceStart end = trace_clock();
	std::string what = fd_text(fd);
	/* The kind from the link the kernel would show: the fd may be closed
	 * or reused once the call returns, the text was taken before. */
	TraceFdKind kind = trace_fd_kind(what);
	emit_with(start, end, [&] {
		std::string name = ioctl_name(kind, request);
		TraceArg fd_a = fd_arg("fd", fd, what);
		if (kind != TraceFdKind::Unknown)
			fd_a.json["kind"] = trace_fd_kind_name(kind);
		return TraceEvent{"ioctl", {std::move(fd_a), {"request", name, name}, decode_ioctl_arg(kind, request, arg)},
				  result};
	});
}

void trace_mmap(void *addr, size_t length, int prot, int flags, int fd, off_t offset, long result,
		TraceStart start) noexcept
{
	TraceStart end = trace_clock();
	std::string what = fd_text(fd);
	emit_with(start, end, [&] {
		bool device = trace_fd_kind(what) == TraceFdKind::Device;
		return TraceEvent{"mmap",
				  {address_arg("addr", reinterpret_cast<uintptr_t>(addr)), number_arg("length", static_cast<long long>(length)),
				   mmap_prot_arg("prot", prot), mmap_flags_arg("flags", flags), fd_arg("fd", fd, what),
				   device ? region_offset_arg("offset", static_cast<unsigned long long>(offset))
					  : hex_arg("offset", static_cast<unsigned long long>(offset))},
				  result, true};
	});
}

void trace_munmap(void *addr, size_t length, long result, TraceStart start) noexcept
{
	TraceStart end = trace_clock();
	emit_with(start, end, [&] {
		return TraceEvent{"munmap",
				  {address_arg("addr", reinterpret_cast<uintptr_t>(addr)),
				   number_arg("length", static_cast<long long>(length))},
				  result};
	});
}

void trace_rw(const char *call, int fd, const void *buf, size_t count, off_t offset, long result,
	      TraceStart start) noexcept
{
	TraceStart end = trace_clock();
	std::string what = fd_text(fd);
	emit_with(start, end, [&] {
		TraceEvent e{call, {fd_arg("fd", fd, what), address_arg("buf", reinterpret_cast<uintptr_t>(buf))}, result};
		/* Small accesses are register accesses: show the value. */
		bool moved = std::strstr(call, "read") ? result > 0 : result >= 0;
		size_t n = std::strstr(call, "read") ? static_cast<size_t>(result > 0 ? result : 0) : count;
		if (moved && n > 0 && n <= 8) {
			uint64_t v = 0;
			std::memcpy(&v, buf, n);
			char text[24];
			std::snprintf(text, sizeof(text), "[%#llx]", static_cast<unsigned long long>(v));
			e.args.back() = {"buf", text, nlohmann::json{{"value", v}}};
		}
		e.args.push_back(number_arg("count", static_cast<long long>(count)));
		if (offset >= 0)
			e.args.push_back(region_offset_arg("offset", static_cast<unsigned long long>(offset)));
		return e;
	});
}

} /* namespace softvfio::shim */
