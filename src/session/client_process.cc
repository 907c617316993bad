/* SPDX-License-Identifier: MIT */
#include "session/client_process.h"

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <dirent.h>
#include <fcntl.h>
#include <pthread.h>
#include <random>
#include <vector>
#include <sched.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <softvfio/uapi/vfio.h>

#include "base/log.h"
#include "kernel/kernel_impl.h"
#include "kernel/process.h"
#include "session/call.h"
#include "session/dispatch.h"
#include "session/remote_fds.h"
#include "session/remote_mm.h"
#include "session/session_kernel.h"
#include "session/wire/futex.h"

namespace softvfio::session {

namespace {

std::atomic<uint64_t> g_next_id{1};

/* Stack of a serving thread: the model's calls are shallow. */
constexpr size_t kWorkerStack = 512 * 1024;
/* How long a deliverer waits for an acknowledgement before it checks
 * whether the process can still give one. */
constexpr uint64_t kAckPollNs = 20'000'000;

uint64_t random_token()
{
	std::random_device rd;
	return (uint64_t{rd()} << 32) ^ rd() ^ static_cast<uint64_t>(::getpid());
}

/* The process's state letter in /proc/<pid>/stat ('T', 't': stopped);
 * 0 when it is gone, '?' when it could not be read (no fd left here, say):
 * not a reason to stop waiting for it. */
char proc_state(pid_t pid)
{
	char path[64], buf[512];
	std::snprintf(path, sizeof(path), "/proc/%d/stat", static_cast<int>(pid));
	int fd = ::open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT || errno == ESRCH ? 0 : '?';
	ssize_t n = ::read(fd, buf, sizeof(buf) - 1);
	::close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	const char *close_paren = std::strrchr(buf, ')');
	return close_paren && close_paren[1] == ' ' ? close_paren[2] : 0;
}

/* Does the process still map memfd `ino` (its mailbox)? False after an
 * exec the shim did not see (a raw system call). */
bool maps_inode(pid_t pid, uint64_t ino)
{
	char path[64];
	std::snprintf(path, sizeof(path), "/proc/%d/maps", static_cast<int>(pid));
	FILE *f = std::fopen(path, "re");
	/* Unreadable (no fd left here) is not "gone": say it is there. */
	if (!f)
		return errno != ENOENT && errno != ESRCH;
	char line[512];
	char needle[32];
	std::snprintf(needle, sizeof(needle), " %llu ", static_cast<unsigned long long>(ino));
	bool found = false;
	while (!found && std::fgets(line, sizeof(line), f))
		found = std::strstr(line, needle) && std::strstr(line, "softvfio-mailbox");
	std::fclose(f);
	return found;
}

} /* namespace */

Result<std::shared_ptr<ClientProcess>> ClientProcess::create(SessionKernel &session, pid_t pid, UniqueFD pidfd,
							       pid_t parent)
{
	UniqueFD fd(::memfd_create("softvfio-mailbox", MFD_CLOEXEC));
	if (!fd)
		return err(errno);
	if (::ftruncate(fd.get(), static_cast<off_t>(wire::kMailboxSize)) < 0)
		return err(errno);
	void *p = ::mmap(nullptr, wire::kMailboxSize, PROT_READ | PROT_WRITE, MAP_SHARED, fd.get(), 0);
	if (p == MAP_FAILED)
		return err(errno);
	auto *mb = static_cast<wire::Mailbox *>(p);
	wire::Header &h = mb->header;
	h.magic = wire::kMagic;
	h.version = wire::kVersion;
	h.server_pid = static_cast<uint32_t>(::getpid());
	h.signal = static_cast<uint32_t>(session.signal());
	h.token = random_token();
	auto host = std::make_shared<RemoteProcess>(pid, std::move(pidfd));
	std::shared_ptr<ClientProcess> cp(new ClientProcess(session, host, std::move(fd), mb, parent));
	cp->process_ = session.impl().make_process(host, std::make_shared<RemoteFdSpace>(*cp),
						   std::make_unique<RemoteMm>(*cp));
	return cp;
}

ClientProcess::ClientProcess(SessionKernel &session, std::shared_ptr<RemoteProcess> host, UniqueFD mailbox_fd,
			     wire::Mailbox *mailbox, pid_t parent)
	: session_(session), id_(g_next_id.fetch_add(1)), parent_(parent), token_(mailbox->header.token),
	  host_(std::move(host)), mailbox_fd_(std::move(mailbox_fd)), mailbox_(mailbox)
{
}

ClientProcess::~ClientProcess()
{
	/* The tables first: dropping them may release files whose cleanup
	 * reaches other processes (the caller runs this under a WorkScope). */
	process_.reset();
	::munmap(mailbox_, wire::kMailboxSize);
}

void ClientProcess::bind(pid_t pid, UniqueFD pidfd)
{
	/* Before it serves: the VMAs copied from the parent, which its
	 * address space's Host must know of to check what the child answers
	 * to Reserve. */
	static_cast<RemoteMm &>(process_->mm.host()).seed(process_->mm.snapshot(false));
	host_->bind(pid, std::move(pidfd));
}

/* --- serving --- */

bool ClientProcess::spawn(void (*body)(ClientProcess *, unsigned), unsigned arg)
{
	struct Start {
		std::shared_ptr<ClientProcess> self;
		void (*body)(ClientProcess *, unsigned);
		unsigned arg;
	};
	auto *start = new (std::nothrow) Start{shared_from_this(), body, arg};
	if (!start)
		return false;
	pthread_attr_t attr;
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, kWorkerStack);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	pthread_t thread;
	session_.thread_started();
	int e = pthread_create(
		&thread, &attr,
		[](void *p) -> void * {
			std::unique_ptr<Start> s(static_cast<Start *>(p));
			SessionKernel &session = s->self->session();
			s->body(s->self.get(), s->arg);
			s.reset();
			session.thread_finished();
			return nullptr;
		},
		start);
	pthread_attr_destroy(&attr);
	if (e) {
		delete start;
		session_.thread_finished();
		return false;
	}
	return true;
}

