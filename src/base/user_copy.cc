/* SPDX-License-Identifier: MIT */
#include "base/user_copy.h"

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <csetjmp>
#include <csignal>
#include <cstring>
#include <mutex>
#include <pthread.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <ucontext.h>

#include "base/host_process.h"
#include "base/register_pieces.h"

/* The C library's own sigaction under its other exported name (glibc,
 * GLIBC_2.2.5), which no interposer defines. */
extern "C" int __sigaction(int sig, const struct sigaction *act, struct sigaction *old);

namespace softvfio {

namespace {

struct Guard {
	sigjmp_buf jump;
};

/* Initial-exec TLS: one fs-relative load on every guarded copy (the
 * default model calls __tls_get_addr from a shared library), and safe to
 * read from the fault handler, where lazily allocated TLS is not. */
__thread Guard *t_guard __attribute__((tls_model("initial-exec"))) = nullptr;

/* The actions faults are handed to, per signal. Double-buffered: the fault
 * handler reads the current slot while a sigaction() from another thread
 * writes the other one and then flips the index. */
struct Chain {
	struct sigaction slots[2];
	std::atomic<int> current{0};
};
Chain g_chain[2];
std::atomic<bool> g_installed{false};
std::once_flag g_install_once;
std::mutex g_install_lock;   /* installation and every change of g_chain */

int slot(int sig) { return sig == SIGSEGV ? 0 : 1; }

/* The kernel's action itself, past every interposer of sigaction: the
 * shim's, which would take this for the program's own call, and a
 * sanitizer runtime's. ThreadSanitizer's (preloaded ahead of the shim, so
 * first in symbol lookup) would keep our handler in its own table and lay
 * its wrapper in the kernel; the program's next sigaction(SIGSEGV) through
 * it then replaces our handler in that table, however the shim chains the
 * wrapper. Laid directly, our handler stays where the kernel delivers, and
 * the wrapper, with the program's handler behind it, is what we chain. */
int real_sigaction(int sig, const struct sigaction *act, struct sigaction *old)
{
	return __sigaction(sig, act, old);
}

void set_chained_locked(int sig, const struct sigaction &act)
{
	Chain &c = g_chain[slot(sig)];
	int next = 1 - c.current.load();
	c.slots[next] = act;
	c.current.store(next);
}

/* Hand a fault that is not ours to whoever handled it before us. */
void chain(int sig, siginfo_t *info, void *context)
{
	const Chain &c = g_chain[slot(sig)];
	struct sigaction prev = c.slots[c.current.load()];
	if (!(prev.sa_flags & SA_SIGINFO) && (prev.sa_handler == SIG_DFL || prev.sa_handler == SIG_IGN)) {
		/* Returning re-runs the faulting access under the default
		 * action, which is what the program would have seen (the
		 * kernel kills for an ignored fault too); a signal that was
		 * sent rather than caused is ignored or sent again. */
		if (prev.sa_handler == SIG_IGN && info->si_code <= 0)
			return;
		real_sigaction(sig, &prev, nullptr);
		if (info->si_code <= 0)
			raise(sig);
		return;
	}
	/* What the kernel does on delivery: block the handler's mask and,
	 * unless SA_NODEFER, the signal; SA_RESETHAND makes it one-shot. */
	if (prev.sa_flags & SA_RESETHAND) {
		struct sigaction dfl = {};
		dfl.sa_handler = SIG_DFL;
		set_chained_locked(sig, dfl);
	}
	sigset_t block = prev.sa_mask, saved;
	if (!(prev.sa_flags & SA_NODEFER))
		sigaddset(&block, sig);
	pthread_sigmask(SIG_BLOCK, &block, &saved);
	if (prev.sa_flags & SA_SIGINFO)
		prev.sa_sigaction(sig, info, context);
	else
		prev.sa_handler(sig);
	pthread_sigmask(SIG_SETMASK, &saved, nullptr);
}

/* The interceptors, asked in the order they were set (the session
 * client's register traps, the in-process model's); a free slot is null. */
constexpr size_t kMaxInterceptors = 4;
std::atomic<FaultInterceptor> g_interceptors[kMaxInterceptors];

void on_fault(int sig, siginfo_t *info, void *context);

FaultVerdict intercept(int sig, siginfo_t *info, void *context)
{
	for (const auto &entry : g_interceptors) {
		FaultInterceptor f = entry.load(std::memory_order_acquire);
		if (!f)
			break;
		if (FaultVerdict v = f(sig, info, context); v != FaultVerdict::NotOurs)
			return v;
	}
	return FaultVerdict::NotOurs;
}

/* SIGBUS for an access that faulted as SIGSEGV (a trapped register access
 * the model refused): the program's SIGBUS action with the kernel's kind
 * of siginfo; under the default action, death by SIGBUS (returning would
 * re-run the access and fault as SIGSEGV again). */
void raise_sigbus(const siginfo_t *fault, void *context)
{
	siginfo_t bus;
	std::memset(&bus, 0, sizeof(bus));
	bus.si_signo = SIGBUS;
	bus.si_code = BUS_ADRERR;
	bus.si_addr = fault->si_addr;
	const Chain &c = g_chain[slot(SIGBUS)];
	struct sigaction prev = c.slots[c.current.load()];
	/* Without an interposer (the in-process model) the program may have
	 * replaced our SIGBUS handler in the kernel: its action is the one to
	 * take, through the kernel. */
	struct sigaction now = {};
	const bool replaced = real_sigaction(SIGBUS, nullptr, &now) == 0 &&
			      !((now.sa_flags & SA_SIGINFO) && now.sa_sigaction == on_fault);
	if (replaced || (!(prev.sa_flags & SA_SIGINFO) && (prev.sa_handler == SIG_DFL || prev.sa_handler == SIG_IGN))) {
		/* An ignored SIGBUS of a fault kills, as the kernel's would. */
		if (!replaced || (!(now.sa_flags & SA_SIGINFO) && now.sa_handler == SIG_IGN)) {
			struct sigaction dfl = {};
			dfl.sa_handler = SIG_DFL;
			real_sigaction(SIGBUS, &dfl, nullptr);
		}
		sigset_t one;
		sigemptyset(&one);
		sigaddset(&one, SIGBUS);
		pthread_sigmask(SIG_UNBLOCK, &one, nullptr);
		::syscall(SYS_rt_tgsigqueueinfo, ::getpid(), static_cast<pid_t>(::syscall(SYS_gettid)), SIGBUS, &bus);
		return;
	}
	chain(SIGBUS, &bus, context);
}

void on_fault(int sig, siginfo_t *info, void *context)
{
	if (Guard *guard = t_guard) {
		t_guard = nullptr;
		/* Leave with the mask the faulting code had (the context's):
		 * SA_NODEFER should keep the signal unblocked, but sanitizer
		 * runtimes that wrap handlers may not honour it, and
		 * ThreadSanitizer's wrapper blocks more than this signal (a
		 * later SIGBUS would then kill the process). The hot path
		 * saves no mask (sigsetjmp(.., 0)). */
		pthread_sigmask(SIG_SETMASK, &static_cast<ucontext_t *>(context)->uc_sigmask, nullptr);
		siglongjmp(guard->jump, 1);
	}
	switch (intercept(sig, info, context)) {
	case FaultVerdict::Handled:
		return;
	case FaultVerdict::Sigbus:
		raise_sigbus(info, context);
		return;
	case FaultVerdict::NotOurs:
		break;
	}
	chain(sig, info, context);
}

void install_handlers()
{
	std::lock_guard lock(g_install_lock);
	struct sigaction sa = {};
	sa.sa_sigaction = on_fault;
	/* SA_NODEFER: we leave the handler by longjmp without restoring the
	 * signal mask, so the signal must not be blocked while it runs. */
	sa.sa_flags = SA_SIGINFO | SA_NODEFER | SA_ONSTACK;
	sigemptyset(&sa.sa_mask);
	for (int sig : {SIGSEGV, SIGBUS}) {
		Chain &c = g_chain[slot(sig)];
		real_sigaction(sig, &sa, &c.slots[0]);
		c.current.store(0);
	}
	g_installed.store(true);
}

/* The copy itself must not be instrumented: a sanitizer would report the
 * very bad pointer we are about to turn into EFAULT, and racing user writes
 * are the caller's business, as they are for the kernel. */
__attribute__((no_sanitize("address", "thread", "undefined"), noinline))
void raw_copy(void *dst, const void *src, size_t n)
{
	auto *d = static_cast<volatile unsigned char *>(dst);
	auto *s = static_cast<const volatile unsigned char *>(src);
	size_t i = 0;
	for (; i + 8 <= n; i += 8) {
		uint64_t word;
		__builtin_memcpy(&word, const_cast<const unsigned char *>(s + i), 8);
		__builtin_memcpy(const_cast<unsigned char *>(d + i), &word, 8);
	}
	for (; i < n; i++)
		d[i] = s[i];
}

/* The same for a comparison: equal or not. */
__attribute__((no_sanitize("address", "thread", "undefined"), noinline))
bool raw_equal(const void *a, const void *b, size_t n)
{
	auto *x = static_cast<const volatile unsigned char *>(a);
	auto *y = static_cast<const volatile unsigned char *>(b);
	size_t i = 0;
	for (; i + 8 <= n; i += 8) {
		uint64_t u, v;
		__builtin_memcpy(&u, const_cast<const unsigned char *>(x + i), 8);
		__builtin_memcpy(&v, const_cast<const unsigned char *>(y + i), 8);
		if (u != v)
			return false;
	}
	for (; i < n; i++)
		if (x[i] != y[i])
			return false;
	return true;
}

/* Run `access` (raw_copy or raw_equal on the caller's memory) with a
 * fault on it turned into EFAULT. */
template<typename Access>
__attribute__((noinline)) Result<void> guarded(Access &&access)
{
	/* Installed once; afterwards a plain load (call_once itself costs a
	 * TLS lookup through __tls_get_addr on every copy). */
	if (!g_installed.load(std::memory_order_acquire))
		std::call_once(g_install_once, install_handlers);
	Guard guard;
	if (sigsetjmp(guard.jump, 0)) {
		std::atomic_signal_fence(std::memory_order_seq_cst);
		return err(EFAULT);
	}
	t_guard = &guard;
	std::atomic_signal_fence(std::memory_order_seq_cst);
	access();
	std::atomic_signal_fence(std::memory_order_seq_cst);
	t_guard = nullptr;
	return {};
}

Result<void> guarded_copy(void *dst, const void *src, size_t n)
{
	if (n == 0)
		return {};
	return guarded([&] { raw_copy(dst, src, n); });
}

} /* namespace */

} /* namespace softvfio */

