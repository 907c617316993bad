/* SPDX-License-Identifier: MIT */
/*
 * SR-IOV in the Kernel: what the PCI core (drivers/pci/iov.c) and
 * vfio-pci's sriov_configure do when sriov_numvfs is written, the VFs'
 * removal when vfio-pci lets go of their PF, and the sysfs view of both.
 */
#pragma once

#include <memory>
#include <string>

#include "kernel/kernel_impl.h"
#include "kernel/sysfs_tree.h"

namespace softvfio {

/* A store to devices/.../<bdf>/sriov_numvfs or sriov_drivers_autoprobe:
 * `count`, or -errno as the kernel's store gives it. */
long store_sriov(Kernel::Impl &impl, const std::string &bdf, const std::string &attribute,
		 const std::string &buf, size_t count);

/* vfio_pci_core_unregister_device() disables SR-IOV first: `pf`'s VFs go,
 * each waiting for its users as any vfio-pci unbind does. */
void sriov_disable_for_unbind(Kernel::Impl &impl, const std::shared_ptr<vfio::VfioPciDevice> &pf);

/* The PCI core's VF BAR resources of a new PF (sriov_init): each VF BAR's
 * aperture, total_vfs BARs long, placed from `window` (64-bit BARs) or
 * from 0xc0000000 (32-bit), naturally aligned, and written into the
 * capability's VF BAR registers. VF i's BAR is the aperture's i-th slice. */
void assign_vf_bar_apertures(pci::PciFunction &pf, uint64_t window);

/* The SR-IOV part of a device's sysfs view; devices_lock held. */
void sriov_view(const DeviceEntry &entry, SysfsDevice &out);

} /* namespace softvfio */
