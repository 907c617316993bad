/* SPDX-License-Identifier: MIT */
/*
 * LocalHost: the model's own process. Every VMA is real MAP_SHARED memory
 * at once: its runs while live, the empty memfd at the same file offsets
 * while revoked (any access raises SIGBUS BUS_ADRERR with the exact
 * address, and /proc/self/maps keeps the offset column), each laid with
 * MAP_FIXED replacement, which other threads see atomically.
 *
 * With a RegisterPort, a VMA of registers is laid PROT_NONE while live and
 * its accesses trapped and made through the port (mm/local_traps.h); the
 * trap table learns of every change before the memory does, so a fault
 * between the two finds the new state (revocation wins, a restore
 * emulates).
 */
#include <algorithm>
#include <cerrno>
#include <cinttypes>
#include <cstdio>
#include <fcntl.h>
#include <sys/mman.h>

#include <softvfio/base/unique_fd.h>

#include "base/log.h"
#include "mm/host.h"
#include "mm/local_traps.h"
#include "mm/pagemap.h"
#include "mm/vma.h"

namespace softvfio::mm {

namespace {

void warn_errno(const char *what, uintptr_t addr, int error)
{
	char text[128];
	std::snprintf(text, sizeof(text), "mm: %s at 0x%" PRIxPTR " failed: errno %d", what, addr, error);
	log::message(log::Level::Warning, text);
}

/* The file every revoked run maps: empty and sealed against growth, so any
 * access beyond its (zero) size raises SIGBUS BUS_ADRERR. */
UniqueFD create_empty_memfd(int *error)
{
	UniqueFD fd(::memfd_create("softvfio-revoked", MFD_CLOEXEC | MFD_ALLOW_SEALING));
	if (!fd) {
		*error = errno;
		return fd;
	}
	::fcntl(fd.get(), F_ADD_SEALS, F_SEAL_GROW | F_SEAL_SHRINK | F_SEAL_SEAL);
	return fd;
}

/* PROT_NONE shared mappings of the empty memfd: the kernel places them as
 * it places a shared file mapping without a get_unmapped_area hook. */
class EmptyFdReserver final : public Reserver
{
public:
	explicit EmptyFdReserver(int fd) : fd_(fd) {}

	Result<uintptr_t> map(uintptr_t addr, uint64_t length, int extra_flags) override
	{
		void *p = ::mmap(reinterpret_cast<void *>(addr), length, PROT_NONE, MAP_SHARED | extra_flags, fd_, 0);
		if (p == MAP_FAILED)
			return err(errno);
		return reinterpret_cast<uintptr_t>(p);
	}

	void unmap(uintptr_t addr, uint64_t length) override { ::munmap(reinterpret_cast<void *>(addr), length); }

private:
	int fd_;
};

class LocalHost final : public Host
{
public:
	explicit LocalHost(const RegisterPort &port) : port_(port), empty_fd_(create_empty_memfd(&empty_fd_error_)) {}
	~LocalHost() override { local_traps::forget_host(this); }
	LocalHost(const LocalHost &) = delete;
	LocalHost &operator=(const LocalHost &) = delete;

	Result<uintptr_t> reserve(const PlacementRequest &req, const HugeOrders &orders) override
	{
		if (!empty_fd_)
			return err(empty_fd_error_ ? empty_fd_error_ : ENOMEM);
		EmptyFdReserver reserver(empty_fd_.get());
		return reserve_range(reserver, req, orders);
	}

	void unreserve(uintptr_t addr, uint64_t length) override
	{
		::munmap(reinterpret_cast<void *>(addr), length);
	}

	Result<void> create(const Vma &v) override
	{
		if (trapped(v) && !local_traps::lay(this, v.start, v.end, v.prot, v.live, port_))
			return err(ENOMEM);
		auto r = install(v, v.start, v.end, v.live);
		if (!r && trapped(v))
			local_traps::forget(v.start, v.end);
		return r;
	}

	Result<void> set_state(const Vma &v) override
	{
		note(v, v.live);
		auto r = install(v, v.start, v.end, v.live);
		if (r)
			return {};
		if (!v.live) {
			/* Cannot really happen (replacing never adds a mapping);
			 * keep the guarantee anyway, at the price of SIGSEGV for
			 * SIGBUS. */
			warn_errno("zap", v.start, r.error());
			::mprotect(reinterpret_cast<void *>(v.start), v.length(), PROT_NONE);
			return {};
		}
		warn_errno("restore", v.start, r.error());
		/* Leave it revoked: put the empty memfd back over any run
		 * already restored. */
		note(v, false);
		(void)install(v, v.start, v.end, false);
		return r;
	}

