/* SPDX-License-Identifier: MIT */
#include "shim/trace.h"

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <atomic>
#include <mutex>
#include <set>
#include <pthread.h>
#include <string>
#include <ctime>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <unistd.h>
#include <utility>
#include <vector>

#include "base/reentry.h"
#include "session/client/connection.h"
#include "session/client/trace_settings.h"
#include "shim/kernel_calls.h"
#include "shim/proc_self.h"
#include "shim/real.h"
#include "shim/state.h"
#include "shim/trace_calls.h"
#include "shim/trace_decode.h"
#include "shim/trace_internal.h"

namespace softvfio::shim {

bool g_tracing = false;

namespace {

/* What the trace shows and where, published whole: hooks of other threads
 * read it without the lock while an attach replaces it. Never freed (the
 * hooks may run until the very end); attaches are rare. */
struct Settings {
	bool json = false;
	TraceFormat format;
	/* Where lines go: "stderr", a file, or kTraceSocketPrefix and the
	 * path of an attached tracer's socket. */
	std::string where;
	/* -e trace=: the calls shown; all when null. */
	std::set<std::string> *calls = nullptr;
	/* -e fd=: the fds (numbers and kinds) whose calls are shown; all
	 * when null. */
	std::set<std::string> *fds = nullptr;
	/* -c, -C: the records' file (its descriptor opened on first use),
	 * and whether lines are written at all. */
	const char *summary = nullptr;
	bool lines = true;
	/* The traced program's pid: its lines carry no "[pid N]". */
	pid_t first_pid = 0;
};
std::atomic<const Settings *> g_settings{nullptr};

const Settings *settings() { return g_settings.load(std::memory_order_acquire); }

bool g_sink_socket = false;
/* Configured by the environment (softvfio trace PROGRAM), not attached. */
bool g_from_environment = false;
int g_sink = -1;
std::mutex g_lock;      /* one line at a time; never held across a model call */
int g_records = -1;

/* The items of a comma list, in a set never freed: the hooks may run
 * until the very end. */
std::set<std::string> *comma_set(const char *list_text)
{
	auto *set = new (std::nothrow) std::set<std::string>;
	if (!set)
		return nullptr;
	std::string list = list_text;
	for (size_t at = 0; at <= list.size();) {
		size_t comma = std::min(list.find(',', at), list.size());
		if (comma > at)
			set->insert(list.substr(at, comma - at));
		at = comma + 1;
	}
	return set;
}

/* Publish the settings `get` gives (the environment, or an attached
 * trace's lines). */
void configure(const char *(*get)(const char *, void *), void *ctx)
{
	auto *s = new (std::nothrow) Settings;
	if (!s)
		return;
	const char *where = get(kEnvTrace, ctx);
	s->where = where ? where : "";
	const char *format = get(kEnvTraceFormat, ctx);
	s->json = format && std::strcmp(format, "json") == 0;
	const char *t = get(kEnvTraceTimestamps, ctx);
	s->format.timestamps = t ? std::atoi(t) : 0;
	const char *d = get(kEnvTraceDurations, ctx);
	s->format.durations = d && std::atoi(d) != 0;
	const char *calls = get(kEnvTraceCalls, ctx);
	s->calls = calls ? comma_set(calls) : nullptr;
	const char *fds = get(kEnvTraceFds, ctx);
	s->fds = fds ? comma_set(fds) : nullptr;
	const char *summary = get(kEnvTraceSummary, ctx);
	s->summary = summary && *summary ? summary : nullptr;
	const char *lines = get(kEnvTraceLines, ctx);
	s->lines = !lines || std::strcmp(lines, "0") != 0;
	/* The program's pid, which every image it execs keeps; a process
	 * started by it is another, even once it has exec'd. */
	const char *pid = get(kEnvTracePid, ctx);
	s->first_pid = pid && *pid ? static_cast<pid_t>(std::atol(pid)) : ::getpid();
	g_settings.store(s, std::memory_order_release);
}

const char *from_environment(const char *name, void *) { return std::getenv(name); }

__attribute__((constructor)) void trace_init()
{
	/* A fork while another thread writes a line must not leave the
	 * child's lock held; the child opens its own records' descriptor
	 * (the same file, O_APPEND). */
	pthread_atfork([] { g_lock.lock(); }, [] { g_lock.unlock(); }, [] { g_lock.unlock(); });
	const char *where = std::getenv(kEnvTrace);
	if (!where || !*where)
		return;
	configure(from_environment, nullptr);
	g_from_environment = true;
	g_tracing = true;
}

int trace_connect(const char *path);

/* The sink of this process, opened on first use (and again in a forked
 * child, which shares the parent's until then: fine for a file opened
 * O_APPEND, and stderr is stderr). */
int sink()
{
	if (g_sink >= 0)
		return g_sink;
	const Settings *st = settings();
	const char *where = st ? st->where.c_str() : "stderr";
	int fd;
	{
		ModelScope pass;
		if (!*where || std::strcmp(where, "stderr") == 0)
			fd = REAL(fcntl)(2, F_DUPFD_CLOEXEC, 0);
		else if (std::strncmp(where, kTraceSocketPrefix, std::strlen(kTraceSocketPrefix)) == 0)
			fd = trace_connect(where + std::strlen(kTraceSocketPrefix));
		else
			fd = REAL(open)(where, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	}
	if (fd < 0)
		return -1;
	g_sink_socket = std::strncmp(where, kTraceSocketPrefix, std::strlen(kTraceSocketPrefix)) == 0;
	g_sink = relocate_internal(fd);
	return g_sink;
}

/* An attached tracer's socket (softvfio trace -p): one message per line. */
int trace_connect(const char *path)
{
	struct sockaddr_un addr;
	std::memset(&addr, 0, sizeof(addr));
	addr.sun_family = AF_UNIX;
	if (std::strlen(path) >= sizeof(addr.sun_path))
		return -1;
	std::strcpy(addr.sun_path, path);
	int fd = static_cast<int>(::syscall(SYS_socket, AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0));
	if (fd < 0)
		return -1;
	if (::syscall(SYS_connect, fd, &addr, sizeof(addr)) < 0) {
		REAL(close)(fd);
		return -1;
	}
	return fd;
}

/* --- a trace attached by softvfio trace -p (session/trace_attach.h) --- */

/* The settings' generation this process applies (0: none seen). */
uint32_t g_seen_generation = 0;

const char *from_settings(const char *name, void *ctx)
{
	for (const auto &[key, value] : *static_cast<std::vector<std::pair<std::string, std::string>> *>(ctx))
		if (key == name)
			return value.c_str();
	return nullptr;
}

void close_sink_locked()
{
	if (g_sink >= 0) {
		ModelScope pass;
		REAL(close)(g_sink);
		g_sink = -1;
	}
	g_sink_socket = false;
}

/* With g_lock held: the attached trace ends (its tracer detached or is
 * gone); what the environment asked for, if anything, goes on. */
void detach_locked()
{
	close_sink_locked();
	if (g_from_environment) {
		configure(from_environment, nullptr);
	} else {
		g_tracing = false;
	}
}

/* With g_lock held: apply the settings `text` ("NAME=value" lines). */
void apply_locked(const char *text)
{
	if (!*text) {
		detach_locked();
		return;
	}
	/* Kept for good: the filters and names point into it, and the hooks
	 * may read them until the very end. Attaches are rare. */
	auto *settings = new (std::nothrow) std::vector<std::pair<std::string, std::string>>;
	if (!settings)
		return;
	std::string all = text;
	for (size_t at = 0; at < all.size();) {
		size_t end = std::min(all.find('\n', at), all.size());
		std::string line = all.substr(at, end - at);
		if (size_t eq = line.find('='); eq != std::string::npos)
			settings->emplace_back(line.substr(0, eq), line.substr(eq + 1));
		at = end + 1;
	}
	close_sink_locked();
	configure(from_settings, settings);
	g_tracing = true;
}

} /* namespace */

namespace {

/* This process's mailbox header, where the kernel writes an attached
 * trace's settings; null outside a session. */
const session::wire::Header *mailbox_header()
{
	KernelCalls *k = kernel_if_created();
	const uintptr_t mailbox = k ? k->connection().mailbox_range().first : 0;
	return mailbox ? &reinterpret_cast<const session::wire::Mailbox *>(mailbox)->header : nullptr;
}

} /* namespace */

void trace_refresh() noexcept
{
	const session::wire::Header *header = mailbox_header();
	if (!header ||
	    header->trace_generation.load(std::memory_order_acquire) == __atomic_load_n(&g_seen_generation, __ATOMIC_ACQUIRE))
		return;
	try {
		std::lock_guard lock(g_lock);
		char text[session::wire::kTraceConfigMax];
		const uint32_t g = session::read_trace_settings(*header, text);
		if (g == g_seen_generation)
			return;
		__atomic_store_n(&g_seen_generation, g, __ATOMIC_RELEASE);
		apply_locked(text);
	} catch (...) {
	}
}

void trace_attach_ready() noexcept
{
	const session::wire::Header *header = mailbox_header();
	if (!header)
		return;
	session::set_trace_switch(&g_tracing);
	/* A fork's child or an exec'd image of a traced process: its record
	 * came with the settings. */
	if (header->trace_generation.load(std::memory_order_acquire))
		__atomic_store_n(&g_tracing, true, __ATOMIC_RELEASE);
}

void trace_sink_lost(int fd) noexcept
{
	int expected = fd;
	if (fd >= 0)
		__atomic_compare_exchange_n(&g_sink, &expected, -1, false, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE);
}

bool trace_wants(const char *call) noexcept
{
	trace_refresh();
	const Settings *st = settings();
	if (!g_tracing || !st)
		return false;
	if (!st->calls)
		return true;
	try {
		return st->calls->count(call) != 0;
	} catch (...) {
		return false;
	}
}

std::string trace_fd_text(int fd, bool open)
{
	if (auto note = note_get(fd))
		return *note;
	if (open)
		if (auto link = proc_fd_link(fd))
			return *link;
	return {};
}

namespace {

/* False when the sink is an attached tracer's socket and the tracer is
 * gone. */
bool write_all(int fd, const std::string &text)
{
	if (g_sink_socket && fd == g_sink) {
		/* One line, one message; never SIGPIPE. */
		ssize_t n = ::syscall(SYS_sendto, fd, text.data(), text.size(), MSG_NOSIGNAL, nullptr, 0);
		return n >= 0 || (errno != EPIPE && errno != ECONNRESET && errno != ENOTCONN);
	}
	size_t at = 0;
	while (at < text.size()) {
		ssize_t n = REAL(write)(fd, text.data() + at, text.size() - at);
		if (n <= 0)
			break;
		at += static_cast<size_t>(n);
	}
	return true;
}

/* The summary's name of an event: ioctls by their request. */
std::string stat_name(const TraceEvent &event)
{
	if (event.call == "ioctl" && event.args.size() > 1)
		return "ioctl(" + event.args[1].text + ")";
	return event.call;
}

/* With g_lock held. */
void record(const Settings &st, const TraceEvent &event)
{
	if (g_records < 0) {
		int fd;
		{
			ModelScope pass;
			fd = REAL(open)(st.summary, O_WRONLY | O_APPEND | O_CLOEXEC);
		}
		if (fd < 0)
			return;
		g_records = relocate_internal(fd);
		/* The program's stderr as it is now, for the table at exit. */
		if (::getpid() == st.first_pid)
			sink();
	}
	std::string line = trace_stat_record(stat_name(event), event.result < 0 && event.result > -4096,
					     event.duration_ns);
	ModelScope pass;
	write_all(g_records, line);
}

} /* namespace */

namespace {

/* -e fd=: whether the event is a call on one of the selected fds (its
 * number, or the kind its link names). Calls without an fd are not. */
bool fd_selected(const std::set<std::string> &fds, const TraceEvent &event)
{
	for (const TraceArg &a : event.args)
		if (a.name == "fd" && a.json.is_object() && a.json.contains("fd")) {
			std::string kind = trace_fd_kind_name(trace_fd_kind(a.json.value("path", std::string())));
			return fds.count(std::to_string(a.json["fd"].get<long long>())) || fds.count(kind);
		}
	return false;
}

} /* namespace */

void trace_emit(TraceEvent &event) noexcept
{
	try {
		const Settings *st = settings();
		if (!st || (st->fds && !fd_selected(*st->fds, event)))
			return;
		std::string line;
		pid_t pid = ::getpid();
		if (st->lines) {
			if (st->json) {
				auto j = format_json(event, st->format);
				j["pid"] = pid;
				line = j.dump();
			} else {
				line = (pid == st->first_pid ? std::string() : "[pid " + std::to_string(pid) + "] ") +
				       format_text(event, st->format);
			}
			line += '\n';
		}
		std::lock_guard lock(g_lock);
		/* An attach may have replaced them meanwhile: a line is made
		 * and written by one set. */
		if (st != settings())
			return;
		if (st->summary)
			record(*st, event);
		if (!st->lines)
			return;
		int fd = sink();
		if (fd < 0) {
			if (st->where.rfind(kTraceSocketPrefix, 0) == 0)
				detach_locked();
			return;
		}
		ModelScope pass;
		if (!write_all(fd, line))
			detach_locked();
	} catch (...) {
		/* A line lost to an allocation failure. */
	}
}

/* At the program's exit: the table of every record the session's traced
 * processes have written so far, to the trace's output. A child still
 * running is counted up to here; a program killed by a signal writes none
 * (the command has exec'd it: no one is left to). Once, from exit() (the
 * destructor below) or _exit (trace_exit.cc), which shells use. */
void trace_write_summary() noexcept
{
	static std::atomic<bool> done{false};
	const Settings *st = settings();
	if (!g_tracing || !st || !st->summary || ::getpid() != st->first_pid || done.exchange(true))
		return;
	try {
		ModelScope pass;
		std::string records;
		int fd = REAL(open)(st->summary, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			return;
		char buf[65536];
		ssize_t n;
		while ((n = REAL(read)(fd, buf, sizeof(buf))) > 0)
			records.append(buf, static_cast<size_t>(n));
		REAL(close)(fd);
		::unlink(st->summary);
		auto stats = trace_stats_from_records(records);
		std::string table = st->json ? format_summary_json(stats).dump() + "\n" : format_summary_text(stats);
		std::lock_guard lock(g_lock);
		if (g_sink >= 0) {
			write_all(g_sink, table);
			return;
		}
		/* No line and no record from this process (a shell that
		 * only started others): a descriptor for the table alone,
		 * without the model's bookkeeping, which may be gone by now. */
		const char *where = std::getenv(kEnvTrace);
		int out = !where || std::strcmp(where, "stderr") == 0
				  ? REAL(fcntl)(2, F_DUPFD_CLOEXEC, 0)
				  : REAL(open)(where, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
		if (out >= 0) {
			write_all(out, table);
			REAL(close)(out);
		}
	} catch (...) {
	}
}

namespace {

__attribute__((destructor)) void trace_summary_at_exit() { trace_write_summary(); }

} /* namespace */

TraceStart trace_clock() noexcept
{
	timespec wall{}, mono{};
	::clock_gettime(CLOCK_REALTIME, &wall);
	::clock_gettime(CLOCK_MONOTONIC, &mono);
	return {wall.tv_sec * 1000000000LL + wall.tv_nsec, mono.tv_sec * 1000000000LL + mono.tv_nsec};
}

void trace_open(int dirfd, const char *path, int flags, long result, TraceStart start) noexcept
{
	TraceStart end = trace_clock();
	std::string dir = dirfd == AT_FDCWD ? std::string() : trace_fd_text(dirfd);
	trace_emit_with("openat", start, end, [&] {
		return TraceEvent{"openat", {dirfd_arg("dirfd", dirfd, dir), path_arg("path", path), open_flags_arg("flags", flags)},
				  result};
	});
}

void trace_close(int fd, long result, TraceStart start) noexcept
{
	TraceStart end = trace_clock();
	std::string what = trace_fd_text(fd, false);   /* closed already */
	trace_emit_with("close", start, end, [&] { return TraceEvent{"close", {fd_arg("fd", fd, what)}, result}; });
}

void trace_ioctl(int fd, unsigned long request, uintptr_t arg, long result, TraceStart start) noexcept
{
	TraceStart end = trace_clock();
	std::string what = trace_fd_text(fd);
	/* The kind from the link the kernel would show: the fd may be closed
	 * or reused once the call returns, the text was taken before. */
	TraceFdKind kind = trace_fd_kind(what);
	trace_emit_with("ioctl", start, end, [&] {
		std::string name = ioctl_name(kind, request);
		TraceArg fd_a = fd_arg("fd", fd, what);
		if (kind != TraceFdKind::Unknown)
			fd_a.json["kind"] = trace_fd_kind_name(kind);
		return TraceEvent{"ioctl", {std::move(fd_a), {"request", name, name}, decode_ioctl_arg(kind, request, arg, result)},
				  result};
	});
}

void trace_mmap(void *addr, size_t length, int prot, int flags, int fd, off_t offset, long result,
		TraceStart start) noexcept
{
	TraceStart end = trace_clock();
	std::string what = trace_fd_text(fd);
	trace_emit_with("mmap", start, end, [&] {
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
	trace_emit_with("munmap", start, end, [&] {
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
	std::string what = trace_fd_text(fd);
	trace_emit_with(call, start, end, [&] {
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
