/* SPDX-License-Identifier: MIT */
#include "shim/state.h"

#include <algorithm>
#include <atomic>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <mutex>
#include <new>
#include <pthread.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <unistd.h>
#include <unordered_map>

#include <softvfio/device_description.h>

#include "shim/config.h"
#include "shim/dir_stream.h"
#include "shim/introspect.h"
#include "shim/real.h"

namespace softvfio::shim {

__thread bool t_keep_low __attribute__((tls_model("initial-exec"))) = false;

namespace {

std::atomic<Kernel *> g_kernel{nullptr};
std::atomic<bool> g_kernel_failed{false};
/* Held while the Kernel is created (which enters the model): taken before
 * the fork gate, and so by the prepare handler before the gate's. */
std::mutex g_create_lock;

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
pid_t g_creator_pid = 0;   /* the process that created the Kernel */
int g_internal_base = 512;

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

std::atomic<uintptr_t> g_lo{UINTPTR_MAX};
std::atomic<uintptr_t> g_hi{0};

std::atomic<const SysfsRoot *> g_sysfs{nullptr};
/* Set by sysfs_changed() (a plain store: it follows every model ioctl),
 * cleared when the view is rendered again. */
std::atomic<bool> g_sysfs_stale{true};

Kernel *create_kernel()
{
	auto parsed = parse_config(std::getenv(kEnvDevices), std::getenv(kEnvProfile), std::getenv(kEnvAccess),
				   std::getenv(kEnvDomain));
	if (auto *e = std::get_if<ConfigError>(&parsed)) {
		warn(e->what + "; software devices disabled");
		return nullptr;
	}
	const ShimConfig &config = std::get<ShimConfig>(parsed);
	KernelOptions options;
	/* Every close, dup and fclose of an emulated fd is seen by the shim
	 * and told to the model, so the model can trust its fd numbers (one
	 * fstat less per call). A program closing fds with raw system calls
	 * asks for the check. */
	const char *verify = std::getenv(kEnvVerifyFds);
	options.verify_fd_identity = verify && std::strcmp(verify, "1") == 0;
	if (config.domain)
		options.domain = *config.domain;
	if (config.access)
		options.access = *config.access;
	auto *k = new Kernel(options);
	for (const DeviceSpec &spec : config.devices) {
		auto desc = resolve_device(spec.source);
		if (auto *e = std::get_if<DescriptionError>(&desc)) {
			warn(std::string(kEnvDevices) + ": " + e->message());
			continue;
		}
		DeviceOptions dopts;
		dopts.bdf = spec.bdf;
		dopts.profile = config.profile;
		auto bdf = k->add_device(std::get<DeviceDescription>(desc), dopts);
		if (!bdf)
			warn(std::string(kEnvDevices) + ": cannot add '" + spec.source + "'" +
			     (spec.bdf.empty() ? "" : " at " + spec.bdf) + ": " + std::strerror(bdf.error()));
	}
	return k;
}

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

void prepare()
{
	g_create_lock.lock();
	g_notes_lock.lock();
	dir_streams_fork_prepare();
}

void parent()
{
	dir_streams_fork_release();
	g_notes_lock.unlock();
	g_create_lock.unlock();
}

void child()
{
	g_pid = ::getpid();
	if (g_pid_mark)
		g_pid_mark->store(kMarked, std::memory_order_relaxed);
	dir_streams_fork_release();
	g_notes_lock.unlock();
	g_create_lock.unlock();
}

__attribute__((constructor)) void shim_init()
{
	real::resolve_all();
	g_pid = ::getpid();
	arm_pid_mark();
	g_notes = new std::unordered_map<int, std::string>;
	struct rlimit rl;
	if (::getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY)
		g_internal_base = static_cast<int>(std::clamp<rlim_t>(rl.rlim_cur / 2, 64, 4096));
	else
		g_internal_base = 4096;
	/* The model's gate first: prepare handlers run in reverse order, so
	 * ours (the creation lock) is taken before the gate. */
	fork_guard_register();
	pthread_atfork(prepare, parent, child);
}

} /* namespace */

Kernel *kernel_if_created() noexcept { return g_kernel.load(std::memory_order_acquire); }

Kernel *kernel() noexcept
{
	if (Kernel *k = g_kernel.load(std::memory_order_acquire))
		return k;
	if (g_kernel_failed.load())
		return nullptr;
	std::lock_guard lock(g_create_lock);
	if (Kernel *k = g_kernel.load(std::memory_order_acquire))
		return k;
	Kernel *k = model_call([] { return create_kernel(); }, static_cast<Kernel *>(nullptr));
	g_creator_pid = ::getpid();
	if (!k)
		g_kernel_failed.store(true);
	g_kernel.store(k, std::memory_order_release);
	introspect_start(k);
	return k;
}

bool same_process() noexcept
{
	if (g_pid_mark && g_pid_mark->load(std::memory_order_relaxed) == kMarked)
		return true;
	return ::getpid() == g_pid;
}

FdCache &fd_cache() noexcept { return g_cache; }

FdKind classify(int fd) noexcept
{
	FdCache::Entry e = g_cache.get(fd);
	if (e.kind != FdKind::Unknown)
		return e.kind;
	Kernel *k = kernel_if_created();
	if (!k || fd < 0)
		return FdKind::Foreign;
	bool ours = model_call([&] { return k->owns_fd(fd); }, false);
	FdKind kind = ours ? FdKind::Ours : FdKind::Foreign;
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
		if (Kernel *k = kernel_if_created()) {
			model_call(
				[&] {
					k->forget_fd(fd);
					return 0;
				},
				0);
			sysfs_changed();
		}
	}
	fd_forget(fd);
	if (kind != FdKind::Unknown)
		g_cache.set(fd, kind);
}

