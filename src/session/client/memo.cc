/* SPDX-License-Identifier: MIT */
/*
 * Built without ThreadSanitizer instrumentation: entries are read under a
 * sequence lock, whose benign overlapping reads the sanitizer would report.
 */
#include "session/client/memo.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>

#include "base/user_copy.h"

namespace softvfio::session {

namespace {

const wire::MemoRecord *record_at(const unsigned char *p) { return reinterpret_cast<const wire::MemoRecord *>(p); }

size_t padded(size_t n) { return (n + 7) & ~size_t{7}; }

} /* namespace */

size_t Memo::bucket(int fd, unsigned long cmd) noexcept
{
	return ((static_cast<size_t>(fd) * 31 + cmd) * 0x9e3779b97f4a7c15ull >> 40) % (kEntries / kWays) * kWays;
}

bool Memo::answer(int fd, uint32_t key, unsigned long cmd, uintptr_t arg, uint32_t generation, long &result) noexcept
{
	Entry *table = entries_.load(std::memory_order_acquire);
	if (!table)
		return false;
	const size_t b = bucket(fd, cmd);
	for (size_t w = 0; w < kWays; w++) {
		Entry &e = table[b + w];
		const uint32_t s = e.seq.load(std::memory_order_acquire);
		if ((s & 1) || e.fd != fd || e.key != key || e.cmd != cmd || e.generation != generation)
			continue;
		const long r = e.result;
		/* The question compared where it lies and the answer written,
		 * under one guard: a replay is the whole cost of a hit. A
		 * rewrite meanwhile shows in seq; the spans stay inside the
		 * table whatever a torn read of them gives (one spare entry
		 * at its end). */
		const size_t questions = std::min<size_t>(e.questions, kMaxSpans);
		const size_t answers = std::min<size_t>(e.answers, kMaxSpans - questions);
		auto same = user_compare_and_write(arg, e.spans, questions, e.spans + questions, answers);
		if (!same || !*same)
			continue;
		std::atomic_thread_fence(std::memory_order_acquire);
		if (e.seq.load(std::memory_order_relaxed) != s)
			return false;   /* rewritten meanwhile: ask the kernel */
		result = r;
		return true;
	}
	return false;
}

void Memo::remember(int fd, uint32_t key, unsigned long cmd, uint32_t generation, long result,
		    const unsigned char *data, size_t length) noexcept
{
	if (length < sizeof(wire::MemoHeader) || length > wire::kMemoMax)
		return;
	/* A sanity check of the records, and where they are in `data`: the
	 * question's first. A memo without a question is not kept (it would
	 * answer any argument). */
	const auto *h = reinterpret_cast<const wire::MemoHeader *>(data);
	if (h->nrec > kMaxSpans)
		return;
	struct Span {
		UserBytes bytes;
		bool written;
	} found[kMaxSpans];
	size_t at = sizeof(*h), questions = 0;
	for (uint32_t i = 0; i < h->nrec; i++) {
		if (at + sizeof(wire::MemoRecord) > length)
			return;
		const wire::MemoRecord *r = record_at(data + at);
		if (at + sizeof(*r) + r->length > length || r->offset + r->length > 4096)
			return;
		found[i] = {{r->offset, r->length, nullptr}, r->written != 0};
		questions += !r->written;
		at += sizeof(*r) + padded(r->length);
	}
	if (!questions)
		return;
	std::lock_guard guard(writers_);
	Entry *table = entries_.load(std::memory_order_relaxed);
	if (!table) {
		table = new (std::nothrow) Entry[kEntries + 1];
		if (!table)
			return;
		entries_.store(table, std::memory_order_release);
	}
	const size_t b = bucket(fd, cmd);
	Entry *slot = nullptr;
	for (size_t w = 0; w < kWays && !slot; w++)
		if (table[b + w].fd == fd && table[b + w].key != key)
			slot = &table[b + w];   /* the number's previous file */
	for (size_t w = 0; w < kWays && !slot; w++)
		if (table[b + w].fd < 0)
			slot = &table[b + w];
	if (!slot)
		slot = &table[b + (next_victim_++ % kWays)];
	slot->seq.fetch_add(1, std::memory_order_acq_rel);
	std::atomic_thread_fence(std::memory_order_release);
	slot->fd = fd;
	slot->key = key;
	slot->cmd = cmd;
	slot->generation = generation;
	slot->result = result;
	slot->length = static_cast<uint32_t>(length);
	std::memcpy(slot->data, data, length);
	/* The spans point into the slot's own copy, questions first. */
	size_t n = 0;
	for (bool written : {false, true})
		for (uint32_t i = 0, off = sizeof(*h); i < h->nrec; i++) {
			const wire::MemoRecord *r = record_at(data + off);
			if (found[i].written == written) {
				slot->spans[n] = found[i].bytes;
				slot->spans[n].bytes = slot->data + off + sizeof(*r);
				n++;
			}
			off += static_cast<uint32_t>(sizeof(*r) + padded(r->length));
		}
	slot->questions = static_cast<uint8_t>(questions);
	slot->answers = static_cast<uint8_t>(n - questions);
	slot->seq.fetch_add(1, std::memory_order_release);
}

} /* namespace softvfio::session */
