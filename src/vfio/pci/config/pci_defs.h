/* SPDX-License-Identifier: MIT */
/*
 * PCI register facts that config virtualisation needs beyond pci/regs.h:
 * capability IDs and structure sizes vfio-pci knows about, the bits of
 * capabilities the model's functions do not implement (VPD, PCI-X, AER,
 * power budgeting ...) and the figures vfio-pci uses as lengths. Values are
 * those of the PCI specifications as Linux 6.12 names them.
 */
#pragma once

#include <cstdint>

namespace softvfio::vfio::defs {

/* Fake capability ID vfio uses for the standard header in its byte map,
 * and the two map markers for bytes outside any exposed capability. */
constexpr uint8_t kMapBasic = 0x00;
constexpr uint8_t kMapInvalidVirt = 0xfe; /* virtual-only bytes (vendor drivers) */
constexpr uint8_t kMapInvalid = 0xff;     /* unassigned: raw hardware access */

constexpr uint16_t kConfigSpaceSize = 0x100; /* PCI_CFG_SPACE_SIZE */
constexpr uint16_t kCapSizeof = 4;            /* PCI_CAP_SIZEOF */
constexpr uint16_t kCapFlags = 2;             /* byte after the next pointer */

/* Highest standard/extended capability IDs Linux 6.12 knows. */
constexpr uint8_t kCapIdMax = 0x14;           /* Enhanced Allocation */
constexpr uint16_t kExtCapIdMax = 0x2e;       /* Data Object Exchange */

/* --- standard capability IDs not in pci/regs.h --- */
constexpr uint8_t kCapIdAgp = 0x02;
constexpr uint8_t kCapIdPcix = 0x07;
constexpr uint8_t kCapIdHt = 0x08;
constexpr uint8_t kCapIdSata = 0x12;

/* --- fixed standard capability sizes --- */
constexpr uint16_t kPmSizeof = 8;
constexpr uint16_t kAgpSizeof = 12;
constexpr uint16_t kVpdSizeof = 8;
constexpr uint16_t kMsixSizeof = 12;
constexpr uint16_t kAfSizeof = 6;

/* MSI structure: 10 bytes, +4 for 64-bit addresses, +10 for masking. */
constexpr uint16_t kMsiMinLen = 10;

/* PCI Express capability lengths as vfio-pci computes them. */
constexpr uint16_t kExpTypeShift = 4;
constexpr uint16_t kExpTypeRcEnd = 0x9;
constexpr uint16_t kExpV1RcEndLen = 0x0c;
constexpr uint16_t kExpV1EndpointLen = 20;
constexpr uint16_t kExpV2RcEndLen = 0x2c;
constexpr uint16_t kExpV2EndpointLen = 0x32;  /* Linux's "end of v2 EPs w/ link" */
constexpr uint16_t kExpDevCtlPhantom = 0x0200;
constexpr uint16_t kExpDevCtl2Ari = 0x0020;
constexpr unsigned kExpReadRqShift = 12;
constexpr unsigned kExpPayloadShift = 5;

/* --- VPD --- */
constexpr uint16_t kVpdAddr = 2;
constexpr uint16_t kVpdAddrF = 0x8000;
constexpr uint16_t kVpdData = 4;

/* --- PCI-X --- */
constexpr uint16_t kPcixCmd = 2;
constexpr uint16_t kPcixEccCsr = 8;
constexpr uint16_t kPcixSizeofV0 = 8;
constexpr uint16_t kPcixSizeofV2 = 24;
constexpr unsigned pcix_cmd_version(uint32_t cmd) { return (cmd >> 12) & 3; }

/* --- HyperTransport and SATA --- */
constexpr uint8_t kHt3BitCapMask = 0xe0;
constexpr uint16_t kHtSizeofShort = 24;
constexpr uint16_t kHtSizeofLong = 28;
constexpr uint16_t kSataRegs = 4;
constexpr uint8_t kSataRegsMask = 0x0f;
constexpr uint8_t kSataRegsInline = 0x0f;
constexpr uint16_t kSataSizeofShort = 8;
constexpr uint16_t kSataSizeofLong = 16;

/* --- extended capability IDs --- */
constexpr uint16_t kExtCapIdErr = 0x01;
constexpr uint16_t kExtCapIdVc = 0x02;
constexpr uint16_t kExtCapIdDsn = 0x03;
constexpr uint16_t kExtCapIdPwr = 0x04;
constexpr uint16_t kExtCapIdMfvc = 0x08;
constexpr uint16_t kExtCapIdVc9 = 0x09;
constexpr uint16_t kExtCapIdVndr = 0x0b;
constexpr uint16_t kExtCapIdAcs = 0x0d;
constexpr uint16_t kExtCapIdAri = 0x0e;
constexpr uint16_t kExtCapIdAts = 0x0f;
constexpr uint16_t kExtCapIdSriov = 0x10;
constexpr uint16_t kExtCapIdMcast = 0x12;
constexpr uint16_t kExtCapIdPri = 0x13;
constexpr uint16_t kExtCapIdRebar = 0x15;
constexpr uint16_t kExtCapIdDpa = 0x16;
constexpr uint16_t kExtCapIdTph = 0x17;
constexpr uint16_t kExtCapIdLtr = 0x18;
constexpr uint16_t kExtCapIdDvsec = 0x23;

/* Extended header: next pointer field (bits 31:20, dword aligned). */
constexpr uint32_t kExtCapNextMask = 0xffcu << 20;
constexpr uint16_t ext_header_next(uint32_t header) { return (header >> 20) & 0xffc; }

/* --- fixed extended capability sizes --- */
constexpr uint16_t kErrRootCommand = 0x2c;    /* AER length vfio exposes */
constexpr uint16_t kDsnSizeof = 12;
constexpr uint16_t kPwrSizeof = 0x10;
constexpr uint16_t kAriSizeof = 8;
constexpr uint16_t kAtsSizeof = 8;
constexpr uint16_t kSriovSizeof = 0x40;
constexpr uint16_t kMcastEndpointSizeof = 40;
constexpr uint16_t kPriSizeof = 16;
constexpr uint16_t kLtrSizeof = 8;

/* --- AER registers and the bits vfio lets the user write --- */
constexpr uint16_t kErrUncorStatus = 0x04;
constexpr uint16_t kErrUncorMask = 0x08;
constexpr uint16_t kErrUncorSever = 0x0c;
constexpr uint16_t kErrCorStatus = 0x10;
constexpr uint16_t kErrCorMask = 0x14;
constexpr uint16_t kErrCap = 0x18;
/* UND, DLP, SURPDN, POISON_TLP, FCP, COMP_TIME, COMP_ABORT, UNX_COMP,
 * RX_OVER, MALF_TLP, ECRC, UNSUP, ACSV, INTN, MCBTLP, ATOMEG, TLPPRE */
constexpr uint32_t kErrUncWritable = 0x00000001 | 0x00000010 | 0x00000020 | 0x00001000 |
				     0x00002000 | 0x00004000 | 0x00008000 | 0x00010000 |
				     0x00020000 | 0x00040000 | 0x00080000 | 0x00100000 |
				     0x00200000 | 0x00400000 | 0x00800000 | 0x01000000 |
				     0x02000000;
/* RCVR, BAD_TLP, BAD_DLLP, REP_ROLL, REP_TIMER, ADV_NFAT, INTERNAL, LOG_OVER */
constexpr uint32_t kErrCorWritable = 0x00000001 | 0x00000040 | 0x00000080 | 0x00000100 |
				     0x00001000 | 0x00002000 | 0x00004000 | 0x00008000;
/* ECRC generation enable, ECRC check enable */
constexpr uint32_t kErrCapWritable = 0x00000040 | 0x00000100;

/* --- power budgeting --- */
/* vfio makes the low byte of the Data register (0x08) writable, meaning
 * the selector; the Data Select register itself (0x04) stays read-only. */
constexpr uint16_t kPwrData = 0x08;

/* --- variable-length extended capabilities --- */
constexpr uint16_t kVsecHdr = 4;
constexpr unsigned kVsecLenShift = 20;
constexpr uint16_t kVcPortCap1 = 0x04;
constexpr uint32_t kVcCap1Evcc = 0x7;
constexpr uint16_t kVcPortCap2 = 0x08;
constexpr uint32_t kVcCap2Phase32 = 0x2;
constexpr uint32_t kVcCap2Phase64 = 0x4;
constexpr uint32_t kVcCap2Phase128 = 0x8;
constexpr uint16_t kVcBaseSizeof = 0x10;
constexpr uint16_t kVcPerVcSizeof = 0x0c;
constexpr uint16_t kAcsCap = 0x04;
constexpr uint8_t kAcsEgressControl = 0x20;
constexpr uint16_t kAcsEgressBits = 0x05;
constexpr uint16_t kRebarCtrl = 0x08;
constexpr uint8_t kRebarNbarMask = 0xe0;
constexpr unsigned kRebarNbarShift = 5;
constexpr uint16_t kDpaCap = 0x04;
constexpr uint8_t kDpaSubstateMask = 0x1f;
constexpr uint16_t kDpaBaseSizeof = 16;
constexpr uint16_t kTphCap = 0x04;
constexpr uint32_t kTphLocMask = 0x600;
constexpr uint32_t kTphLocCap = 0x200;
constexpr uint32_t kTphStMask = 0x07ff0000;
constexpr unsigned kTphStShift = 16;
constexpr uint16_t kTphBaseSizeof = 0x0c;
constexpr uint16_t kDvsecHeader1 = 0x04;
constexpr uint32_t dvsec_len(uint32_t header1) { return (header1 >> 20) & 0xfff; }

} /* namespace softvfio::vfio::defs */
