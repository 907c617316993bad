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

/* Does the caller's memory hold the question? Then write the answer. */
bool Memo::replay(const Entry &e, uintptr_t arg) noexcept
{
	unsigned char seen[4096];
	if (!e.span || e.span > sizeof(seen) ||
	    !copy_from_user(seen, reinterpret_cast<const void *>(arg), e.span))
		return false;
	const auto *h = reinterpret_cast<const wire::MemoHeader *>(e.data);
	const unsigned char *p = e.data + sizeof(*h);
	for (uint32_t i = 0; i < h->nrec; i++) {
		const wire::MemoRecord *r = record_at(p);
		if (!r->written && std::memcmp(seen + r->offset, p + sizeof(*r), r->length) != 0)
			return false;
		p += sizeof(*r) + padded(r->length);
	}
	p = e.data + sizeof(*h);
	for (uint32_t i = 0; i < h->nrec; i++) {
		const wire::MemoRecord *r = record_at(p);
		if (r->written && !copy_to_user(reinterpret_cast<void *>(arg + r->offset), p + sizeof(*r), r->length))
			return false;
		p += sizeof(*r) + padded(r->length);
	}
	return true;
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
		if (!replay(e, arg))
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
	/* The span of the question, and a sanity check of the records. */
	const auto *h = reinterpret_cast<const wire::MemoHeader *>(data);
	size_t at = sizeof(*h);
	uint32_t span = 0;
	for (uint32_t i = 0; i < h->nrec; i++) {
		if (at + sizeof(wire::MemoRecord) > length)
			return;
		const wire::MemoRecord *r = record_at(data + at);
		if (at + sizeof(*r) + r->length > length || r->offset + r->length > 4096)
			return;
		span = std::max<uint32_t>(span, r->offset + r->length);
		at += sizeof(*r) + padded(r->length);
	}
	std::lock_guard guard(writers_);
	Entry *table = entries_.load(std::memory_order_relaxed);
	if (!table) {
		table = new (std::nothrow) Entry[kEntries];
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
	slot->span = span;
	std::memcpy(slot->data, data, length);
	slot->seq.fetch_add(1, std::memory_order_release);
}

} /* namespace softvfio::session */