extern "C" int softvfio_intercept_fault(int sig, siginfo_t *info, void *context)
{
	return static_cast<int>(softvfio::intercept(sig, info, context));
}

namespace softvfio {

bool set_fault_interceptor(FaultInterceptor f)
{
	bool added = false;
	for (auto &entry : g_interceptors) {
		FaultInterceptor expected = nullptr;
		if (entry.compare_exchange_strong(expected, f, std::memory_order_acq_rel) || expected == f) {
			added = true;
			break;
		}
	}
	if (!added)
		return false;
	if (!g_installed.load(std::memory_order_acquire))
		std::call_once(g_install_once, install_handlers);
	return true;
}

int fault_guard_sigaction(int sig, const struct sigaction *act, struct sigaction *old, SigactionFn next)
{
	if (sig != SIGSEGV && sig != SIGBUS)
		return next ? next(sig, act, old) : real_sigaction(sig, act, old);
	std::lock_guard lock(g_install_lock);
	if (!g_installed.load())
		return next ? next(sig, act, old) : real_sigaction(sig, act, old);
	const Chain &c = g_chain[slot(sig)];
	if (old)
		*old = c.slots[c.current.load()];
	if (act)
		set_chained_locked(sig, *act);
	return 0;
}

/* The calling process is another one when the session kernel serves it:
 * its memory is reached from outside (base/host_process.h). */
Result<void> copy_from_user(void *dst, const void *user_src, size_t n)
{
	if (HostProcess *remote = current_remote_host())
		return n ? remote->read_memory(dst, reinterpret_cast<uintptr_t>(user_src), n) : Result<void>{};
	return guarded_copy(dst, user_src, n);
}

size_t copy_user_prefix(unsigned char *local, uintptr_t user, size_t n, bool store)
{
	constexpr uintptr_t kPage = 4096;
	auto copy = [&](uintptr_t at, unsigned char *to, size_t len) {
		auto *p = reinterpret_cast<void *>(at);
		return static_cast<bool>(store ? copy_to_user(p, to, len) : copy_from_user(to, p, len));
	};
	if (copy(user, local, n))
		return n;
	size_t done = 0;
	while (done < n) {
		const size_t len = std::min<size_t>(n - done, kPage - ((user + done) & (kPage - 1)));
		if (!copy(user + done, local + done, len))
			break;
		done += len;
	}
	return done;
}

Result<void> copy_to_user(void *user_dst, const void *src, size_t n)
{
	if (HostProcess *remote = current_remote_host())
		return n ? remote->write_memory(reinterpret_cast<uintptr_t>(user_dst), src, n) : Result<void>{};
	return guarded_copy(user_dst, src, n);
}

namespace {

/* The same for a process served from outside: through its memory's
 * reads and writes (out of line: the local case is a hot path). */
__attribute__((noinline)) Result<bool> remote_compare_and_write(uintptr_t base, const UserBytes *expect,
								size_t n_expect, const UserBytes *answer,
								size_t n_answer)
{
	unsigned char buf[256];
	for (size_t i = 0; i < n_expect; i++)
		for (size_t at = 0; at < expect[i].length; at += sizeof(buf)) {
			const size_t chunk = std::min<size_t>(sizeof(buf), expect[i].length - at);
			SVFIO_TRY(copy_from_user(buf, user_ptr(base + expect[i].offset + at), chunk));
			if (std::memcmp(buf, expect[i].bytes + at, chunk) != 0)
				return false;
		}
	for (size_t i = 0; i < n_answer; i++)
		SVFIO_TRY(copy_to_user(user_ptr(base + answer[i].offset), answer[i].bytes, answer[i].length));
	return true;
}

} /* namespace */

Result<bool> user_compare_and_write(uintptr_t base, const UserBytes *expect, size_t n_expect,
				    const UserBytes *answer, size_t n_answer)
{
	if (current_remote_host())
		return remote_compare_and_write(base, expect, n_expect, answer, n_answer);
	/* Written by the access, read after the jump point: volatile. */
	volatile bool same = false;
	SVFIO_TRY(guarded([&] {
		for (size_t i = 0; i < n_expect; i++)
			if (!raw_equal(user_ptr(base + expect[i].offset), expect[i].bytes, expect[i].length))
				return;
		for (size_t i = 0; i < n_answer; i++)
			raw_copy(user_ptr(base + answer[i].offset), answer[i].bytes, answer[i].length);
		same = true;
	}));
	return static_cast<bool>(same);
}

Result<std::string> copy_string_from_user(const char *user_src, size_t max)
{
	std::string out;
	if (HostProcess *remote = current_remote_host()) {
		/* A page at a time: a string may end just before memory the
		 * process cannot read. */
		HostProcess &plain = remote->plain();
		uintptr_t at = reinterpret_cast<uintptr_t>(user_src);
		while (out.size() < max) {
			size_t chunk = std::min<size_t>(4096 - (at & 4095), max - out.size());
			char buf[4096];
			auto r = plain.read_memory(buf, at, chunk);
			if (!r && r.error() == EFAULT && &plain != remote) {
				/* A page of device registers: read as Linux's
				 * strncpy_from_user reads a BAR mapping, a word at
				 * a time up to the one holding the NUL, never on
				 * to the page's end (a register read may have an
				 * effect). */
				for (size_t i = 0; i < chunk;) {
					const unsigned width = register_piece_width(at + i, chunk - i);
					SVFIO_TRY(remote->read_memory(buf + i, at + i, width));
					for (unsigned j = 0; j < width; j++) {
						if (buf[i + j] == '\0')
							return out;
						out.push_back(buf[i + j]);
					}
					i += width;
				}
				at += chunk;
				continue;
			}
			SVFIO_TRY(r);
			for (size_t i = 0; i < chunk; i++) {
				if (buf[i] == '\0')
					return out;
				out.push_back(buf[i]);
			}
			at += chunk;
		}
		return err(EINVAL);
	}
	for (size_t i = 0; i < max; i++) {
		char c;
		SVFIO_TRY(guarded_copy(&c, user_src + i, 1));
		if (c == '\0')
			return out;
		out.push_back(c);
	}
	return err(EINVAL);
}

} /* namespace softvfio */
