/* SPDX-License-Identifier: MIT */
/*
 * Exporter: what a DMABUF needs from the device that exported it.
 *
 * The buffer code (dmabuf/) must not depend on the vfio device (vfio/), yet a
 * vfio-pci DMABUF lives by its device's rules: memory_lock, the
 * memory-enabled predicate, vfio_device registrations, and where its bus
 * addresses live in host memory. The device implements this interface.
 */
#pragma once

#include <cerrno>
#include <cstdint>
#include <shared_mutex>
#include <string>

#include <softvfio/base/result.h>
#include <softvfio/profile.h>

#include "base/tracked_mutex.h"

namespace softvfio::dmabuf {

/* Where a bus address lives in host memory: a BAR memfd and a file offset. */
struct HostLocation {
	int fd;
	uint64_t file_offset;
	/* The BAR's whole range of the memfd, which holds the location. */
	uint64_t extent_offset = 0;
	uint64_t extent_length = 0;
};

class Exporter
{
public:
	virtual ~Exporter() = default;

	virtual const Profile &profile() const = 0;
	/* "<vfio dev name>:<BDF>", e.g. "vfio0:0000:00:03.0": BAR-mmap buffers
	 * are named "<this>/<bar index in hex>". */
	virtual std::string exporter_name() const = 0;

	/* A vfio_device registration: every buffer holds one from export until
	 * cleanup or release, the fault path a short-lived one. False while
	 * the device is being unregistered. */
	virtual bool get_registration() = 0;
	virtual void put_registration() = 0;

	/* The device's memory_lock; status changes need it held for writing. */
	virtual TrackedSharedMutex &memory_lock() = 0;
	/* __vfio_pci_memory_enabled() and not in runtime low power: whether an
	 * MMIO access may succeed. Caller holds memory_lock. */
	virtual bool mmio_accessible_locked() = 0;
	/* The same predicate read lock-free (atomics), for callers that may
	 * not take memory_lock: mm asks Mappable::accessible() under an
	 * address-space lock, which nests inside memory_lock. */
	virtual bool mmio_accessible_now() = 0;

	/* Host memory behind the bus-address range [paddr, paddr + len), which
	 * must lie within one BAR. */
	virtual Result<HostLocation> host_location(uint64_t paddr, uint64_t len) = 0;

	/* Whether the bus address lies in a BAR of device registers (a
	 * register model, not memory): mappings of it trap every access. */
	virtual bool registers_at(uint64_t /*paddr*/) { return false; }
	/* The name that BAR's mirrored reads are found under
	 * (pci::mirror_model(): its model's, or its plugin's and index). */
	virtual std::string register_model_at(uint64_t /*paddr*/) { return {}; }
	/* A trapped load or store of `width` bytes at bus address `paddr`, on
	 * the registers: the value read (0 for a write), EFAULT when the
	 * device does not decode memory now (the CPU access would raise
	 * SIGBUS). Caller holds memory_lock (read). */
	virtual Result<uint64_t> register_access_locked(uint64_t /*paddr*/, unsigned /*width*/, uint64_t /*value*/,
							bool /*write*/)
	{
		return err(EFAULT);
	}
};

} /* namespace softvfio::dmabuf */
