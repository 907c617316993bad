/* SPDX-License-Identifier: MIT */
/* A test fixture: one Mm over one sparse memfd, and helpers to map fakes. */
#pragma once

#include <memory>
#include <sys/mman.h>
#include <unistd.h>
#include <vector>

#include <gtest/gtest.h>

#include "mm/fake_mappable.h"
#include "mm/mm.h"
#include "mm/probe.h"

namespace softvfio::mm::test {

constexpr uint64_t k2M = 2ull << 20;
constexpr uint64_t k1G = 1ull << 30;
constexpr uint64_t kBar2 = 2ull << 40;
constexpr int kRW = PROT_READ | PROT_WRITE;

struct MmTest : ::testing::Test {
	Memory mem;
	Mm mm;

	std::shared_ptr<FakeMappable> make(std::vector<PhysRange> ranges, uint64_t adjust = 0, int access = O_RDWR)
	{
		return std::make_shared<FakeMappable>(mem, std::move(ranges), adjust, access);
	}

	/* A BAR-mmap style buffer: BAR2's window at in-BAR offset `in_bar`. */
	std::shared_ptr<FakeMappable> bar2(uint64_t in_bar, uint64_t len)
	{
		return make({{kBar2 + in_bar, len}}, in_bar >> kPageShift);
	}
	static uint64_t bar2_pgoff(uint64_t in_bar) { return (kBar2 + in_bar) >> kPageShift; }

	Result<uintptr_t> map(const std::shared_ptr<FakeMappable> &f, uint64_t len, uint64_t pgoff,
			      int flags = MAP_SHARED, uintptr_t addr = 0, int prot = kRW,
			      MemAttr attr = MemAttr::Uncached, const MapOptions &opts = {})
	{
		vfs::MmapArgs a{addr, len, prot, flags, pgoff << kPageShift};
		return mm.map(f, *f, a, pgoff, attr, opts);
	}

	uint32_t file_word(uint64_t off)
	{
		uint32_t v = 0;
		EXPECT_EQ(::pread(mem.fd(), &v, sizeof(v), static_cast<off_t>(off)), 4);
		return v;
	}
	void set_file_word(uint64_t off, uint32_t v)
	{
		EXPECT_EQ(::pwrite(mem.fd(), &v, sizeof(v), static_cast<off_t>(off)), 4);
	}

	static bool readable(uintptr_t addr) { return !probe_read(addr).faulted; }
	static bool sigbus(uintptr_t addr)
	{
		Probe p = probe_read(addr);
		return p.faulted && p.signo == SIGBUS && p.code == BUS_ADRERR && p.addr == addr;
	}

	/* A free, `align`-aligned range of `len` bytes (reserved, then freed). */
	static uintptr_t free_aligned(uint64_t len, uint64_t align)
	{
		void *p = ::mmap(nullptr, len + align, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
		EXPECT_NE(p, MAP_FAILED);
		::munmap(p, len + align);
		return (reinterpret_cast<uintptr_t>(p) + align - 1) & ~(align - 1);
	}
};

} /* namespace softvfio::mm::test */