void ClientProcess::start_serving()
{
	if (serving_.exchange(true))
		return;
	if (!spawn([](ClientProcess *self, unsigned) { self->doorbell_loop(); }, 0))
		cut_off("no thread to serve it");
}

void ClientProcess::doorbell_loop()
{
	wire::Header &h = mailbox_->header;
	while (!retired()) {
		uint32_t seen = h.doorbell.load(std::memory_order_acquire);
		for (unsigned k = 0; k < wire::kSlots; k++) {
			wire::SlotControl &c = mailbox_->slots[k].c;
			if (c.wanted.load(std::memory_order_acquire) && !c.served.exchange(1))
				if (!spawn([](ClientProcess *self, unsigned slot) { self->serve(slot); }, k))
					c.served.store(0);
		}
		wire::futex_wait(h.doorbell, seen, 500'000'000);
	}
}

void ClientProcess::serve(unsigned k)
{
	wire::Slot &slot = mailbox_->slots[k];
	/* A slot's counts start at zero with its mailbox, and it gets one
	 * worker for the mailbox's life: whatever the client posted before
	 * the worker started is still to be read. */
	uint32_t consumed = 0;
	while (!retired()) {
		uint32_t now = slot.c.to_kernel.load(std::memory_order_acquire);
		if (now == consumed) {
			wire::futex_wait(slot.c.to_kernel, now, 500'000'000);
			continue;
		}
		consumed = now;
		wire::Request req;
		std::memcpy(&req, slot.payload, sizeof(req));
		if (req.h.kind != static_cast<uint32_t>(wire::MsgKind::Request)) {
			cut_off("a message that is not a request");
			return;
		}
		handle(slot, req, consumed);
		follow_client_cpu(slot.c);
	}
}

/* A call and its answer are a synchronous hand-off between the client's
 * thread and this worker, but a futex wake does not tell the scheduler
 * so: the worker is woken where it last ran, and when that is another,
 * idle vCPU every hand-off pays that CPU's wake-up (tens of µs in a guest
 * that halt-polls; docs/performance.md). So the worker runs where its
 * client's thread ran when it last called. The CPU comes from the client:
 * untrusted, and a CPU the session may not use just fails to apply. The
 * affinity is changed after the answer is posted, off the caller's path. */
void ClientProcess::follow_client_cpu(const wire::SlotControl &c)
{
	thread_local int following = -1;
	const uint32_t reported = c.client_cpu.load(std::memory_order_relaxed);
	if (reported == 0 || reported > CPU_SETSIZE || static_cast<int>(reported - 1) == following)
		return;
	following = static_cast<int>(reported - 1);
	cpu_set_t set;
	CPU_ZERO(&set);
	CPU_SET(following, &set);
	(void)::sched_setaffinity(0, sizeof(set), &set);
}

