/* SPDX-License-Identifier: MIT */
/*
 * VfioPciDevice::reset_for_reuse(): a closed device back to the state
 * create() left, for Kernel::reset_for_reuse() (fuzzers and tests reuse a
 * Kernel between cases because building one costs more than the case).
 *
 * The last close already undoes what an open did (vfio_pci_core_disable:
 * buffers cleaned up, interrupts and ioeventfds freed, config restored
 * through a reset). What survives a close on real hardware survives it
 * here too, and is put back below: the function's own state (BAR memory,
 * register models, power state: PciFunction::power_on_reset()) and the
 * flags an open recomputes but a close leaves as they were.
 */
#include "vfio/pci/device.h"

#include <cerrno>

namespace softvfio::vfio {

Result<void> VfioPciDevice::reset_for_reuse()
{
	std::lock_guard open_guard(open_lock_);
	/* Refused, changing nothing, while anything still holds the device:
	 * an open file, an ioeventfd, a buffer, a container or IOAS. */
	if (open_count_ || dma_port_.attached())
		return err(EBUSY);
	{
		std::lock_guard guard(registration_lock_);
		if (registrations_)
			return err(EBUSY);
		unregistering_ = false;
	}
	{
		std::lock_guard guard(ioeventfds_lock_);
		if (!ioeventfds_.empty())
			return err(EBUSY);
		watcher_.reset();
	}
	{
		std::unique_lock memory(memory_lock_);
		/* The legacy zap outlives the close that left it set (no
		 * mapping remains to un-revoke); a fresh device has none. */
		file_mapping_revoked_ = false;
		pm_runtime_engaged_ = false;
		pm_wake_.reset();
	}
	function_->power_on_reset();
	dma_port_.reset_faults();
	register_accesses_ = 0;
	reset_works_ = false;
	pci_saved_state_.reset();
	needs_pm_restore_ = false;
	pm_save_.reset();
	for (bool &supported : bar_mmap_supported_)
		supported = false;
	msix_bar_ = 0xff;
	msix_offset_ = 0;
	msix_size_ = 0;
	return {};
}

} /* namespace softvfio::vfio */
