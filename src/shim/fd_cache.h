/* SPDX-License-Identifier: MIT */
/*
 * What the shim knows about each fd number, so that ordinary fds cost
 * nothing after their first use.
 *
 * One atomic word per number: a kind and a generation. Every call that
 * changes what a number means and passes through the shim (close, dup*,
 * fcntl(F_DUPFD*), open*, close_range, closefrom, fclose, closedir, recvmsg)
 * resets it to Unknown and bumps the generation; an Unknown number is
 * classified on first use (one fstat, through Kernel::owns_fd) and the
 * answer is stored only if no reset happened meanwhile (compare-and-swap on
 * the generation), so a classification racing with a close never sticks to
 * the number's next file.
 *
 * Calls the shim does not see (socket, pipe, accept, eventfd, ...) only ever
 * create numbers that are Unknown or were closed through the shim, so they
 * are classified correctly on first use. A number closed behind the shim's
 * back (inside the C library) may keep a stale kind: a stale Ours is caught
 * by the model, which checks the stand-in's identity on every lookup; a
 * stale Foreign can only hide an emulated fd that arrived without passing
 * through the shim, which recvmsg's reset covers.
 */
#pragma once

#include <atomic>
#include <cstdint>

namespace softvfio::shim {

enum class FdKind : uint8_t {
	Unknown = 0,
	Ours,      /* stands in for an emulated object */
	Foreign,   /* an ordinary fd */
	SysFile,   /* a file of the software devices' sysfs view: writes are
		    * control-file writes (Kernel::sysfs_write) */
	Dir,       /* a directory whose logical path the shim resolves (a
		    * merged sysfs directory, /dev/vfio): *at() calls relative to
		    * it go through the shim's path routing */
	Internal,  /* the model's own fd, out of the program's way */
};

class FdCache
{
public:
	/* Numbers at or above this are never cached (classified each time). */
	static constexpr int kSlots = 1 << 16;

	struct Entry {
		FdKind kind;
		uint32_t word;   /* for set_if */
	};

	Entry get(int fd) const noexcept
	{
		if (static_cast<unsigned>(fd) >= kSlots)
			return {FdKind::Unknown, kUncached};
		uint32_t w = slots_[fd].load(std::memory_order_acquire);
		return {static_cast<FdKind>(w & kKindMask), w};
	}

	/* The number now means something new (or nothing). */
	void set(int fd, FdKind kind) noexcept
	{
		if (static_cast<unsigned>(fd) >= kSlots)
			return;
		raise_high_water(static_cast<unsigned>(fd));
		uint32_t w = slots_[fd].load(std::memory_order_relaxed);
		slots_[fd].store(next(w, kind), std::memory_order_release);
	}

	/* The highest number ever set (0 if none): no number above it was ever
	 * known to stand for anything, so range operations stop there. */
	unsigned high_water() const noexcept { return high_water_.load(std::memory_order_acquire); }
	void forget(int fd) noexcept { set(fd, FdKind::Unknown); }

	/* Store a classification of an Unknown number read as `seen`, unless
	 * the number changed meanwhile. */
	bool set_if(int fd, Entry seen, FdKind kind) noexcept
	{
		if (static_cast<unsigned>(fd) >= kSlots || seen.word == kUncached || seen.kind != FdKind::Unknown)
			return false;
		raise_high_water(static_cast<unsigned>(fd));
		uint32_t expected = seen.word;
		return slots_[fd].compare_exchange_strong(expected, (seen.word & ~kKindMask) | static_cast<uint32_t>(kind),
							  std::memory_order_acq_rel);
	}

	/* forget() every number in [first, last] (last may be ~0u). */
	void forget_range(unsigned first, unsigned last) noexcept
	{
		for (unsigned fd = first; fd < kSlots && fd <= last; fd++)
			if (slots_[fd].load(std::memory_order_relaxed) & kKindMask)
				forget(static_cast<int>(fd));
	}

	/* Call fn(fd) for every number of `kind`. */
	template<typename F>
	void for_each(FdKind kind, F fn) const
	{
		for (int fd = 0; fd < kSlots; fd++)
			if (static_cast<FdKind>(slots_[fd].load(std::memory_order_relaxed) & kKindMask) == kind)
				fn(fd);
	}

private:
	static constexpr uint32_t kKindMask = 0xf;
	static constexpr uint32_t kUncached = ~0u;

	/* A new generation (never kUncached) with `kind`. */
	static uint32_t next(uint32_t w, FdKind kind) noexcept
	{
		uint32_t gen = (w & ~kKindMask) + (kKindMask + 1);
		if (gen == (kUncached & ~kKindMask))
			gen = 0;
		return gen | static_cast<uint32_t>(kind);
	}

	void raise_high_water(unsigned fd) noexcept
	{
		unsigned seen = high_water_.load(std::memory_order_relaxed);
		while (fd > seen && !high_water_.compare_exchange_weak(seen, fd, std::memory_order_acq_rel)) {
		}
	}

	std::atomic<uint32_t> slots_[kSlots]{};
	std::atomic<unsigned> high_water_{0};
};

} /* namespace softvfio::shim */