namespace {

/* A call whose outcome depends on what every process that has ended held:
 * a group, a device's cdev or its device fd opened (busy while open
 * elsewhere; reset at the first open). */
bool opens_a_device(const wire::Request &req)
{
	const auto op = static_cast<wire::Op>(req.h.op);
	return op == wire::Op::Open ||
	       (op == wire::Op::Ioctl && static_cast<unsigned long>(req.a[1]) == VFIO_GROUP_GET_DEVICE_FD);
}

} /* namespace */

void ClientProcess::handle(wire::Slot &slot, const wire::Request &req, uint32_t &consumed)
{
	Call call(*this, slot, req, consumed);
	long result;
	{
		CallScope in_call(call);
		WorkScope work;
		try {
			take_closed_numbers();
			if (opens_a_device(req))
				session_.settle();
			result = dispatch(*this, call, req);
		} catch (...) {
			result = -ENOMEM;
		}
		/* Other processes' mappings are done before the caller hears
		 * back (the WorkScope delivers at its end, no lock held). */
	}
	call.reply(result);
}

void ClientProcess::take_closed_numbers()
{
	wire::ClosedNumbers &closed = mailbox_->header.closed;
	const uint64_t now = wire::closed_generation(closed);
	if (closed_seen_.load(std::memory_order_acquire) == now)
		return;
	/* Only the entries: the stand-in's hang-up releases the file, and
	 * the entries hold nothing (RemoteFdSpace). A number still open (its
	 * close under way, or a bit the process had no reason to set) is
	 * found again by identity at its next use. A reference the table
	 * lent meanwhile is let go of after the lock. */
	std::vector<std::shared_ptr<vfs::File>> lent;
	{
		std::lock_guard guard(closed_lock_);
		if (closed_seen_.load(std::memory_order_relaxed) == now)
			return;
		wire::take_closed(closed, [&](int fd) {
			if (auto f = process().fds.forget_closed(fd); f.file)
				lent.push_back(std::move(f.file));
		});
		closed_seen_.store(now, std::memory_order_release);
	}
}

void ClientProcess::retire()
{
	State s = state();
	if (s == State::Retired)
		return;
	set_state(State::Retired);
	/* Nobody serves the mailbox from now on: a call the process makes,
	 * or is waiting in, fails with ENODEV instead of waiting for a worker
	 * that left (a cut-off process is told so already). */
	uint32_t alive = static_cast<uint32_t>(wire::MailboxState::Alive);
	mailbox_->header.state.compare_exchange_strong(alive, static_cast<uint32_t>(wire::MailboxState::Dead),
						       std::memory_order_acq_rel);
	wire::futex_wake(mailbox_->header.doorbell, INT32_MAX);
	for (auto &slot : mailbox_->slots) {
		wire::futex_wake(slot.c.to_kernel, INT32_MAX);
		wire::futex_wake(slot.c.to_client, INT32_MAX);
	}
	wire::futex_wake(mailbox_->header.done, INT32_MAX);
}

void ClientProcess::cut_off(const char *why)
{
	char text[160];
	std::snprintf(text, sizeof(text), "session: cutting off process %d: %s", static_cast<int>(pid()), why);
	log::message(log::Level::Warning, text);
	mailbox_->header.state.store(static_cast<uint32_t>(wire::MailboxState::CutOff), std::memory_order_release);
	retire();
}

/* --- mm work --- */

uint64_t ClientProcess::queue_state(uint64_t vma, bool live, uint64_t seq)
{
	std::lock_guard guard(work_lock_);
	waiting_.push_back(wire::WorkEntry{static_cast<uint32_t>(wire::WorkKind::State), live ? 1u : 0u, vma, seq, 0});
	return ++queued_;
}

uint64_t ClientProcess::queue_dead()
{
	std::lock_guard guard(work_lock_);
	waiting_.push_back(wire::WorkEntry{static_cast<uint32_t>(wire::WorkKind::Dead), 0, 0, 0, 0});
	return ++queued_;
}

/* Write waiting entries into the ring while it has room (work_lock_). */
void ClientProcess::post_locked()
{
	wire::Header &h = mailbox_->header;
	const uint32_t done = h.done.load(std::memory_order_acquire);
	while (!waiting_.empty() && static_cast<uint32_t>(posted_ - done) < wire::kWorkEntries) {
		h.work[posted_ % wire::kWorkEntries] = waiting_.front();
		waiting_.pop_front();
		posted_++;
	}
	h.posted.store(posted_, std::memory_order_release);
}