int internal_fd_base() noexcept { return g_internal_base; }

int relocate_internal(int fd) noexcept
{
	if (fd < 0)
		return fd;
	if (fd < g_internal_base) {
		int flags = REAL(fcntl)(fd, F_GETFD);
		int high = REAL(fcntl)(fd, (flags & FD_CLOEXEC) ? F_DUPFD_CLOEXEC : F_DUPFD, g_internal_base);
		if (high >= 0) {
			REAL(close)(fd);
			/* Not fd_forget(): inside the model the shim's own locks
			 * are never taken (fork's prepare order relies on it). */
			g_cache.forget(fd);
			fd = high;
		}
	}
	g_cache.set(fd, FdKind::Internal);
	return fd;
}

int hand_out(int fd, FdKind kind) noexcept
{
	Kernel *k = kernel_if_created();
	int flags = REAL(fcntl)(fd, F_GETFD);
	if (k && flags >= 0) {
		long low = model_call(
			[&] {
				KeepLow keep;
				return k->fcntl_dupfd(fd, 0, flags & FD_CLOEXEC);
			},
			-ENOMEM);
		if (low >= 0 && low < fd) {
			model_call([&] { return k->close(fd); }, 0L);
			fd_forget(fd);
			fd = static_cast<int>(low);
		} else if (low >= 0) {
			model_call([&] { return k->close(static_cast<int>(low)); }, 0L);
			fd_forget(static_cast<int>(low));
		}
	}
	g_cache.set(fd, kind);
	return fd;
}

void envelope_add(uintptr_t start, uintptr_t end) noexcept
{
	uintptr_t lo = g_lo.load();
	while (start < lo && !g_lo.compare_exchange_weak(lo, start)) {
	}
	uintptr_t hi = g_hi.load();
	while (end > hi && !g_hi.compare_exchange_weak(hi, end)) {
	}
}

bool envelope_overlaps(const void *addr, size_t length) noexcept
{
	uintptr_t a = reinterpret_cast<uintptr_t>(addr);
	uintptr_t end = length > UINTPTR_MAX - a ? UINTPTR_MAX : a + (length ? length : 1);
	return a < g_hi.load(std::memory_order_relaxed) && end > g_lo.load(std::memory_order_relaxed);
}

SysfsRoot sysfs_root(bool fresh) noexcept
{
	const SysfsRoot *known = g_sysfs.load(std::memory_order_acquire);
	if (known && (!fresh || !g_sysfs_stale.load()))
		return *known;
	Kernel *k = kernel();
	if (!k)
		return {};
	/* Cleared before rendering: a change made meanwhile marks it again. */
	g_sysfs_stale.store(false);
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

void sysfs_changed() noexcept { g_sysfs_stale.store(true, std::memory_order_relaxed); }

/* The view lives as long as its Kernel, which the shim never destroys (other
 * threads may still be inside it at exit): remove the directory when the
 * process that created it exits normally. A forked child shares it and
 * leaves it alone. */
__attribute__((destructor)) static void remove_sysfs_view()
{
	const SysfsRoot *r = g_sysfs.load();
	if (!r || ::getpid() != g_creator_pid)
		return;
	ModelScope pass;
	std::error_code ec;
	std::filesystem::remove_all(r->path, ec);
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
