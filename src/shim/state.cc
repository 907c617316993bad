/* SPDX-License-Identifier: MIT */
#include "shim/state.h"

#include <algorithm>
#include <atomic>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <new>
#include <pthread.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>
#include <unordered_map>

#include "session/client/connection.h"
#include "shim/dir_stream.h"
#include "shim/real.h"
#include "shim/trace.h"

namespace softvfio::shim {

namespace {

/* The process's link to its session and the calls over it; never freed
 * (other threads may be in a call at exit). */
session::Connection *g_connection = nullptr;
std::atomic<KernelCalls *> g_calls{nullptr};

pid_t g_pid = 0;
/*
 * same_process() runs on every intercepted call; getpid() is a system call.
 * The kernel zeroes a MADV_WIPEONFORK page in every child, however it was
 * made (fork, _Fork, clone), so while the mark in it stands this is still
 * g_pid's process and no system call is needed. The child handler sets it
 * again once g_pid is the child's.
 */
std::atomic<uint32_t> *g_pid_mark = nullptr;
constexpr uint32_t kMarked = 1;

FdCache g_cache;

std::mutex g_notes_lock;
std::unordered_map<int, std::string> *g_notes = nullptr;  /* never freed: used until exit */
std::atomic<size_t> g_note_count{0};
/* Which numbers below FdCache::kSlots may have a note: ordinary fds never
 * do, and their open and close then skip the lock. Set under the lock
 * before the note exists, cleared under it after it is gone. */
std::atomic<uint64_t> g_noted[FdCache::kSlots / 64];

std::atomic<uint64_t> *noted_word(int fd, uint64_t &bit)
{
	if (fd < 0 || fd >= FdCache::kSlots)
		return nullptr;
	bit = uint64_t{1} << (fd % 64);
	return &g_noted[fd / 64];
}

/* False only when `fd` certainly has no note. */
bool may_have_note(int fd)
{
	uint64_t bit;
	std::atomic<uint64_t> *w = noted_word(fd, bit);
	return !w || (w->load(std::memory_order_acquire) & bit);
}

void mark_noted(int fd, bool noted)
{
	uint64_t bit;
	if (std::atomic<uint64_t> *w = noted_word(fd, bit)) {
		if (noted)
			w->fetch_or(bit, std::memory_order_release);
		else
			w->fetch_and(~bit, std::memory_order_release);
	}
}

std::atomic<const SysfsRoot *> g_sysfs{nullptr};

void arm_pid_mark()
{
	void *page = REAL(mmap)(nullptr, static_cast<size_t>(::sysconf(_SC_PAGESIZE)), PROT_READ | PROT_WRITE,
				MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (page == MAP_FAILED)
		return;
	if (REAL(madvise)(page, static_cast<size_t>(::sysconf(_SC_PAGESIZE)), MADV_WIPEONFORK) != 0)
		return;   /* no mark: same_process() asks getpid() every time */
	g_pid_mark = new (page) std::atomic<uint32_t>(kMarked);
}

/* fork(): the fork gate is held (prepare handlers run in reverse order of
 * registration: the gate's first), so no thread is in a session call; the
 * kernel prepares the child's record, which the child takes over before
 * fork() returns in it. */
void prepare()
{
	g_notes_lock.lock();
	dir_streams_fork_prepare();
	if (g_calls.load())
		g_connection->fork_prepare();
}

void parent()
{
	if (g_calls.load())
		g_connection->fork_parent(0);
	dir_streams_fork_release();
	g_notes_lock.unlock();
}

void child()
{
	g_pid = ::getpid();
	if (g_pid_mark)
		g_pid_mark->store(kMarked, std::memory_order_relaxed);
	if (g_calls.load()) {
		g_connection->fork_child();
		if (!g_connection->joined())
			g_calls.store(nullptr);
	}
	dir_streams_fork_release();
	g_notes_lock.unlock();
}

/* Join the session named by $SOFTVFIO_SESSION. Without one the shim stays
 * out of the way: every call goes to the C library. */
void join_session()
{
	const char *dir = std::getenv("SOFTVFIO_SESSION");
	if (!dir || !*dir)
		return;
	auto *c = new (std::nothrow) session::Connection;
	if (!c)
		return;
	if (int r = c->join(dir); r < 0) {
		warn(std::string("cannot join the session at ") + dir + ": " + std::strerror(-r) +
		     "; software devices disabled");
		return;
	}
	c->set_fd_observer([](int fd, int other) {
		fd_forget(other);
		fd_forget(fd);
		g_cache.set(fd, FdKind::Ours);
	});
	g_connection = c;
	g_calls.store(new (std::nothrow) KernelCalls(*c), std::memory_order_release);
	trace_attach_ready();
}

__attribute__((constructor)) void shim_init()
{
	real::resolve_all();
	g_pid = ::getpid();
	arm_pid_mark();
	g_notes = new std::unordered_map<int, std::string>;
	/* Our handlers first, so that their prepare runs after the fork
	 * gate's (reverse order). */
	pthread_atfork(prepare, parent, child);
	fork_guard_register();
	ModelScope scope;
	join_session();
}

} /* namespace */

KernelCalls *kernel_if_created() noexcept { return g_calls.load(std::memory_order_acquire); }

KernelCalls *kernel() noexcept { return kernel_if_created(); }

void detach() noexcept { g_calls.store(nullptr, std::memory_order_release); }

bool same_process_strict() noexcept
{
	return ::getpid() == g_pid;
}

bool same_process() noexcept
{
	if (g_pid_mark && g_pid_mark->load(std::memory_order_relaxed) == kMarked)
		return true;
	return ::getpid() == g_pid;
}

FdCache &fd_cache() noexcept { return g_cache; }

namespace {

/* The abstract name of the peer of unix socket `fd` (without its leading
 * NUL, in `addr`): empty if it has none. */
std::string_view peer_name(int fd, struct sockaddr_un &addr)
{
	socklen_t len = sizeof(addr);
	if (::getpeername(fd, reinterpret_cast<struct sockaddr *>(&addr), &len) < 0)
		return {};
	const size_t head = offsetof(struct sockaddr_un, sun_path) + 1;
	if (len <= head || addr.sun_path[0] != '\0')
		return {};
	return std::string_view(addr.sun_path + 1, len - head);
}

/* A stand-in is a unix socket whose other end, the session kernel's, has
 * the name "\0softvfio/<session>/<n>" (session/standins.h): told by two
 * system calls, without asking the kernel. */
FdKind standin_kind(int fd)
{
	struct stat st;
	if (REAL(fstat)(fd, &st) < 0 || !S_ISSOCK(st.st_mode))
		return FdKind::Foreign;
	struct sockaddr_un addr;
	std::string_view name = peer_name(fd, addr);
	constexpr std::string_view kPrefix = "softvfio/";
	if (name.substr(0, kPrefix.size()) != kPrefix)
		return FdKind::Foreign;
	name.remove_prefix(kPrefix.size());
	const std::string &session = g_connection->session_name();
	if (name.size() > session.size() && name.substr(0, session.size()) == session && name[session.size()] == '/')
		return FdKind::Ours;
	/* Someone else's session's: a plain socket here, and never data
	 * from the wrong device. Say so once. */
	static std::atomic<bool> told{false};
	if (!told.exchange(true))
		warn("fd " + std::to_string(fd) + " stands in for a file of another softvfio session (" +
		     std::string(name.substr(0, name.find('/'))) + "), which this process is not in");
	return FdKind::Foreign;
}

} /* namespace */

bool releases_lazily(int fd) noexcept
{
	struct sockaddr_un addr;
	const std::string_view name = peer_name(fd, addr);
	return !name.empty() && name.back() == session::wire::kLazyReleaseMark[0];
}

FdKind classify(int fd) noexcept
{
	FdCache::Entry e = g_cache.get(fd);
	if (e.kind != FdKind::Unknown)
		return e.kind;
	if (!kernel_if_created() || fd < 0)
		return FdKind::Foreign;
	FdKind kind = no_throw(FdKind::Foreign, [&] { return standin_kind(fd); });
	g_cache.set_if(fd, e, kind);
	return kind;
}

void note_set(int fd, std::string text) noexcept
{
	std::lock_guard lock(g_notes_lock);
	mark_noted(fd, true);
	try {
		auto [it, added] = g_notes->insert_or_assign(fd, std::move(text));
		(void)it;
		if (added)
			g_note_count.fetch_add(1);
	} catch (...) {
		/* Without memory the fd just has no note. */
	}
}

std::optional<std::string> note_get(int fd) noexcept
{
	if (!g_note_count.load() || !may_have_note(fd))
		return std::nullopt;
	std::lock_guard lock(g_notes_lock);
	auto it = g_notes->find(fd);
	if (it == g_notes->end())
		return std::nullopt;
	try {
		return it->second;
	} catch (...) {
		return std::nullopt;
	}
}

void note_copy(int from, int to) noexcept
{
	if (auto text = note_get(from))
		note_set(to, std::move(*text));
	else
		note_erase(to);
}

void note_erase(int fd) noexcept
{
	if (!g_note_count.load() || !may_have_note(fd))
		return;
	std::lock_guard lock(g_notes_lock);
	if (g_notes->erase(fd))
		g_note_count.fetch_sub(1);
	mark_noted(fd, false);
}

void note_erase_range(unsigned first, unsigned last) noexcept
{
	if (!g_note_count.load())
		return;
	std::lock_guard lock(g_notes_lock);
	for (auto it = g_notes->begin(); it != g_notes->end();) {
		unsigned fd = static_cast<unsigned>(it->first);
		if (fd >= first && fd <= last) {
			mark_noted(it->first, false);
			it = g_notes->erase(it);
			g_note_count.fetch_sub(1);
		} else {
			++it;
		}
	}
}

void fd_forget(int fd) noexcept
{
	g_cache.forget(fd);
	note_erase(fd);
}

void fd_claim(int fd, FdKind kind) noexcept
{
	if (g_cache.get(fd).kind == FdKind::Ours && same_process()) {
		/* Closed behind the shim's back (a raw system call) and reused:
		 * the kernel forgets the number (the stand-in's last close
		 * released the file already, if it was the last). */
		if (KernelCalls *k = kernel_if_created())
			model_call([&] { return k->closed(fd); }, 0L);
	}
	fd_forget(fd);
	if (kind != FdKind::Unknown)
		g_cache.set(fd, kind);
}

int relocate_internal(int fd) noexcept
{
	if (fd < 0)
		return fd;
	struct rlimit rl;
	int base = 4096;
	if (::getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY)
		base = static_cast<int>(std::clamp<rlim_t>(rl.rlim_cur / 2, 64, 4096));
	int flags = REAL(fcntl)(fd, F_GETFD);
	int high = REAL(fcntl)(fd, (flags & FD_CLOEXEC) ? F_DUPFD_CLOEXEC : F_DUPFD, base);
	if (high >= 0) {
		REAL(close)(fd);
		g_cache.forget(fd);
		fd = high;
	}
	g_cache.set(fd, FdKind::Internal);
	return fd;
}

SysfsRoot sysfs_root(bool fresh) noexcept
{
	const SysfsRoot *known = g_sysfs.load(std::memory_order_acquire);
	if (known && !fresh)
		return *known;
	KernelCalls *k = kernel();
	if (!k)
		return {};
	std::string path = model_call([&] { return k->sysfs_root(); }, std::string());
	if (known)
		return *known;
	if (path.empty())
		return {};
	char canonical[PATH_MAX];
	try {
		auto *r = new SysfsRoot{path, REAL(realpath)(path.c_str(), canonical) ? canonical : path};
		const SysfsRoot *expected = nullptr;
		if (!g_sysfs.compare_exchange_strong(expected, r)) {
			delete r;
			return *expected;
		}
		return *r;
	} catch (...) {
		return {};
	}
}

void warn(std::string_view text) noexcept
{
	std::string line = "softvfio-shim: ";
	try {
		line.append(text);
	} catch (...) {
	}
	line += '\n';
	ssize_t r = REAL(write)(2, line.data(), line.size());
	(void)r;
}

} /* namespace softvfio::shim */

/* The session kernel process forked from a program that has the shim
 * loaded (softvfio run inside a session) is no member of any session: it
 * calls this, and every interceptor goes straight to the C library. */
extern "C" __attribute__((visibility("default"))) void softvfio_shim_detach(void)
{
	softvfio::shim::detach();
}