siginfo_t ClientProcess::signal_info() const
{
	siginfo_t info;
	std::memset(&info, 0, sizeof(info));
	info.si_signo = session_.signal();
	info.si_code = SI_QUEUE;
	info.si_pid = kernel_pid_;
	info.si_uid = kernel_uid_;
	info.si_value.sival_int = wire::kSignalValue;
	return info;
}

bool ClientProcess::signal()
{
	siginfo_t info = signal_info();
	const bool sent = ::syscall(SYS_pidfd_send_signal, host_->pidfd(), session_.signal(), &info, 0) == 0;
	/* Its threads waiting for a reply apply the work too: one of them may
	 * hold its mm table with the signal blocked while its call waits for
	 * a lock the caller of this delivery holds (a revocation delivers
	 * under memory_lock, mm/zap_fence.h). */
	for (wire::Slot &slot : mailbox_->slots)
		if (slot.c.owner.load(std::memory_order_relaxed) != 0)
			wire::futex_wake(slot.c.to_client, INT32_MAX);
	return sent;
}

/* A stopped process cannot acknowledge until it is continued, and the
 * signal sent to the process would then run in one of its threads while
 * the others may touch the mappings first. The signal is made pending in
 * every thread instead: a continued thread runs the handler before any
 * instruction of its own (the first applies the work, under the mm table's
 * lock, the others find it done). A stopped process makes no new thread. */
void ClientProcess::signal_every_thread()
{
	char path[64];
	std::snprintf(path, sizeof(path), "/proc/%d/task", static_cast<int>(pid()));
	DIR *tasks = ::opendir(path);
	if (!tasks)
		return;
	while (const dirent *e = ::readdir(tasks)) {
		char *end;
		const long tid = std::strtol(e->d_name, &end, 10);
		if (*end || tid <= 0)
			continue;
		siginfo_t info = signal_info();
		::syscall(SYS_rt_tgsigqueueinfo, static_cast<int>(pid()), static_cast<int>(tid), session_.signal(), &info);
	}
	::closedir(tasks);
}

bool ClientProcess::image_replaced()
{
	if (state() != State::Execing || image_replaced_.load() || host_->exited())
		return false;
	struct stat sb;
	if (::fstat(mailbox_fd_.get(), &sb) < 0 || maps_inode(pid(), static_cast<uint64_t>(sb.st_ino)))
		return false;
	return !image_replaced_.exchange(true);
}

/* Can the process not acknowledge now, and need not? */
bool ClientProcess::unreachable()
{
	State s = state();
	if (s == State::Retired || s == State::Execing || s == State::Forking || host_->exited())
		return true;
	/* A stopped process runs its pending handler before any instruction
	 * of its own when it is continued (in every thread). */
	char st = proc_state(pid());
	if (st == 'T' || st == 't') {
		signal_every_thread();
		return true;
	}
	if (st == 'Z' || st == 'X' || st == 0)
		return true;
	/* An exec the shim did not see took the mappings with the mailbox. */
	struct stat sb;
	if (::fstat(mailbox_fd_.get(), &sb) == 0 && !maps_inode(pid(), static_cast<uint64_t>(sb.st_ino))) {
		set_state(State::Execing);
		return true;
	}
	return false;
}

bool ClientProcess::post_and_check(uint64_t upto, uint64_t &posted, uint32_t &done)
{
	{
		std::lock_guard guard(work_lock_);
		post_locked();
		posted = posted_;
	}
	done = mailbox_->header.done.load(std::memory_order_acquire);
	/* Entries are counted modulo 2^32 in `done`. */
	if (posted >= upto && static_cast<int32_t>(done - static_cast<uint32_t>(upto)) >= 0)
		return true;
	return state() == State::Forking || state() == State::Retired;
}

uint64_t ClientProcess::start_delivery(uint64_t upto)
{
	std::lock_guard one(deliver_lock_);
	uint64_t posted;
	uint32_t done;
	if (post_and_check(upto, posted, done))
		return 0;
	return signal() ? posted : 0;
}

void ClientProcess::deliver(uint64_t upto, uint64_t signalled)
{
	std::lock_guard one(deliver_lock_);
	for (;;) {
		uint64_t posted;
		uint32_t done;
		if (post_and_check(upto, posted, done))
			return;
		if (posted > signalled) {
			if (!signal())
				return;
			signalled = posted;
		}
		if (wire::futex_wait(mailbox_->header.done, done, kAckPollNs) == -ETIMEDOUT) {
			if (unreachable())
				return;
			/* Ask again: a process that blocked the signal for a moment
			 * takes it when it unblocks, but let nothing hang on that. */
			signalled = 0;
		}
	}
}

} /* namespace softvfio::session */
