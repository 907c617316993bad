/* SPDX-License-Identifier: MIT */
/*
 * RemoteMm: the address space of a process of the session (mm/host.h).
 *
 * The kernel keeps the process's VMAs; the process makes its real memory
 * agree (session/client/mm_table.h). Changes a process's own call makes go
 * back with its reply as mm ops; the only change another process's call
 * can make to it, a VMA going live or revoked, is queued for its mailbox
 * and delivered when that call's work ends (session/call.h: WorkScope).
 * Address space is reserved by the calling thread itself (a sub-request),
 * where the kernel's placement rules run.
 */
#pragma once

#include <map>
#include <vector>

#include "mm/host.h"
#include "mm/types.h"

namespace softvfio::session {

class Call;
class ClientProcess;

class RemoteMm final : public mm::Host
{
public:
	explicit RemoteMm(ClientProcess &owner) : owner_(owner) {}

	Result<uintptr_t> reserve(const mm::PlacementRequest &req, const mm::HugeOrders &orders) override;
	void unreserve(uintptr_t addr, uint64_t length) override;
	Result<void> create(const mm::Vma &v) override;
	Result<void> set_state(const mm::Vma &v) override;
	void split(const mm::Vma &head, const mm::Vma &tail) override;
	Result<void> remove(const mm::Vma &v, bool keep_reserved) override;
	Result<void> protect(const mm::Vma &v) override;
	Result<bool> move(const mm::Vma &v, uintptr_t from) override;
	Result<void> advise(const mm::Vma &v, uintptr_t lo, uintptr_t hi, int advice) override;
	Result<std::vector<bool>> present_pages(uintptr_t start, uintptr_t end) override;
	void teardown(const mm::Vma &v) override;

	/* A fork's child takes its record over: the VMAs its Mm copied from
	 * the parent's (no Host call told of them). */
	void seed(const std::vector<mm::VmaSnapshot> &vmas);

private:
	/* The call of the owner this thread serves, or null. */
	Call *own_call() const;
	bool overlaps(uintptr_t start, uintptr_t end) const;
	uint32_t mirror_entry(const mm::Vma &v);

	ClientProcess &owner_;
	/* Where the owner's VMAs are (start -> end), as the Mm told this Host:
	 * the process answers Reserve, and the Mm takes the answer for free
	 * room, so it is checked against them. Every geometry change and
	 * reserve() come with the Mm's mmap_lock held for writing. */
	std::map<uintptr_t, uintptr_t> ranges_;
};

} /* namespace softvfio::session */