	void split(const Vma &head, const Vma &tail) override
	{
		note(head, head.live);
		note(tail, tail.live);
	}

	Result<void> remove(const Vma &v, bool keep_reserved) override
	{
		if (trapped(v))
			local_traps::forget(v.start, v.end);
		void *p = reinterpret_cast<void *>(v.start);
		if (!keep_reserved)
			return ::munmap(p, v.length()) < 0 ? Result<void>(err(errno)) : Result<void>{};
		if (::mmap(p, v.length(), PROT_NONE, MAP_SHARED | MAP_FIXED, empty_fd_.get(), 0) == MAP_FAILED)
			return err(errno);
		return {};
	}

	Result<void> protect(const Vma &v) override
	{
		note(v, v.live);
		if (::mprotect(reinterpret_cast<void *>(v.start), v.length(), real_prot(v, v.live)) < 0)
			return err(errno);
		return {};
	}

	/* The real runs move with mremap (page tables and all). A run the
	 * program split behind our back cannot: map the new range afresh
	 * (the data lives in the memfd) and drop the old one. */
	Result<bool> move(const Vma &v, uintptr_t from) override
	{
		if (trapped(v)) {
			local_traps::forget(from, from + v.length());
			note(v, v.live);
		}
		bool ok = true;
		for (const Backing &b : v.pieces) {
			void *src = reinterpret_cast<void *>(from + b.vma_offset);
			void *dest = reinterpret_cast<void *>(v.start + b.vma_offset);
			ok = ok && ::mremap(src, b.length, b.length, MREMAP_MAYMOVE | MREMAP_FIXED, dest) == dest;
		}
		if (ok)
			return true;
		::munmap(reinterpret_cast<void *>(from), v.length());
		SVFIO_TRY(install(v, v.start, v.end, v.live));
		return false;
	}

	Result<void> advise(const Vma &, uintptr_t lo, uintptr_t hi, int advice) override
	{
		if (::madvise(reinterpret_cast<void *>(lo), hi - lo, advice) < 0)
			return err(errno);
		return {};
	}

	Result<std::vector<bool>> present_pages(uintptr_t start, uintptr_t end) override
	{
		return mm::present_pages("/proc/self/pagemap", start, end);
	}

	void teardown(const Vma &v) override
	{
		if (trapped(v))
			local_traps::forget(v.start, v.end);
		::munmap(reinterpret_cast<void *>(v.start), v.length());
	}

private:
	/* Map the runs of `v` intersecting [lo, hi) over that range with
	 * MAP_FIXED: the Backing fds when `live`, else the empty memfd at the
	 * same offsets. */
	Result<void> install(const Vma &v, uintptr_t lo, uintptr_t hi, bool live)
	{
		for (const Backing &b : v.pieces) {
			const uintptr_t p_lo = std::max<uintptr_t>(lo, v.start + b.vma_offset);
			const uintptr_t p_hi = std::min<uintptr_t>(hi, v.start + b.vma_offset + b.length);
			if (p_lo >= p_hi)
				continue;
			const uint64_t off = b.file_offset + (p_lo - (v.start + b.vma_offset));
			void *p = ::mmap(reinterpret_cast<void *>(p_lo), p_hi - p_lo, real_prot(v, live), MAP_SHARED | MAP_FIXED,
					 live ? b.fd : empty_fd_.get(), static_cast<off_t>(off));
			if (p == MAP_FAILED)
				return err(errno);
		}
		return {};
	}

	/* Registers trap when there is a port to make their accesses. */
	bool trapped(const Vma &v) const { return v.registers && port_; }
	/* Live registers are laid PROT_NONE: every access faults. */
	int real_prot(const Vma &v, bool live) const { return live && trapped(v) ? PROT_NONE : v.prot; }
	/* Tell the trap table `v`'s state, before the memory changes. */
	void note(const Vma &v, bool live)
	{
		if (trapped(v) && !local_traps::lay(this, v.start, v.end, v.prot, live, port_))
			warn_errno("register trap table", v.start, ENOMEM);
	}

	RegisterPort port_;
	UniqueFD empty_fd_;
	int empty_fd_error_ = 0;
};

} /* namespace */

std::unique_ptr<Host> make_local_host(const RegisterPort &port)
{
	return std::make_unique<LocalHost>(port);
}

} /* namespace softvfio::mm */
