/* SPDX-License-Identifier: MIT */
/*
 * Kernel testing aids: the model's own resource counters and the reset
 * that lets a test or fuzzer reuse one Kernel for many cases.
 *
 * Building a Kernel with its devices costs more than most fuzz inputs
 * (BAR memfds, the ROM image, the config layout), so the fuzzers build one
 * per configuration and call reset_for_reuse() after each input. The
 * reset relies on the model's own teardown paths wherever one exists:
 * closing the last fd of a device runs vfio-pci's disable (buffers
 * cleaned up, interrupts and ioeventfds freed, config restored through a
 * reset), closing a container, group or iommufd releases what it held.
 * What no close undoes (a device's own state, sysfs-level changes) is put
 * back here. tests/kernel/reset_for_reuse_test.cc compares a reset Kernel
 * with a fresh one.
 */
#include <softvfio/kernel.h>

#include <cerrno>

#include "dmabuf/deferred_release.h"
#include "dmabuf/registry.h"
#include "dmabuf/sync_file.h"
#include "kernel/kernel_impl.h"
#include "vfio/platform.h"

namespace softvfio {

KernelResources Kernel::resources()
{
	KernelResources r;
	Impl &k = *impl_;
	r.fds = k.main.fds.size();
	r.mappings = k.main.mm.vma_count();
	r.files = k.open_files->files().size();
	r.buffers = dmabuf::registry_list(&k).size();
	std::lock_guard guard(k.devices_lock);
	for (auto &[bdf, entry] : k.devices) {
		r.device_files += entry.device->open_count();
		if (!k.vfio->bound(*entry.device))
			r.unbound_devices++;
	}
	return r;
}

namespace {

/* Unmap every emulated mapping and close every emulated fd of the
 * Kernel's own process, as the process's exit would. */
void release_own_process(Kernel &kernel, Kernel::Impl &k)
{
	for (const auto &m : kernel.mappings(false))
		(void)kernel.munmap(reinterpret_cast<void *>(m.start), m.end - m.start);
	/* The table counts its emulated numbers but does not list them; they
	 * are real fd numbers, so the lowest ones are found first. */
	for (int fd = 0; k.main.fds.size() > 0 && fd < (1 << 20); fd++)
		if (kernel.owns_fd(fd))
			(void)kernel.close(fd);
	dmabuf::flush_deferred_releases();
	dmabuf::sync_file_prune();
	k.open_files->prune();
}

} /* namespace */

void Kernel::drop_caches()
{
	dmabuf::sync_file_prune();
	impl_->open_files->prune();
}

Result<void> Kernel::reset_for_reuse()
{
	Impl &k = *impl_;
	if (current_process())
		return err(EINVAL);   /* inside a session call: not ours to reset */
	release_own_process(*this, k);
	if (k.main.fds.size() || k.main.mm.vma_count() || !k.open_files->files().empty() ||
	    !dmabuf::registry_list(&k).empty())
		return err(EBUSY);

	/* vfio's module parameters (sysfs module/<m>/parameters). */
	auto &params = k.vfio->params();
	params.dma_entry_limit = vfio::platform::kDmaEntryLimit;
	params.allow_unsafe_interrupts = false;
	params.disable_hugepages = false;

	std::vector<std::shared_ptr<vfio::VfioPciDevice>> devices;
	{
		std::lock_guard guard(k.devices_lock);
		k.dynamic_ids.clear();
		for (auto &[bdf, entry] : k.devices) {
			entry.driver_override.reset();
			devices.push_back(entry.device);
		}
	}
	for (const auto &dev : devices) {
		if (auto r = dev->reset_for_reuse(); !r)
			return r;
		/* A device is added bound to vfio-pci, which allows runtime
		 * PM (a write to power/control may have forbidden it). */
		if (!k.vfio->bound(*dev))
			k.vfio->bind(dev);
		dev->set_runtime_pm_allowed(true);
	}
	/* The view holds what sysfs writes changed (parameter files among
	 * them): drop it; sysfs_root() makes it again on first use. */
	std::lock_guard guard(k.sysfs_lock);
	k.sysfs.reset();
	return {};
}

} /* namespace softvfio */
