/* SPDX-License-Identifier: MIT */
/*
 * InfoReport: what a device reports through the uAPI — device info, regions
 * with their capability chains, irq indexes, the virtual config space's
 * identity and capabilities, and feature probes — gathered only with
 * ioctl/pread calls on a device fd, exactly as a program would.
 */
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace softvfio::cli {

/* The calls the report needs, so it can run on the model or a real fd. */
struct DeviceCalls {
	std::function<long(unsigned long cmd, void *arg)> ioctl;
	std::function<long(void *buf, size_t count, uint64_t offset)> pread;
};

struct RegionCap {
	uint16_t id;
	uint16_t version;
	std::string summary;   /* decoded body */
};

struct RegionReport {
	unsigned index;
	std::string name;      /* "BAR2", "ROM", "CONFIG", "VGA" */
	int error = 0;         /* errno of GET_REGION_INFO, 0 on success */
	uint32_t flags = 0;
	uint64_t size = 0;
	uint64_t offset = 0;
	std::vector<RegionCap> caps;
};

struct IrqReport {
	unsigned index;
	std::string name;
	int error = 0;
	uint32_t flags = 0;
	uint32_t count = 0;
};

/* Where an MSI-X capability puts its vector table and PBA (and its Message
 * Control), as lspci -vv shows them. */
struct MsixLocation {
	unsigned count = 0;        /* table size */
	bool enabled = false;
	bool masked = false;       /* function mask */
	unsigned table_bar = 0;
	uint32_t table_offset = 0;
	unsigned pba_bar = 0;
	uint32_t pba_offset = 0;
};

struct ConfigCap {
	uint16_t offset;
	uint16_t id;
	bool extended;
	std::string name;
	std::optional<MsixLocation> msix;   /* the MSI-X capability's */
};

struct FeatureProbe {
	unsigned index;
	int get_errno;         /* 0 = PROBE|GET supported */
	int set_errno;
};

/* The uAPI name of VFIO_DEVICE_FEATURE `index` ("DMA_BUF"), "" if none.
 * Series v2 numbered MEMATTR 13, where v3 on have REVOKE, and had no 14. */
std::string feature_name(unsigned index, bool series_v2);

struct InfoReport {
	uint32_t device_flags = 0;
	uint32_t num_regions = 0;
	uint32_t num_irqs = 0;
	uint16_t vendor = 0, device = 0, subsystem_vendor = 0, subsystem = 0, command = 0;
	uint32_t class_code = 0;
	uint8_t revision = 0;
	std::vector<RegionReport> regions;
	std::vector<IrqReport> irqs;
	std::vector<ConfigCap> config_caps;
	std::vector<FeatureProbe> features;
	/* Feature numbers as series v2 used them (feature_name). */
	bool series_v2 = false;
};

/* Gather the report; a failing GET_INFO is the only fatal error (-errno). */
long gather_info(const DeviceCalls &calls, InfoReport &out);

nlohmann::json to_json(const InfoReport &report);
/* Human-readable text; `colour` adds ANSI highlighting. */
std::string to_text(const InfoReport &report, bool colour);

} /* namespace softvfio::cli */
