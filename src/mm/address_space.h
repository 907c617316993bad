/* SPDX-License-Identifier: MIT */
/*
 * AddressSpace: the VMAs mapping one object (the kernel's address_space and
 * its i_mmap tree), and the revocation of all of them at once.
 */
#pragma once

#include <cstddef>
#include <cstdint>
#include <mutex>

namespace softvfio::mm {

struct Vma;

class AddressSpace
{
public:
	AddressSpace() = default;
	~AddressSpace();
	AddressSpace(const AddressSpace &) = delete;
	AddressSpace &operator=(const AddressSpace &) = delete;

	/* Every VMA becomes inaccessible: any access raises SIGBUS BUS_ADRERR,
	 * at once. Once zap() returns, no access through any VMA of this
	 * address space succeeds, whatever other threads do. Clears the
	 * modelled page-table leaves (tables stay). One mmap per run. */
	void zap();
	/* Every zapped VMA gets its memory back if its Mappable is accessible
	 * now; data is intact (it lives in the backing memfd). */
	void restore();
	size_t vma_count();

	/* How many zap() calls did real work (introspection for tests). */
	uint64_t zap_count();

	/* --- mm-internal: the i_mmap lock and the list it guards. --- */
	std::mutex &i_mmap() { return lock_; }
	void link_locked(Vma *v);
	void unlink_locked(Vma *v);

private:
	std::mutex lock_;
	Vma *head_ = nullptr;
	size_t count_ = 0;
	uint64_t zaps_ = 0;
};

} /* namespace softvfio::mm */
