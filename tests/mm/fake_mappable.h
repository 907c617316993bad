/* SPDX-License-Identifier: MIT */
/*
 * FakeMappable: a File and Mappable over a real sparse memfd, laid out like
 * a DMABUF: ranges of "physical" addresses, which here are offsets in the
 * memfd (so BAR i lives at i << 40, as in a PCI function's memfd). The
 * fault handler is the series' find_pfn, gated by an accessible flag.
 */
#pragma once

#include <atomic>
#include <cerrno>
#include <fcntl.h>
#include <functional>
#include <mutex>
#include <string>
#include <vector>

#include "base/memfd.h"
#include "mm/address_space.h"
#include "mm/fault_model.h"
#include "mm/mappable.h"
#include "vfs/file.h"

namespace softvfio::mm::test {

/* One sparse memfd shared by the fakes of a test (4 TiB, costs nothing). */
class Memory
{
public:
	Memory() : fd_(create_memfd("softvfio-test-bar", 4ull << 40).value()) {}
	int fd() const { return fd_.get(); }

private:
	UniqueFD fd_;
};

class FakeMappable : public vfs::File, public Mappable
{
public:
	FakeMappable(const Memory &mem, std::vector<PhysRange> ranges, uint64_t pgoff_adjust = 0,
		     int access = O_RDWR)
		: File(vfs::FileKind::DmaBuf, access), fd_(mem.fd()), ranges_(std::move(ranges)),
		  adjust_(pgoff_adjust)
	{
	}

	AddressSpace &address_space() override { return as_; }

	Result<std::vector<Backing>> backing(const VmaGeometry &g) override
	{
		if (fail_backing)
			return err(fail_backing);
		uint64_t off = ((g.pgoff - adjust_) << kPageShift) & ((1ull << kVfioOffsetShift) - 1);
		uint64_t want = g.end - g.start, at = 0, range_start = 0;
		std::vector<Backing> out;
		for (const PhysRange &r : ranges_) {
			if (want && off < range_start + r.len) {
				uint64_t in = off - range_start;
				uint64_t n = std::min(r.len - in, want);
				out.push_back({at, n, fd_, r.paddr + in});
				at += n;
				off += n;
				want -= n;
			}
			range_start += r.len;
		}
		if (want)
			return err(EINVAL);
		return out;
	}

	bool accessible() override { return accessible_flag.load(); }

	FaultOutcome fault(const VmaGeometry &g, uintptr_t addr, unsigned order) override
	{
		/* mm must call us without the AddressSpace lock. */
		if (!as_.i_mmap().try_lock())
			lock_held_in_fault = true;
		else
			as_.i_mmap().unlock();
		faults++;
		if (on_fault)
			on_fault(order);
		if (!accessible_flag.load())
			return {FaultResult::SigBus};
		if (order > max_order)
			return {FaultResult::Fallback};
		PfnLookup r = find_pfn(ranges_, adjust_, g, addr, order);
		return {to_fault_result(r.error), r.pfn};
	}

	std::string maps_name() const override { return "/dmabuf:fake"; }

	std::atomic<bool> accessible_flag{true};
	std::atomic<int> faults{0};
	std::atomic<bool> lock_held_in_fault{false};
	unsigned max_order = 64;
	int fail_backing = 0;
	std::function<void(unsigned)> on_fault;

private:
	int fd_;
	std::vector<PhysRange> ranges_;
	uint64_t adjust_;
	AddressSpace as_;
};

} /* namespace softvfio::mm::test */
