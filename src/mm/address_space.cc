/* SPDX-License-Identifier: MIT */
#include "mm/address_space.h"

#include <cassert>

#include "mm/vma.h"

namespace softvfio::mm {

/* The owner (a mapped object) dies only after its last VMA, since every VMA
 * holds its File. */
AddressSpace::~AddressSpace() { assert(head_ == nullptr); }

void AddressSpace::zap()
{
	std::lock_guard guard(lock_);
	zaps_++;
	for (Vma *v = head_; v; v = v->next)
		zap_vma(*v);
}

void AddressSpace::restore()
{
	std::lock_guard guard(lock_);
	for (Vma *v = head_; v; v = v->next)
		if (!v->live && v->mappable->accessible())
			restore_vma(*v);
}

size_t AddressSpace::vma_count()
{
	std::lock_guard guard(lock_);
	return count_;
}

uint64_t AddressSpace::zap_count()
{
	std::lock_guard guard(lock_);
	return zaps_;
}

void AddressSpace::link_locked(Vma *v)
{
	v->prev = nullptr;
	v->next = head_;
	if (head_)
		head_->prev = v;
	head_ = v;
	count_++;
}

void AddressSpace::unlink_locked(Vma *v)
{
	if (v->prev)
		v->prev->next = v->next;
	else
		head_ = v->next;
	if (v->next)
		v->next->prev = v->prev;
	v->prev = v->next = nullptr;
	count_--;
}

} /* namespace softvfio::mm */
