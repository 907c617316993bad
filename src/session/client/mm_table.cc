/* SPDX-License-Identifier: MIT */
/*
 * The client's mm table. Built without ThreadSanitizer instrumentation: the
 * session signal's handler runs this code at any instruction of any thread,
 * behind the back of the sanitizer's own signal handling. Every memory
 * operation is a raw system call, for the same reason and so that the
 * shim's interceptors never see them.
 */
#include "session/client/mm_table.h"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "session/client/sys.h"

namespace softvfio::session {

namespace {

constexpr size_t kPage = 4096;

/* A second mapping of the pages `src` maps (a shared mapping), laid at
 * `dest` over whatever is there, at the same file offset. */
int dup_mapping(uintptr_t src, size_t length, uintptr_t dest) noexcept
{
	long r = sys::mremap(src, 0, length, MREMAP_MAYMOVE | MREMAP_FIXED, dest);
	return r < 0 ? static_cast<int>(r) : 0;
}

} /* namespace */

int MmTable::init(pid_t server, int empty_fd, int signal) noexcept
{
	server_ = server;
	empty_fd_ = empty_fd;
	signal_ = signal;
	char path[64];
	std::snprintf(path, sizeof(path), "/proc/%d/fd/%d", static_cast<int>(server), empty_fd);
	int fd = sys::open_momentary(path, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return fd;
	long p = sys::mmap(0, kPage, PROT_NONE, MAP_SHARED, fd, 0);
	sys::close(fd);
	if (p < 0)
		return static_cast<int>(p);
	base_empty_ = static_cast<uintptr_t>(p);
	return 0;
}

MmTable::Guard::Guard(MmTable &table) noexcept : table_(table)
{
	sigset_t block;
	sigemptyset(&block);
	sigaddset(&block, table.signal_);
	sys::sigprocmask(SIG_BLOCK, &block, &saved_);
	table_.lock_.lock();
}

MmTable::Guard::~Guard()
{
	table_.lock_.unlock();
	sys::sigprocmask(SIG_SETMASK, &saved_, nullptr);
}

bool MmTable::may_contain(uintptr_t addr, size_t length) const noexcept
{
	uintptr_t end = range_end(addr, length ? length : 1);
	return addr < hi_.load(std::memory_order_acquire) && end > lo_.load(std::memory_order_acquire);
}

void MmTable::widen(uintptr_t lo, uintptr_t hi) noexcept
{
	uintptr_t cur = lo_.load();
	while (lo < cur && !lo_.compare_exchange_weak(cur, lo)) {
	}
	cur = hi_.load();
	while (hi > cur && !hi_.compare_exchange_weak(cur, hi)) {
	}
}

bool MmTable::contains(uintptr_t addr, size_t length) const noexcept
{
	uintptr_t end = range_end(addr, length ? length : 1);
	for (size_t i = 0; i < nvma_; i++)
		if (vmas_[i].start < end && addr < vmas_[i].end)
			return true;
	return false;
}

const MmTable::Vma *MmTable::vma_holding(uintptr_t addr, size_t length) const noexcept
{
	for (size_t i = 0; i < nvma_; i++)
		if (vmas_[i].start <= addr && addr < vmas_[i].end && length <= vmas_[i].end - addr)
			return &vmas_[i];
	return nullptr;
}

MmTable::Vma *MmTable::find(uint64_t id) noexcept
{
	for (size_t i = 0; i < nvma_; i++)
		if (vmas_[i].id == id)
			return &vmas_[i];
	return nullptr;
}

/* Arrays live in anonymous memory of their own: growing never calls
 * malloc, and only a caller holding the Guard grows them. */
int MmTable::grow(void *&array, size_t &capacity, size_t elem) noexcept
{
	size_t want = capacity ? capacity * 2 : 64;
	size_t old_bytes = (capacity * elem + kPage - 1) & ~(kPage - 1);
	size_t new_bytes = (want * elem + kPage - 1) & ~(kPage - 1);
	long p = array ? sys::mremap(reinterpret_cast<uintptr_t>(array), old_bytes, new_bytes, MREMAP_MAYMOVE, 0)
		       : sys::mmap(0, new_bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p < 0)
		return static_cast<int>(p);
	array = reinterpret_cast<void *>(p);
	capacity = new_bytes / elem;
	return 0;
}

/* Room for `count` runs at the end of the pool, compacting it first when
 * it is full of runs of VMAs that are gone. */
int MmTable::reserve_runs(uint32_t count, uint32_t &first) noexcept
{
	if (nrun_ + count > cap_run_) {
		size_t live = 0;
		for (size_t i = 0; i < nvma_; i++)
			live += vmas_[i].run_count;
		if (live + count <= cap_run_ && live < nrun_) {
			/* Compact in place: VMAs in order of their first run. */
			size_t at = 0;
			for (;;) {
				Vma *next = nullptr;
				for (size_t i = 0; i < nvma_; i++)
					if (vmas_[i].run_first >= at && (!next || vmas_[i].run_first < next->run_first))
						next = &vmas_[i];
				if (!next)
					break;
				std::memmove(&runs_[at], &runs_[next->run_first], next->run_count * sizeof(Run));
				next->run_first = static_cast<uint32_t>(at);
				/* A VMA always has a run, so `at` moves on. */
				at += std::max<uint32_t>(next->run_count, 1);
			}
			nrun_ = at;
		}
		while (nrun_ + count > cap_run_) {
			void *a = runs_;
			if (int e = grow(a, cap_run_, sizeof(Run)))
				return e;
			runs_ = static_cast<Run *>(a);
		}
	}
	first = static_cast<uint32_t>(nrun_);
	nrun_ += count;
	return 0;
}

/* The template holding a Run op's range, mapped now if need be (a
 * momentary fd: the calling thread, never the handler, gets here). */
int MmTable::find_template(const wire::MmOp &run) noexcept
{
	const uint64_t ino = run.f[3];
	uint64_t ext_off = run.f[4], ext_len = run.f[5];
	if (ext_len == 0) {
		ext_off = run.f[2];
		ext_len = run.f[1];
	}
	const uint64_t lo = run.f[2], hi = run.f[2] + run.f[1];
	for (size_t i = 0; i < ntemplate_; i++) {
		const Template &t = templates_[i];
		if (t.ino == ino && t.extent_offset <= lo && hi <= t.extent_offset + t.extent_length)
			return static_cast<int>(i);
	}
	if (ntemplate_ == cap_template_) {
		void *a = templates_;
		if (int e = grow(a, cap_template_, sizeof(Template)))
			return e;
		templates_ = static_cast<Template *>(a);
	}
	char path[64];
	std::snprintf(path, sizeof(path), "/proc/%d/fd/%u", static_cast<int>(server_), run.flags);
	int fd = sys::open_momentary(path, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return fd;
	struct stat st;
	if (sys::fstat(fd, &st) < 0 || static_cast<uint64_t>(st.st_ino) != ino) {
		/* The kernel's fd number meant another object by now. */
		sys::close(fd);
		return -ESTALE;
	}
	long live = sys::mmap(0, ext_len, PROT_NONE, MAP_SHARED, fd, static_cast<off_t>(ext_off));
	sys::close(fd);
	if (live < 0)
		return static_cast<int>(live);
	std::snprintf(path, sizeof(path), "/proc/%d/fd/%d", static_cast<int>(server_), empty_fd_);
	int efd = sys::open_momentary(path, O_RDWR | O_CLOEXEC);
	long revoked = efd < 0 ? efd : sys::mmap(0, ext_len, PROT_NONE, MAP_SHARED, efd, static_cast<off_t>(ext_off));
	if (efd >= 0)
		sys::close(efd);
	if (revoked < 0) {
		sys::munmap(static_cast<uintptr_t>(live), ext_len);
		return static_cast<int>(revoked);
	}
	templates_[ntemplate_] = Template{ino, ext_off, ext_len, static_cast<uintptr_t>(live),
					  static_cast<uintptr_t>(revoked), {}};
	return static_cast<int>(ntemplate_++);
}

/* The copy of template `t` (live or revoked) with protection `prot` and
 * MADV_DONTDUMP (vfio mappings are VM_DONTDUMP), made now if it is the
 * first; 0 if it cannot be. A mapping duplicated with mremap takes both
 * from its source. */
uintptr_t MmTable::template_with(Template &t, bool live, int prot) noexcept
{
	uintptr_t &base = t.with_prot[live][prot & 7];
	if (base)
		return base;
	const uintptr_t from = live ? t.live_base : t.revoked_base;
	long p = sys::mremap(from, 0, t.extent_length, MREMAP_MAYMOVE, 0);
	if (p < 0)
		return 0;
	if ((prot & 7) != PROT_NONE && sys::mprotect(static_cast<uintptr_t>(p), t.extent_length, prot & 7) < 0) {
		sys::munmap(static_cast<uintptr_t>(p), t.extent_length);
		return 0;
	}
	sys::madvise(static_cast<uintptr_t>(p), t.extent_length, MADV_DONTDUMP);
	base = static_cast<uintptr_t>(p);
	return base;
}

/* Lay every run of `v`, live or revoked, over its range: each in one
 * mremap, with its protection from the template it comes from. */
int MmTable::install(const Vma &v, bool live) noexcept
{
	for (uint32_t i = 0; i < v.run_count; i++) {
		const Run &r = runs_[v.run_first + i];
		Template &t = templates_[r.tmpl];
		const uintptr_t dest = v.start + r.vma_offset;
		const int prot = real_prot(v, live);
		const uintptr_t base = template_with(t, live, prot);
		if (base) {
			if (int e = dup_mapping(base + (r.file_offset - t.extent_offset), r.length, dest))
				return e;
		} else {
			/* No room for another template: in two steps. */
			const uintptr_t src = (live ? t.live_base : t.revoked_base) + (r.file_offset - t.extent_offset);
			if (int e = dup_mapping(src, r.length, dest))
				return e;
			if (prot != PROT_NONE && sys::mprotect(dest, r.length, prot) < 0)
				return -errno;
			sys::madvise(dest, r.length, MADV_DONTDUMP);
		}
		/* DONTFORK is the program's. */
		if (v.dontfork)
			sys::madvise(dest, r.length, MADV_DONTFORK);
	}
	return 0;
}

void MmTable::assert_state(Vma &v, bool live, uint64_t seq) noexcept
{
	if (seq <= v.seq)
		return;
	v.seq = seq;
	if (live == v.live)
		return;
	if (install(v, live) == 0 || !live) {
		v.live = live;
		return;
	}
	/* A restore that could not be laid: keep it revoked. */
	(void)install(v, false);
}

void MmTable::change_state(uint64_t id, bool live, uint64_t seq) noexcept
{
	if (Vma *v = find(id))
		assert_state(*v, live, seq);
	else
		(void)early_.keep(EarlyStates::Change{id, seq, live});
}

int MmTable::create(const wire::MmOp *ops, size_t n, size_t &used) noexcept
{
	const wire::MmOp &c = ops[0];
	const uint64_t nruns = c.f[3];
	used = 1;
	if (nruns > n - 1 || nruns > UINT32_MAX)
		return -EPROTO;
	used = 1 + static_cast<size_t>(nruns);
	if (nvma_ == cap_vma_) {
		void *a = vmas_;
		if (int e = grow(a, cap_vma_, sizeof(Vma)))
			return e;
		vmas_ = static_cast<Vma *>(a);
	}
	uint32_t first;
	if (int e = reserve_runs(static_cast<uint32_t>(nruns), first))
		return e;
	for (uint32_t i = 0; i < nruns; i++) {
		const wire::MmOp &r = ops[1 + i];
		if (r.kind != static_cast<uint32_t>(wire::MmOpKind::Run))
			return -EPROTO;
		int t = find_template(r);
		if (t < 0) {
			nrun_ = first;
			return t;
		}
		runs_[first + i] = Run{r.f[0], r.f[1], r.f[2], static_cast<uint32_t>(t)};
	}
	const bool registers = (c.flags & wire::kRegisters) != 0;
	Vma v{c.vma, c.f[0], c.f[1], static_cast<int>(c.f[4]), (c.flags & wire::kLive) != 0,
	      (c.flags & wire::kDontfork) != 0, c.f[2], registers, first,
	      static_cast<uint32_t>(nruns), registers && c.f[5] <= wire::kMirrorEntries ? static_cast<uint32_t>(c.f[5]) : 0};
	/* Zapped (or restored) before this reply was applied. */
	if (EarlyStates::Change early; early_.take(v.id, early) && early.seq > v.seq) {
		v.live = early.live;
		v.seq = early.seq;
	}
	if (int e = install(v, v.live)) {
		nrun_ = first;
		return e;
	}
	vmas_[nvma_++] = v;
	if (registers)
		register_vmas_.fetch_add(1, std::memory_order_relaxed);
	widen(v.start, v.end);
	return 0;
}

void MmTable::split(uint64_t id, uintptr_t at, uint64_t tail_id) noexcept
{
	Vma *head = find(id);
	if (!head || at <= head->start || at >= head->end)
		return;
	if (nvma_ == cap_vma_) {
		void *a = vmas_;
		if (grow(a, cap_vma_, sizeof(Vma)))
			return;
		vmas_ = static_cast<Vma *>(a);
		head = find(id);
	}
	const uint64_t cut = at - head->start;
	uint32_t head_runs = 0, tail_runs = 0;
	for (uint32_t i = 0; i < head->run_count; i++) {
		const Run &r = runs_[head->run_first + i];
		head_runs += r.vma_offset < cut;
		tail_runs += r.vma_offset + r.length > cut;
	}
	uint32_t first;
	if (reserve_runs(tail_runs, first))
		return;
	uint32_t t = 0;
	for (uint32_t i = 0; i < head->run_count; i++) {
		Run &r = runs_[head->run_first + i];
		if (r.vma_offset + r.length <= cut)
			continue;
		Run tail = r;
		if (r.vma_offset < cut) {
			const uint64_t keep = cut - r.vma_offset;
			tail.vma_offset = 0;
			tail.length = r.length - keep;
			tail.file_offset = r.file_offset + keep;
			r.length = keep;
		} else {
			tail.vma_offset = r.vma_offset - cut;
		}
		runs_[first + t++] = tail;
	}
	Vma tail = *head;
	tail.id = tail_id;
	tail.start = at;
	tail.run_first = first;
	tail.run_count = tail_runs;
	head->end = at;
	head->run_count = head_runs;
	vmas_[nvma_++] = tail;
	if (tail.registers)
		register_vmas_.fetch_add(1, std::memory_order_relaxed);
	if (EarlyStates::Change early; early_.take(tail_id, early))
		assert_state(vmas_[nvma_ - 1], early.live, early.seq);
}

/* Every VMA inside [lo, hi) leaves the table. */
void MmTable::remove_range(uintptr_t lo, uintptr_t hi) noexcept
{
	for (size_t i = 0; i < nvma_;) {
		if (vmas_[i].start >= lo && vmas_[i].end <= hi) {
			if (vmas_[i].registers)
				register_vmas_.fetch_sub(1, std::memory_order_relaxed);
			vmas_[i] = vmas_[--nvma_];
			continue;
		}
		i++;
	}
}

int MmTable::move(Vma &v, uintptr_t to) noexcept
{
	const uintptr_t from = v.start, len = v.end - v.start;
	v.start = to;
	v.end = to + len;
	int e = install(v, v.live);
	if (e && v.live) {
		v.live = false;
		e = install(v, false);
	}
	sys::munmap(from, len);
	widen(v.start, v.end);
	return e;
}

void MmTable::advise(uintptr_t lo, uintptr_t hi, int advice) noexcept
{
	sys::madvise(lo, hi - lo, advice);
	if (advice != MADV_DONTFORK && advice != MADV_DOFORK)
		return;
	for (size_t i = 0; i < nvma_; i++)
		if (vmas_[i].start >= lo && vmas_[i].end <= hi)
			vmas_[i].dontfork = advice == MADV_DONTFORK;
}

int MmTable::apply(const wire::MmOp *ops, size_t n) noexcept
{
	using K = wire::MmOpKind;
	int result = 0;
	for (size_t i = 0; i < n;) {
		const wire::MmOp &op = ops[i];
		size_t used = 1;
		Vma *v = op.kind == static_cast<uint32_t>(K::Create) || op.kind == static_cast<uint32_t>(K::Unmap) ||
				 op.kind == static_cast<uint32_t>(K::Release) || op.kind == static_cast<uint32_t>(K::Advise)
			 ? nullptr
			 : find(op.vma);
		switch (static_cast<K>(op.kind)) {
		case K::Create:
			if (int e = create(&ops[i], n - i, used); e && !result)
				result = e;
			break;
		case K::State:
			change_state(op.vma, op.flags & wire::kLive, op.f[0]);
			break;
		case K::Split:
			if (v) {
				split(op.vma, op.f[0], op.f[1]);
				for (uint64_t id : {op.vma, op.f[1]})
					if (Vma *part = find(id))
						assert_state(*part, op.flags & wire::kLive, op.f[2]);
			}
			break;
		case K::Unmap:
			remove_range(op.f[0], op.f[1]);
			if (op.f[1] > op.f[0])
				sys::munmap(op.f[0], op.f[1] - op.f[0]);
			break;
		case K::Release:
			remove_range(op.f[0], op.f[1]);
			if (op.f[1] > op.f[0])
				(void)dup_mapping(base_empty_, op.f[1] - op.f[0], op.f[0]);
			break;
		case K::Protect:
			if (v) {
				v->prot = static_cast<int>(op.flags);
				sys::mprotect(v->start, v->end - v->start, real_prot(*v, v->live));
			}
			break;
		case K::Move:
			if (v) {
				int e = move(*v, op.f[0]);
				if (Vma *moved = find(op.vma))
					assert_state(*moved, op.flags & wire::kLive, op.f[2]);
				if (e && !result)
					result = e;
			}
			break;
		case K::Advise:
			if (op.f[1] > op.f[0])
				advise(op.f[0], op.f[1], static_cast<int>(op.flags));
			break;
		case K::CloseFd:
			sys::close(static_cast<int>(op.flags));
			break;
		case K::Run:
			/* Only after a Create, which consumed it. */
			break;
		}
		i += used;
	}
	if (early_.size())
		early_.prune();
	return result;
}

void MmTable::apply_work(wire::Header &header) noexcept
{
	lock_.lock();
	apply_work_locked(header);
	lock_.unlock();
	wire::futex_wake(header.done, INT32_MAX);
}

void MmTable::apply_work_locked(wire::Header &header) noexcept
{
	uint32_t done = header.done.load(std::memory_order_relaxed);
	/* `done` counts entries modulo 2^32; `posted` never runs ahead of it
	 * by more than the ring. Entries posted while we work are taken too. */
	while (static_cast<uint32_t>(header.posted.load(std::memory_order_acquire)) != done) {
		const wire::WorkEntry &w = header.work[done % wire::kWorkEntries];
		if (w.kind == static_cast<uint32_t>(wire::WorkKind::State)) {
			change_state(w.vma, w.live != 0, w.seq);
		} else if (w.kind == static_cast<uint32_t>(wire::WorkKind::Dead)) {
			revoke_all();
		}
		done++;
	}
	if (early_.size())
		early_.prune();
	header.done.store(done, std::memory_order_release);
}

void MmTable::revoke_all() noexcept
{
	for (size_t i = 0; i < nvma_; i++) {
		if (vmas_[i].live) {
			(void)install(vmas_[i], false);
			vmas_[i].live = false;
		}
		vmas_[i].seq = UINT64_MAX;
	}
}

/* A reservation without an fd: a further mapping of the empty memfd's
 * first page, which the kernel places as it places a shared file mapping.
 * A hint or MAP_FIXED_NOREPLACE is honoured by taking the range first
 * with an anonymous mapping that fails if anything is there. */
Result<uintptr_t> MmTable::EmptyReserver::map(uintptr_t addr, uint64_t length, int extra_flags)
{
	const uintptr_t base = table_.base_empty_;
	if (extra_flags & MAP_FIXED) {
		if (int e = dup_mapping(base, length, addr))
			return err(-e);
		return addr;
	}
	if (addr) {
		long probe = sys::mmap(addr, length, PROT_NONE,
				       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_FIXED_NOREPLACE, -1, 0);
		if (probe >= 0 && static_cast<uintptr_t>(probe) == addr) {
			if (int e = dup_mapping(base, length, addr)) {
				sys::munmap(addr, length);
				return err(-e);
			}
			return addr;
		}
		if (probe >= 0)
			sys::munmap(static_cast<uintptr_t>(probe), length);
		if (extra_flags & MAP_FIXED_NOREPLACE)
			return err(probe < 0 ? static_cast<int>(-probe) : EEXIST);
	}
	long r = sys::mremap(base, 0, length, MREMAP_MAYMOVE, 0);
	if (r < 0)
		return err(static_cast<int>(-r));
	return static_cast<uintptr_t>(r);
}

void MmTable::EmptyReserver::unmap(uintptr_t addr, uint64_t length)
{
	sys::munmap(addr, length);
}

} /* namespace softvfio::session */
