/* SPDX-License-Identifier: MIT */
/*
 * Mappable: what mm sees of a mapped object (a device file, a dma-buf).
 */
#pragma once

#include <cerrno>
#include <cstdint>
#include <string>
#include <vector>

#include <softvfio/base/result.h>

#include "mm/types.h"

namespace softvfio::mm {

class AddressSpace;

class Mappable
{
public:
	virtual ~Mappable() = default;

	/* The object's i_mmap: every VMA mapping it is linked here. */
	virtual AddressSpace &address_space() = 0;

	/* Host memory behind a VMA's pages (the runs to map while accessible);
	 * may be several runs (a multi-range DMABUF is the concatenation of BAR
	 * ranges). Runs must be page-aligned, sorted and cover the VMA exactly.
	 * Called once per map, under Mm's mmap_lock, without AddressSpace lock. */
	virtual Result<std::vector<Backing>> backing(const VmaGeometry &g) = 0;

	/* Whether access succeeds right now. Called with the AddressSpace lock
	 * held, so it must not take memory_lock or resv (read an atomic). */
	virtual bool accessible() = 0;

	/* The kernel's fault handler at one order (model only; touches no
	 * memory). May take the object's own locks: mm calls it WITHOUT any
	 * AddressSpace lock (but under mmap_lock, read). */
	virtual FaultOutcome fault(const VmaGeometry &g, uintptr_t address, unsigned order) = 0;

	/* The /proc/<pid>/maps path the kernel would show for this VMA. */
	virtual std::string maps_name() const = 0;

	/* Whether the VMA's memory is device registers: every load and store
	 * must reach the device model (trapped and emulated, register_access),
	 * never memory. Fixed for the VMA's life; called once, at its map. */
	virtual bool registers(const VmaGeometry &) { return false; }
	/* The register model behind such a VMA, by the name its mirrored
	 * reads are found under (pci/register_mirror.h; a session client may
	 * serve the reads it promises from the BAR's mirror); empty when none. Called at the VMA's map, under
	 * mmap_lock (write): only the object's own locks. */
	virtual std::string register_model(const VmaGeometry &) { return {}; }
	/* One access of `width` bytes (1, 2, 4, 8) at `address` of such a VMA:
	 * the value read (0 for a write), or EFAULT where the access would
	 * raise SIGBUS (revoked, memory disabled). Under mmap_lock (read), no
	 * AddressSpace lock: it may take the object's own locks. */
	virtual Result<uint64_t> register_access(const VmaGeometry &, uintptr_t /*address*/, unsigned /*width*/,
						 uint64_t /*value*/, bool /*write*/)
	{
		return err(EFAULT);
	}
};

} /* namespace softvfio::mm */
