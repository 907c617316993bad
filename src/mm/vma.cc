/* SPDX-License-Identifier: MIT */
#include "mm/vma.h"

#include <algorithm>
#include <cerrno>
#include <cinttypes>
#include <cstdio>
#include <sys/mman.h>

#include "base/log.h"

namespace softvfio::mm {

namespace {

void warn_errno(const char *what, uintptr_t addr, int error)
{
	char text[128];
	std::snprintf(text, sizeof(text), "mm: %s at 0x%" PRIxPTR " failed: errno %d", what, addr, error);
	log::message(log::Level::Warning, text);
}

/* Split the runs at `at` bytes from the VMA start. */
std::vector<Backing> take_tail(std::vector<Backing> &pieces, uint64_t at)
{
	std::vector<Backing> tail;
	std::vector<Backing> head;
	for (const Backing &b : pieces) {
		const uint64_t b_end = b.vma_offset + b.length;
		if (b_end <= at) {
			head.push_back(b);
		} else if (b.vma_offset >= at) {
			tail.push_back({b.vma_offset - at, b.length, b.fd, b.file_offset});
		} else {
			const uint64_t cut = at - b.vma_offset;
			head.push_back({b.vma_offset, cut, b.fd, b.file_offset});
			tail.push_back({0, b.length - cut, b.fd, b.file_offset + cut});
		}
	}
	pieces = std::move(head);
	return tail;
}

} /* namespace */

Result<void> install(const Vma &v, uintptr_t lo, uintptr_t hi, bool live)
{
	for (const Backing &b : v.pieces) {
		const uintptr_t p_lo = std::max<uintptr_t>(lo, v.start + b.vma_offset);
		const uintptr_t p_hi = std::min<uintptr_t>(hi, v.start + b.vma_offset + b.length);
		if (p_lo >= p_hi)
			continue;
		const uint64_t off = b.file_offset + (p_lo - (v.start + b.vma_offset));
		void *p = ::mmap(reinterpret_cast<void *>(p_lo), p_hi - p_lo, v.prot, MAP_SHARED | MAP_FIXED,
				 live ? b.fd : v.empty_fd, static_cast<off_t>(off));
		if (p == MAP_FAILED)
			return err(errno);
	}
	return {};
}

void zap_vma(Vma &v)
{
	v.generation++;
	v.leaves.clear();
	if (!v.live)
		return;
	v.live = false;
	if (auto r = install(v, v.start, v.end, false); !r) {
		/* Cannot really happen (replacing never adds a mapping); keep
		 * the guarantee anyway, at the price of SIGSEGV for SIGBUS. */
		warn_errno("zap", v.start, r.error());
		::mprotect(reinterpret_cast<void *>(v.start), v.length(), PROT_NONE);
	}
}

bool restore_vma(Vma &v)
{
	if (v.live)
		return true;
	if (auto r = install(v, v.start, v.end, true); !r) {
		warn_errno("restore", v.start, r.error());
		/* Leave it revoked: put the empty memfd back over any run
		 * already restored. */
		(void)install(v, v.start, v.end, false);
		return false;
	}
	v.live = true;
	return true;
}

std::unique_ptr<Vma> split_vma(Vma &v, uintptr_t at)
{
	auto tail = std::make_unique<Vma>();
	const uint64_t delta = at - v.start;
	tail->start = at;
	tail->end = v.end;
	tail->pgoff = v.pgoff + delta / kPageSize;
	tail->prot = v.prot;
	tail->attr = v.attr;
	tail->pieces = take_tail(v.pieces, delta);
	tail->file = v.file;
	tail->mappable = v.mappable;
	tail->as = v.as;
	tail->empty_fd = v.empty_fd;
	tail->live = v.live;
	tail->generation = v.generation;
	/* Huge leaves across the split point are split, i.e. cleared. */
	tail->leaves = v.leaves.take(at, v.end);
	v.leaves.clip(v.start, at);
	v.end = at;
	return tail;
}

bool valid_pieces(const std::vector<Backing> &pieces, uint64_t length)
{
	uint64_t expect = 0;
	for (const Backing &b : pieces) {
		if (b.vma_offset != expect || b.length == 0 || !page_aligned(b.length) ||
		    !page_aligned(b.file_offset) || b.fd < 0)
			return false;
		expect += b.length;
	}
	return expect == length;
}

} /* namespace softvfio::mm */
