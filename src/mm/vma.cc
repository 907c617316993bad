/* SPDX-License-Identifier: MIT */
#include "mm/vma.h"

#include <algorithm>
#include <cerrno>

#include "mm/host.h"

namespace softvfio::mm {

namespace {

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
			Backing t = b;
			t.vma_offset = b.vma_offset - at;
			tail.push_back(t);
		} else {
			const uint64_t cut = at - b.vma_offset;
			Backing h = b, t = b;
			h.length = cut;
			t.vma_offset = 0;
			t.length = b.length - cut;
			t.file_offset = b.file_offset + cut;
			head.push_back(h);
			tail.push_back(t);
		}
	}
	pieces = std::move(head);
	return tail;
}

} /* namespace */

void zap_vma(Vma &v)
{
	v.generation++;
	v.leaves.clear();
	if (!v.live)
		return;
	v.live = false;
	v.state_seq++;
	(void)v.host->set_state(v);
}

bool restore_vma(Vma &v)
{
	if (v.live)
		return true;
	v.live = true;
	v.state_seq++;
	if (auto r = v.host->set_state(v); !r) {
		v.live = false;
		v.state_seq++;
		return false;
	}
	return true;
}

std::unique_ptr<Vma> split_vma(Vma &v, uintptr_t at, uint64_t tail_id)
{
	auto tail = std::make_unique<Vma>();
	const uint64_t delta = at - v.start;
	tail->start = at;
	tail->end = v.end;
	tail->pgoff = v.pgoff + delta / kPageSize;
	tail->prot = v.prot;
	tail->attr = v.attr;
	tail->pieces = take_tail(v.pieces, delta);
	tail->id = tail_id;
	tail->file = v.file;
	tail->mappable = v.mappable;
	tail->as = v.as;
	tail->host = v.host;
	tail->dontfork = v.dontfork;
	tail->registers = v.registers;
	tail->live = v.live;
	tail->state_seq = v.state_seq;
	tail->generation = v.generation;
	/* Huge leaves across the split point are split, i.e. cleared. */
	tail->leaves = v.leaves.take(at, v.end);
	v.leaves.clip(v.start, at);
	v.end = at;
	return tail;
}

std::unique_ptr<Vma> copy_vma(const Vma &v, Host *host)
{
	auto copy = std::make_unique<Vma>();
	copy->start = v.start;
	copy->end = v.end;
	copy->pgoff = v.pgoff;
	copy->prot = v.prot;
	copy->attr = v.attr;
	copy->pieces = v.pieces;
	copy->id = v.id;
	copy->file = v.file;
	copy->mappable = v.mappable;
	copy->as = v.as;
	copy->host = host;
	copy->registers = v.registers;
	copy->live = v.live;
	copy->state_seq = v.state_seq;
	copy->generation = v.generation;
	return copy;
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
