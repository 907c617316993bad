/* SPDX-License-Identifier: MIT */
/*
 * Kernel::register_mirrors: which register reads a session client may
 * serve from a BAR's mirror (pci/register_mirror.h), by the inode of the
 * function's memory file, which is what a client's mapping of the BAR
 * shows it.
 */
#include <softvfio/kernel.h>

#include <sys/stat.h>

#include "kernel/kernel_impl.h"
#include "pci/register_mirror.h"

namespace softvfio {

std::vector<RegisterMirror> Kernel::register_mirrors()
{
	std::vector<std::shared_ptr<vfio::VfioPciDevice>> devices;
	{
		std::lock_guard guard(impl_->devices_lock);
		for (auto &[bdf, entry] : impl_->devices)
			devices.push_back(entry.device);
	}
	std::vector<RegisterMirror> out;
	for (const auto &dev : devices) {
		pci::PciFunction &fn = dev->function();
		struct stat st;
		if (::fstat(fn.memory_fd(), &st) < 0)
			continue;
		for (unsigned i = 0; i < 6; i++) {
			if (!fn.bar_has_registers(i))
				continue;
			auto reads = pci::mirrored_reads(fn.description().bars[i].model);
			if (reads.empty())
				continue;
			RegisterMirror m;
			m.memory_inode = static_cast<uint64_t>(st.st_ino);
			m.bar = i;
			for (const pci::MirroredRead &r : reads)
				m.reads.push_back({r.offset, r.widths});
			out.push_back(std::move(m));
		}
	}
	return out;
}

} /* namespace softvfio */
