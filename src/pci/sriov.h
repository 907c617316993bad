/* SPDX-License-Identifier: MIT */
/*
 * SR-IOV on the PCI function's side: the SR-IOV extended capability a
 * physical function carries (PCIe Base Specification, "Single Root I/O
 * Virtualization and Sharing"), the description of each virtual function
 * it spawns, and the rules an [sriov] section must satisfy.
 *
 * The capability is hardware: the PCI core (the Kernel, for sriov_numvfs)
 * writes NumVFs and VF Enable into it; vfio-pci passes it to the user read
 * only. Which VFs exist as devices is the Kernel's business, not the
 * function's.
 */
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include <softvfio/device_description.h>

#include "pci/config_space.h"

namespace softvfio::pci {

namespace sriov_regs {
/* Register offsets within the capability (PCI_SRIOV_* in Linux). */
constexpr uint16_t kCap = 0x04;          /* SR-IOV Capabilities, 32 bits */
constexpr uint16_t kCtrl = 0x08;         /* SR-IOV Control, 16 bits */
constexpr uint16_t kStatus = 0x0a;
constexpr uint16_t kInitialVf = 0x0c;
constexpr uint16_t kTotalVf = 0x0e;
constexpr uint16_t kNumVf = 0x10;
constexpr uint16_t kFuncLink = 0x12;     /* 8 bits */
constexpr uint16_t kVfOffset = 0x14;
constexpr uint16_t kVfStride = 0x16;
constexpr uint16_t kVfDid = 0x1a;
constexpr uint16_t kSupPgsize = 0x1c;    /* 32 bits, read only */
constexpr uint16_t kSysPgsize = 0x20;    /* 32 bits, one supported bit */
constexpr uint16_t kBar0 = 0x24;         /* six VF BAR registers */
constexpr uint16_t kVfMigration = 0x3c;  /* VF Migration State Array Offset */
constexpr uint16_t kSizeof = 0x40;

constexpr uint16_t kCtrlVfEnable = 0x0001;
constexpr uint16_t kCtrlVfMigration = 0x0002;
constexpr uint16_t kCtrlVfMemoryEnable = 0x0008;
constexpr uint16_t kCtrlAriHierarchy = 0x0010;
constexpr unsigned kVersion = 1;
} /* namespace sriov_regs */

/* The most VFs a description may declare: each VF is a whole software
 * function (config space, memfd, group, cdev). Hardware allows 65535. */
constexpr unsigned kMaxVfs = 256;

/* Write the capability at `at` (in extended config space) with its
 * power-on values and write masks: NumVFs 0, VF Enable clear, the VF BAR
 * registers holding their type bits and sizing masks. Returns its length. */
uint16_t build_sriov_capability(const SriovCapability &sriov, ConfigSpace &cfg, uint16_t at);

/* Virtual function `index` of `pf` as a description of its own: the PF's
 * vendor, class, revision and subsystem, the VF device ID, the [sriov] BARs
 * and MSI-X, no INTx (VFs have no interrupt pin), a PCI Express endpoint
 * with FLR (every VF has one), and virtual_function set. */
DeviceDescription vf_description(const DeviceDescription &pf, unsigned index);

/* The [sriov] rules, for validate_device_description(): the first
 * problem, fields named as the TOML file names them ("sriov.bar[2].size"). */
std::optional<DescriptionError> validate_sriov_description(const DeviceDescription &desc,
							   std::string_view origin);

} /* namespace softvfio::pci */
