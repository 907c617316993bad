/* SPDX-License-Identifier: MIT */
/*
 * The machine the access paths pretend to run on: the IOMMU every software
 * device sits behind, and the device numbers of the vfio nodes.
 *
 * The IOMMU is shaped like the Intel VT-d of the reference guest (QEMU 7.2
 * q35, 39-bit address width, docs/semantics.md §8): page sizes 4 KiB,
 * 2 MiB and 1 GiB, one MSI window reserved per group. Those are the figures
 * type1's GET_INFO and iommufd's IOVA_RANGES report.
 */
#pragma once

#include <cstdint>

namespace softvfio::vfio::platform {

constexpr uint64_t kPageSize = 4096;

/* iova_pgsizes observed on 6.12 with intel-iommu. */
constexpr uint64_t kIommuPgsizes = 0x40201000;
/* VT-d with a 39-bit address width (QEMU's default before 9.x). */
constexpr uint64_t kApertureEnd = (uint64_t(1) << 39) - 1;
/* The interrupt window every x86 group reserves ("msi" reserved region). */
constexpr uint64_t kMsiStart = 0xfee00000;
constexpr uint64_t kMsiLast = 0xfeefffff;

/* vfio_iommu_type1.dma_entry_limit's default (U16_MAX). */
constexpr unsigned kDmaEntryLimit = 65535;

/* Device numbers: /dev/vfio/vfio is misc 10:196 (VFIO_MINOR); groups and
 * cdevs get dynamic majors (244 observed for groups on 6.12; the cdev
 * region is allocated right after it, so the next one down); /dev/iommu is
 * a dynamic misc minor, chosen here. */
constexpr unsigned kMiscMajor = 10;
constexpr unsigned kVfioMinor = 196;
constexpr unsigned kIommuMinor = 122;
constexpr unsigned kGroupMajor = 244;
constexpr unsigned kCdevMajor = 243;

} /* namespace softvfio::vfio::platform */
