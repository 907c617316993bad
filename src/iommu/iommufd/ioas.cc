/* SPDX-License-Identifier: MIT */
#include "iommu/iommufd/ioas.h"

#include <algorithm>
#include <cerrno>
#include <linux/magic.h>
#include <sys/stat.h>
#include <sys/vfs.h>

#include "base/fault_injection.h"
#include "iommu/iommufd/dmabuf_import.h"
#include "iommu/user_pin.h"
#include "vfio/call_context.h"
#include "vfio/platform.h"

namespace softvfio::vfio {

namespace {

constexpr uint64_t kPage = platform::kPageSize;
/* Allocated IOVAs keep at most huge-page alignment (HPAGE_SIZE). */
constexpr uint64_t kMaxAllocAlign = uint64_t(2) << 20;

bool overlaps(const IovaRange &a, uint64_t first, uint64_t last) { return a.start <= last && first <= a.last; }

uint64_t roundup_pow_of_two(uint64_t v)
{
	uint64_t p = 1;
	while (p < v)
		p <<= 1;
	return p;
}

uint64_t backing_address(const IoBacking &b) { return b.kind == IoBacking::Kind::UserVa ? b.vaddr : b.file_offset; }

/* ALIGN_UP(*start, align) | page_offset fits [*, last] with `length`. */
bool fits(uint64_t &start, uint64_t last, uint64_t length, uint64_t align, uint64_t page_offset)
{
	uint64_t aligned = start + (align - 1);
	if (aligned < start)
		return false;
	aligned = (aligned & ~(align - 1)) | page_offset;
	if (aligned >= last || last - aligned < length - 1)
		return false;
	start = aligned;
	return true;
}

/* The holes between sorted, possibly overlapping busy ranges in [lo, hi]. */
std::vector<IovaRange> holes(std::vector<IovaRange> busy, uint64_t lo, uint64_t hi)
{
	std::sort(busy.begin(), busy.end(), [](auto &a, auto &b) { return a.start < b.start; });
	std::vector<IovaRange> out;
	uint64_t at = lo;
	bool done = false;
	for (const IovaRange &b : busy) {
		if (b.last < at || b.start > hi)
			continue;
		if (b.start > at)
			out.push_back({at, b.start - 1});
		if (b.last >= hi) {
			done = true;
			break;
		}
		at = std::max(at, b.last + 1);
	}
	if (!done && at <= hi)
		out.push_back({at, hi});
	return out;
}

} /* namespace */

Ioas::Ioas(mm::Mm &mm) : mm_(mm) {}

Ioas::~Ioas() = default;

std::vector<IovaRange> Ioas::reserved_locked() const
{
	std::vector<IovaRange> out;
	if (domains_)
		out.push_back({platform::kApertureEnd + 1, UINT64_MAX});
	if (!device_reserved_.empty())
		out.push_back({platform::kMsiStart, platform::kMsiLast});
	return out;
}

uint64_t Ioas::alignment_locked() const
{
	return (domains_ || disable_large_pages_) ? kPage : 1;
}

std::vector<IovaRange> Ioas::usable_ranges() const
{
	std::lock_guard guard(lock_);
	return holes(reserved_locked(), 0, UINT64_MAX);
}

uint64_t Ioas::iova_alignment() const
{
	std::lock_guard guard(lock_);
	return alignment_locked();
}

Result<void> Ioas::set_allowed(std::vector<IovaRange> allowed)
{
	std::sort(allowed.begin(), allowed.end(), [](auto &a, auto &b) { return a.start < b.start; });
	for (size_t i = 1; i < allowed.size(); i++)
		if (allowed[i].start <= allowed[i - 1].last)
			return err(EINVAL);
	std::lock_guard guard(lock_);
	for (const IovaRange &r : reserved_locked())
		for (const IovaRange &a : allowed)
			if (overlaps(a, r.start, r.last))
				return err(EADDRINUSE);
	allowed_ = std::move(allowed);
	return {};
}

/* iopt_alloc_iova(): the first hole, in the allowed windows, that takes
 * the length at the alignment the hint's address has (capped at the huge
 * page size, never below the IOAS's); IOVA 0 is never handed out. */
Result<uint64_t> Ioas::alloc_iova_locked(uint64_t length, uint64_t hint) const
{
	uint64_t page_offset = hint % kPage;
	if (length == 0 || length >= UINT64_MAX / 2)
		return err(EOVERFLOW);
	uint64_t align = roundup_pow_of_two(length);
	if (hint)
		align = std::min(align, uint64_t(1) << __builtin_ctzll(hint));
	align = std::min(align, kMaxAllocAlign);
	if (align < alignment_locked())
		return err(EINVAL);
	const IovaRange window{kPage, UINT64_MAX - kPage};
	std::vector<IovaRange> windows;
	if (allowed_.empty())
		windows.push_back(window);
	for (const IovaRange &a : allowed_)
		if (overlaps(a, window.start, window.last))
			windows.push_back({std::max(a.start, window.start), std::min(a.last, window.last)});
	std::vector<IovaRange> busy = reserved_locked();
	for (auto &[iova, src] : sources_)
		busy.push_back({iova, iova + src.length - 1});
	for (IovaRange w : windows) {
		if (!fits(w.start, w.last, length, align, page_offset))
			continue;
		for (IovaRange h : holes(busy, w.start, w.last))
			if (fits(h.start, h.last, length, align, page_offset))
				return h.start;
	}
	return err(ENOSPC);
}

Result<void> Ioas::check_iova_locked(uint64_t iova, uint64_t length) const
{
	if (iova & (alignment_locked() - 1))
		return err(EINVAL);
	uint64_t last = iova + (length - 1);
	if (last < iova)
		return err(EOVERFLOW);
	for (const IovaRange &r : reserved_locked())
		if (overlaps(r, iova, last))
			return err(EINVAL);
	if (!table_->overlapping(iova, last).empty())
		return err(EEXIST);
	return {};
}

/* iopt_insert_area(): the pages must allow the writes asked for, and start
 * at an offset the IOAS's alignment permits. */
Result<void> Ioas::check_area_locked(const AreaSource &src) const
{
	if ((src.prot & kIoWrite) && !src.writable)
		return err(EPERM);
	if ((backing_address(src.backing) % kPage) & (alignment_locked() - 1))
		return err(EINVAL);
	return {};
}

/* Filling a domain pins: process memory as pin_user_pages() (which
 * refuses mmapped BARs), memfd pages that exist; a DMABUF is already
 * resolved to its physical range. */
Result<void> Ioas::pin_locked(const AreaSource &src) const
{
	if (src.import)
		return {};
	if (src.backing.kind == IoBacking::Kind::UserVa)
		return pin_user_range(caller_mm(mm_), src.backing.vaddr, src.length, src.prot & kIoWrite, PinMode::PagesOnly);
	/* memfd_pin_folios(): shmem and hugetlbfs pages only. */
	int fd = src.backing.fd->get();
	struct statfs fs {};
	if (::fstatfs(fd, &fs) != 0 || (fs.f_type != TMPFS_MAGIC && fs.f_type != HUGETLBFS_MAGIC))
		return err(EINVAL);
	struct stat st {};
	if (::fstat(fd, &st) != 0)
		return err(EFAULT);
	if (src.backing.file_offset + src.length > static_cast<uint64_t>(st.st_size))
		return err(EINVAL);
	return {};
}

Result<uint64_t> Ioas::insert_locked(const std::vector<AreaSource> &pieces, uint64_t length, unsigned prot,
				     bool fixed, uint64_t iova)
{
	if ((length & (alignment_locked() - 1)) || !length)
		return err(EINVAL);
	if (fixed)
		SVFIO_TRY(check_iova_locked(iova, length));
	else if (auto got = alloc_iova_locked(length, backing_address(pieces.front().backing)); got)
		iova = *got;
	else
		return err(got.error());
	for (const AreaSource &p : pieces)
		SVFIO_TRY(check_area_locked(p));
	if (domains_)
		for (const AreaSource &p : pieces)
			SVFIO_TRY(pin_locked(p));
	if (int e = fault_check(FaultPoint::IoMapAlloc))
		return err(e);
	uint64_t at = iova;
	for (AreaSource p : pieces) {
		p.prot = prot;
		IoMapping m;
		m.iova = at;
		m.length = p.length;
		m.prot = prot;
		m.backing = p.backing;
		m.owner = p.import.get();
		table_->insert(m);
		if (p.import)
			p.import->track(table_);
		at += p.length;
		sources_[m.iova] = std::move(p);
	}
	return iova;
}

Result<uint64_t> Ioas::map(const AreaSource &src, bool fixed, uint64_t iova)
{
	std::lock_guard guard(lock_);
	return insert_locked({src}, src.length, src.prot, fixed, iova);
}

Result<std::vector<AreaSource>> Ioas::pieces(uint64_t iova, uint64_t length) const
{
	if (!length)
		return err(EINVAL);
	uint64_t last = iova + (length - 1);
	if (last < iova)
		return err(EOVERFLOW);
	std::lock_guard guard(lock_);
	std::vector<AreaSource> out;
	uint64_t at = iova;
	for (const IoMapping &m : table_->overlapping(iova, last)) {
		if (m.iova > at)
			break;
		AreaSource p = sources_.at(m.iova);
		uint64_t off = at - m.iova;
		p.backing = m.backing.advanced(off);
		p.length = std::min(m.last(), last) - at + 1;
		p.align_hint = backing_address(p.backing);
		out.push_back(std::move(p));
		if (m.last() >= last)
			return out;
		at = m.last() + 1;
	}
	return err(ENOENT);
}

Result<uint64_t> Ioas::map_pieces(const std::vector<AreaSource> &pieces, uint64_t length, unsigned prot, bool fixed,
				  uint64_t iova)
{
	std::lock_guard guard(lock_);
	return insert_locked(pieces, length, prot, fixed, iova);
}

/* Areas go one at a time, in IOVA order: one only partly in the range
 * stops the walk with ENOENT, the earlier ones staying unmapped. */
Result<uint64_t> Ioas::unmap(uint64_t first, uint64_t last, std::vector<std::shared_ptr<DmabufImport>> &doomed)
{
	std::lock_guard guard(lock_);
	uint64_t unmapped = 0;
	for (const IoMapping &m : table_->overlapping(first, last)) {
		if (m.iova < first || m.last() > last)
			return err(ENOENT);
		table_->erase({m.iova});
		auto it = sources_.find(m.iova);
		if (it->second.import)
			doomed.push_back(std::move(it->second.import));
		sources_.erase(it);
		unmapped += m.length;
	}
	return unmapped;
}

bool Ioas::has_user_areas() const
{
	std::lock_guard guard(lock_);
	for (auto &[iova, src] : sources_)
		if (src.backing.kind == IoBacking::Kind::UserVa)
			return true;
	return false;
}

bool Ioas::large_pages() const
{
	std::lock_guard guard(lock_);
	return !disable_large_pages_;
}

/* Turning large pages off needs 4 KiB-aligned areas, and is refused once
 * a domain holds mappings. */
Result<void> Ioas::set_large_pages(bool enable)
{
	std::lock_guard guard(lock_);
	if (enable || disable_large_pages_) {
		disable_large_pages_ = !enable;
		return {};
	}
	if (domains_ && !sources_.empty())
		return err(EINVAL);
	for (auto &[iova, src] : sources_)
		if ((iova | src.length | (backing_address(src.backing) % kPage)) & (kPage - 1))
			return err(EADDRINUSE);
	disable_large_pages_ = true;
	return {};
}

/* iopt_table_add_domain(): the IOMMU's page size, its aperture, and every
 * area pinned into it. */
Result<void> Ioas::add_domain()
{
	std::lock_guard guard(lock_);
	for (auto &[iova, src] : sources_) {
		if ((iova | src.length | (backing_address(src.backing) % kPage)) & (kPage - 1))
			return err(EADDRINUSE);
		if (iova + src.length - 1 > platform::kApertureEnd)
			return err(EADDRINUSE);
	}
	for (const IovaRange &a : allowed_)
		if (a.last > platform::kApertureEnd)
			return err(EADDRINUSE);
	for (auto &[iova, src] : sources_)
		SVFIO_TRY(pin_locked(src));
	domains_++;
	return {};
}

void Ioas::remove_domain()
{
	std::lock_guard guard(lock_);
	if (domains_)
		domains_--;
}

Result<void> Ioas::reserve_device(const void *dev)
{
	std::lock_guard guard(lock_);
	if (device_reserved_.count(dev))
		return {};
	IovaRange msi{platform::kMsiStart, platform::kMsiLast};
	if (!table_->overlapping(msi.start, msi.last).empty())
		return err(EADDRINUSE);
	for (const IovaRange &a : allowed_)
		if (overlaps(a, msi.start, msi.last))
			return err(EADDRINUSE);
	device_reserved_[dev] = msi;
	return {};
}

void Ioas::unreserve_device(const void *dev)
{
	std::lock_guard guard(lock_);
	device_reserved_.erase(dev);
}

} /* namespace softvfio::vfio */
