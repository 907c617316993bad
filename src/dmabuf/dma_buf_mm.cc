/* SPDX-License-Identifier: MIT */
/*
 * DmaBuf as mm sees it: the host memory behind a VMA, whether access may
 * succeed now, and the series fault handler (docs/semantics.md §4.4).
 */
#include <cerrno>
#include <shared_mutex>

#include "base/log.h"
#include "dmabuf/dma_buf.h"
#include "mm/fault_model.h"

namespace softvfio::dmabuf {

namespace {

constexpr uint64_t kOffsetMask = (1ull << mm::kVfioOffsetShift) - 1;

mm::FaultOutcome sigbus() { return {mm::FaultResult::SigBus}; }

} /* namespace */

/* find_pfn's view of where a VMA starts in the buffer: vm_pgoff less the
 * BAR-mmap adjustment, masked to 40 bits (which strips a BAR-mmap VMA's
 * region index, and wraps exported offsets of 1 TiB and more exactly as v4
 * does, §7 item 5). Real memory follows the same arithmetic, so what a
 * program reads is what the kernel's page tables would point at. */
uint64_t DmaBuf::buffer_offset(uint64_t vm_pgoff) const
{
	return ((vm_pgoff - vma_pgoff_adjust_) << mm::kPageShift) & kOffsetMask;
}

/* The ranges under [offset, offset + length) of the VMA, as runs of the
 * BAR memfd: several for a multi-range buffer; aliasing ranges give runs
 * over the same memory, so the aliases really alias. */
/* The range holding byte `off` of the buffer, and how far into it. */
const Range *DmaBuf::range_at(uint64_t off, uint64_t &in) const
{
	uint64_t range_start = 0;
	for (const Range &r : ranges_) {
		if (off >= range_start && off - range_start < r.len) {
			in = off - range_start;
			return &r;
		}
		range_start += r.len;
	}
	return nullptr;
}

Result<std::vector<mm::Backing>> DmaBuf::backing(const mm::VmaGeometry &g)
{
	const uint64_t length = g.end - g.start;
	const uint64_t base = (g.pgoff - vma_pgoff_adjust_) << mm::kPageShift;
	std::vector<mm::Backing> runs;
	for (uint64_t at = 0; at < length;) {
		const uint64_t off = (base + at) & kOffsetMask;
		uint64_t in = 0;
		const Range *hit = range_at(off, in);
		if (!hit)
			return err(EINVAL);
		const uint64_t n = std::min({hit->len - in, length - at, kOffsetMask + 1 - off});
		runs.push_back({at, n, hit->host.fd, hit->host.file_offset + in, hit->host.extent_offset,
				hit->host.extent_length});
		at += n;
	}
	return runs;
}

/* Atomics only: mm asks under the AddressSpace lock. */
bool DmaBuf::accessible()
{
	Exporter *dev = owner_.load();
	return status_.load() == Status::Ok && dev && dev->mmio_accessible_now();
}

/* The series protocol: status under resv with a temporary registration
 * (an exported buffer does not keep its device open), resv dropped, then
 * memory_lock for reading, status again, find_pfn and the insert rules. */
mm::FaultOutcome DmaBuf::fault(const mm::VmaGeometry &g, uintptr_t address, unsigned order)
{
	Exporter *dev;
	{
		std::lock_guard guard(resv_);
		if (status_.load() != Status::Ok)
			return sigbus();
		dev = owner_.load();
		if (!dev || !dev->get_registration()) {
			log::message(log::Level::Warning, "vfio-pci dmabuf: fault without a device registration");
			return sigbus();
		}
	}
	mm::FaultOutcome out = sigbus();
	{
		std::shared_lock guard(dev->memory_lock());
		if (status_.load() == Status::Ok) {
			mm::PfnLookup lookup = mm::find_pfn(phys_, vma_pgoff_adjust_, g, address, order);
			if (lookup.error == 0 && dev->mmio_accessible_locked())
				out = {mm::FaultResult::Inserted, lookup.pfn};
			else if (lookup.error != 0)
				out = {mm::to_fault_result(lookup.error)};
		}
	}
	dev->put_registration();
	return out;
}

std::string DmaBuf::maps_name() const { return "/dmabuf:" + name(); }

/* A buffer lies in one BAR (an export names one region), so its first
 * range says it all. */
bool DmaBuf::registers(const mm::VmaGeometry &)
{
	Exporter *dev = owner_.load();
	return dev && !ranges_.empty() && dev->registers_at(ranges_.front().paddr);
}

std::string DmaBuf::register_model(const mm::VmaGeometry &)
{
	Exporter *dev = owner_.load();
	return dev && !ranges_.empty() ? dev->register_model_at(ranges_.front().paddr) : std::string();
}

/* The fault handler's protocol (status under resv with a registration,
 * then memory_lock and the status again), ending in a bus transaction on
 * the registers instead of a page table entry. */
Result<uint64_t> DmaBuf::register_access(const mm::VmaGeometry &g, uintptr_t address, unsigned width,
					 uint64_t value, bool write)
{
	const uint64_t off = (buffer_offset(g.pgoff) + (address - g.start)) & kOffsetMask;
	uint64_t in = 0;
	const Range *hit = range_at(off, in);
	/* An access straddling two ranges is two bus transactions on real
	 * hardware only if the CPU split it; refuse rather than guess. */
	if (!hit || in + width > hit->len)
		return err(EFAULT);
	Exporter *dev;
	{
		std::lock_guard guard(resv_);
		if (status_.load() != Status::Ok)
			return err(EFAULT);
		dev = owner_.load();
		if (!dev || !dev->get_registration())
			return err(EFAULT);
	}
	Result<uint64_t> out = err(EFAULT);
	{
		std::shared_lock guard(dev->memory_lock());
		if (status_.load() == Status::Ok)
			out = dev->register_access_locked(hit->paddr + in, width, value, write);
	}
	dev->put_registration();
	return out;
}

} /* namespace softvfio::dmabuf */
