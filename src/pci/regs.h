/* SPDX-License-Identifier: MIT */
/*
 * PCI configuration space layout: offsets, bits and capability IDs from the
 * PCI Local Bus, PCI Power Management and PCI Express specifications. Our own
 * definitions (not the kernel's pci_regs.h), in our own namespace.
 */
#pragma once

#include <cstdint>

namespace softvfio::pci::regs {

/* --- type 0 header --- */
constexpr uint16_t kVendorId = 0x00;
constexpr uint16_t kDeviceId = 0x02;
constexpr uint16_t kCommand = 0x04;
constexpr uint16_t kStatus = 0x06;
constexpr uint16_t kRevisionId = 0x08;
constexpr uint16_t kClassProgIf = 0x09;
constexpr uint16_t kClassDevice = 0x0a;   /* sub-class, base class */
constexpr uint16_t kCacheLineSize = 0x0c;
constexpr uint16_t kLatencyTimer = 0x0d;
constexpr uint16_t kHeaderType = 0x0e;
constexpr uint16_t kBist = 0x0f;
constexpr uint16_t kBar0 = 0x10;          /* BARn at kBar0 + 4 * n, n = 0..5 */
constexpr uint16_t kCardbusCis = 0x28;
constexpr uint16_t kSubsystemVendorId = 0x2c;
constexpr uint16_t kSubsystemId = 0x2e;
constexpr uint16_t kRomAddress = 0x30;
constexpr uint16_t kCapabilityList = 0x34;
constexpr uint16_t kInterruptLine = 0x3c;
constexpr uint16_t kInterruptPin = 0x3d;
constexpr uint16_t kMinGnt = 0x3e;
constexpr uint16_t kMaxLat = 0x3f;
constexpr uint16_t kStdHeaderSize = 0x40;
constexpr uint16_t kConfigSizeConventional = 0x100;
constexpr uint16_t kConfigSizeExpress = 0x1000;

constexpr uint16_t bar_offset(unsigned n) { return static_cast<uint16_t>(kBar0 + 4 * n); }

/* Command register */
constexpr uint16_t kCommandIo = 0x0001;
constexpr uint16_t kCommandMemory = 0x0002;
constexpr uint16_t kCommandMaster = 0x0004;
constexpr uint16_t kCommandSpecial = 0x0008;
constexpr uint16_t kCommandInvalidate = 0x0010;
constexpr uint16_t kCommandVgaPalette = 0x0020;
constexpr uint16_t kCommandParity = 0x0040;
constexpr uint16_t kCommandWait = 0x0080;
constexpr uint16_t kCommandSerr = 0x0100;
constexpr uint16_t kCommandFastBack = 0x0200;
constexpr uint16_t kCommandIntxDisable = 0x0400;
/* The bits the model's functions implement (writable), as QEMU's devices:
 * I/O, memory, bus master, SERR# and INTx disable. */
constexpr uint16_t kCommandWritable = kCommandIo | kCommandMemory | kCommandMaster |
				      kCommandSerr | kCommandIntxDisable;

/* Status register */
constexpr uint16_t kStatusImmReady = 0x0001;
constexpr uint16_t kStatusInterrupt = 0x0008;
constexpr uint16_t kStatusCapList = 0x0010;
constexpr uint16_t kStatus66Mhz = 0x0020;
constexpr uint16_t kStatusFastBack = 0x0080;
constexpr uint16_t kStatusParity = 0x0100;
constexpr uint16_t kStatusDevselMask = 0x0600;
constexpr uint16_t kStatusSigTargetAbort = 0x0800;
constexpr uint16_t kStatusRecTargetAbort = 0x1000;
constexpr uint16_t kStatusRecMasterAbort = 0x2000;
constexpr uint16_t kStatusSigSystemError = 0x4000;
constexpr uint16_t kStatusDetectedParity = 0x8000;
/* Error bits are write-one-to-clear. */
constexpr uint16_t kStatusRw1cMask = 0xf900;

/* Header type */
constexpr uint8_t kHeaderTypeNormal = 0x00;
constexpr uint8_t kHeaderTypeMultiFunction = 0x80;

/* BAR low bits */
constexpr uint32_t kBarSpaceIo = 0x01;
constexpr uint32_t kBarMemType32 = 0x00;
constexpr uint32_t kBarMemType64 = 0x04;
constexpr uint32_t kBarMemTypeMask = 0x06;
constexpr uint32_t kBarMemPrefetch = 0x08;
constexpr uint32_t kBarMemMask = ~0x0fu;
constexpr uint32_t kBarIoMask = ~0x03u;

/* Expansion ROM BAR */
constexpr uint32_t kRomEnable = 0x01;
constexpr uint32_t kRomAddressMask = ~0x7ffu;

/* --- capability IDs --- */
constexpr uint8_t kCapIdPm = 0x01;
constexpr uint8_t kCapIdVpd = 0x03;
constexpr uint8_t kCapIdMsi = 0x05;
constexpr uint8_t kCapIdVendor = 0x09;
constexpr uint8_t kCapIdExpress = 0x10;
constexpr uint8_t kCapIdMsix = 0x11;
constexpr uint8_t kCapIdAf = 0x13;

/* Capability header: id at +0, next pointer at +1 */
constexpr uint16_t kCapNext = 0x01;

/* --- power management capability --- */
constexpr uint16_t kPmPmc = 0x02;             /* capabilities */
constexpr uint16_t kPmCtrl = 0x04;            /* control/status */
constexpr uint16_t kPmSizeof = 0x08;
constexpr uint16_t kPmcVersionMask = 0x0007;
constexpr uint16_t kPmcD1 = 0x0200;
constexpr uint16_t kPmcD2 = 0x0400;
constexpr uint16_t kPmcPmeMask = 0xf800;
constexpr uint16_t kPmCtrlStateMask = 0x0003;
constexpr uint16_t kPmCtrlNoSoftReset = 0x0008;
constexpr uint16_t kPmCtrlPmeEnable = 0x0100;
constexpr uint16_t kPmCtrlDataSelMask = 0x1e00;
constexpr uint16_t kPmCtrlDataScaleMask = 0x6000;
constexpr uint16_t kPmCtrlPmeStatus = 0x8000;

/* --- MSI capability --- */
constexpr uint16_t kMsiFlags = 0x02;
constexpr uint16_t kMsiAddressLo = 0x04;
constexpr uint16_t kMsiAddressHi = 0x08;     /* 64-bit only */
constexpr uint16_t kMsiData32 = 0x08;
constexpr uint16_t kMsiData64 = 0x0c;
constexpr uint16_t kMsiMask32 = 0x0c;        /* per-vector masking */
constexpr uint16_t kMsiPending32 = 0x10;
constexpr uint16_t kMsiMask64 = 0x10;
constexpr uint16_t kMsiPending64 = 0x14;
constexpr uint16_t kMsiFlagsEnable = 0x0001;
constexpr uint16_t kMsiFlagsQmask = 0x000e;  /* multiple message capable */
constexpr uint16_t kMsiFlagsQsize = 0x0070;  /* multiple message enable */
constexpr uint16_t kMsiFlags64Bit = 0x0080;
constexpr uint16_t kMsiFlagsMaskBit = 0x0100;

/* --- MSI-X capability --- */
constexpr uint16_t kMsixFlags = 0x02;
constexpr uint16_t kMsixTable = 0x04;
constexpr uint16_t kMsixPba = 0x08;
constexpr uint16_t kMsixSizeof = 0x0c;
constexpr uint16_t kMsixFlagsQsize = 0x07ff;
constexpr uint16_t kMsixFlagsMaskAll = 0x4000;
constexpr uint16_t kMsixFlagsEnable = 0x8000;
constexpr uint32_t kMsixBirMask = 0x7;
constexpr uint32_t kMsixOffsetMask = ~0x7u;
constexpr unsigned kMsixEntrySize = 16;
constexpr uint16_t kMsixEntryAddrLo = 0x0;
constexpr uint16_t kMsixEntryAddrHi = 0x4;
constexpr uint16_t kMsixEntryData = 0x8;
constexpr uint16_t kMsixEntryVectorCtrl = 0xc;
constexpr uint32_t kMsixEntryCtrlMasked = 0x1;

/* --- PCI Express capability --- */
constexpr uint16_t kExpFlags = 0x02;
constexpr uint16_t kExpDevCap = 0x04;
constexpr uint16_t kExpDevCtl = 0x08;
constexpr uint16_t kExpDevSta = 0x0a;
constexpr uint16_t kExpLnkCap = 0x0c;
constexpr uint16_t kExpLnkCtl = 0x10;
constexpr uint16_t kExpLnkSta = 0x12;
constexpr uint16_t kExpDevCap2 = 0x24;
constexpr uint16_t kExpDevCtl2 = 0x28;
constexpr uint16_t kExpLnkCap2 = 0x2c;
constexpr uint16_t kExpLnkCtl2 = 0x30;
constexpr uint16_t kExpLnkSta2 = 0x32;
constexpr uint16_t kExpV2SizeofEndpoint = 0x3c;  /* version 2 endpoint structure */
constexpr uint16_t kExpFlagsVersionMask = 0x000f;
constexpr uint16_t kExpFlagsTypeMask = 0x00f0;
constexpr uint32_t kExpDevCapPayloadMask = 0x00000007;
constexpr uint32_t kExpDevCapFlr = 0x10000000;
constexpr uint16_t kExpDevCtlCere = 0x0001;
constexpr uint16_t kExpDevCtlNfere = 0x0002;
constexpr uint16_t kExpDevCtlFere = 0x0004;
constexpr uint16_t kExpDevCtlUrre = 0x0008;
constexpr uint16_t kExpDevCtlRelaxedOrder = 0x0010;
constexpr uint16_t kExpDevCtlPayloadMask = 0x00e0;
constexpr uint16_t kExpDevCtlExtTag = 0x0100;
constexpr uint16_t kExpDevCtlNoSnoop = 0x0800;
constexpr uint16_t kExpDevCtlReadRqMask = 0x7000;
constexpr uint16_t kExpDevCtlBcrFlr = 0x8000;
constexpr uint16_t kExpDevStaTransPending = 0x0020;

/* --- Advanced Features capability --- */
constexpr uint16_t kAfLength = 0x02;
constexpr uint16_t kAfCap = 0x03;
constexpr uint16_t kAfCtrl = 0x04;
constexpr uint16_t kAfStatus = 0x05;
constexpr uint8_t kAfCapTp = 0x01;
constexpr uint8_t kAfCapFlr = 0x02;
constexpr uint8_t kAfCtrlFlr = 0x01;

/* --- extended capabilities (config offset >= 0x100) --- */
constexpr uint16_t kExtCapStart = 0x100;
constexpr uint16_t kExtCapIdErr = 0x0001;    /* AER */
constexpr uint16_t kExtCapIdDsn = 0x0003;    /* device serial number */
constexpr uint16_t kExtCapIdVndr = 0x000b;
constexpr uint16_t kExtCapIdAri = 0x000e;
constexpr uint16_t kExtCapIdSriov = 0x0010;
/* Extended header: id bits 15:0, version 19:16, next 31:20 */
constexpr uint32_t ext_cap_header(uint16_t id, unsigned version, uint16_t next)
{
	return uint32_t(id) | (uint32_t(version & 0xf) << 16) | (uint32_t(next & 0xffc) << 20);
}
constexpr uint16_t ext_cap_id(uint32_t header) { return header & 0xffff; }
constexpr uint16_t ext_cap_next(uint32_t header) { return (header >> 20) & 0xffc; }

} /* namespace softvfio::pci::regs */
