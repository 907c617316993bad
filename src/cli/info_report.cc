/* SPDX-License-Identifier: MIT */
#include "cli/info_report.h"

#include <cerrno>
#include <cstring>
#include <vector>

#include <fmt/format.h>

#include <softvfio/uapi/vfio.h>

#include "base/errno_name.h"
#include "pci/regs.h"

namespace softvfio::cli {

namespace {

namespace r = pci::regs;

constexpr uint64_t kConfigOffset = uint64_t(VFIO_PCI_CONFIG_REGION_INDEX) << 40;

std::string region_name(unsigned i)
{
	if (i <= VFIO_PCI_BAR5_REGION_INDEX)
		return "BAR" + std::to_string(i);
	switch (i) {
	case VFIO_PCI_ROM_REGION_INDEX: return "ROM";
	case VFIO_PCI_CONFIG_REGION_INDEX: return "CONFIG";
	case VFIO_PCI_VGA_REGION_INDEX: return "VGA";
	default: return "REGION" + std::to_string(i);
	}
}

std::string irq_name(unsigned i)
{
	static const char *names[] = {"INTX", "MSI", "MSIX", "ERR", "REQ"};
	return i < 5 ? names[i] : "IRQ" + std::to_string(i);
}

std::string cap_name(uint16_t id, bool extended)
{
	if (extended) {
		switch (id) {
		case r::kExtCapIdErr: return "AER";
		case r::kExtCapIdDsn: return "DSN";
		case r::kExtCapIdAri: return "ARI";
		case r::kExtCapIdSriov: return "SR-IOV";
		default: return fmt::format("ext-0x{:04x}", id);
		}
	}
	switch (id) {
	case r::kCapIdPm: return "PM";
	case r::kCapIdMsi: return "MSI";
	case r::kCapIdVendor: return "vendor";
	case r::kCapIdExpress: return "PCIe";
	case r::kCapIdMsix: return "MSI-X";
	case r::kCapIdAf: return "AF";
	default: return fmt::format("0x{:02x}", id);
	}
}

long call(const DeviceCalls &c, unsigned long cmd, void *arg)
{
	long r = c.ioctl(cmd, arg);
	return r;
}

template<typename T>
T cfg(const DeviceCalls &c, uint32_t off)
{
	T v{};
	c.pread(&v, sizeof(v), kConfigOffset + off);
	return v;
}

std::vector<RegionCap> decode_caps(const std::vector<uint8_t> &buf, uint32_t first)
{
	std::vector<RegionCap> caps;
	uint32_t at = first;
	for (int guard = 0; at && at + sizeof(vfio_info_cap_header) <= buf.size() && guard < 64; guard++) {
		vfio_info_cap_header h;
		std::memcpy(&h, buf.data() + at, sizeof(h));
		RegionCap cap{h.id, h.version, {}};
		if (h.id == VFIO_REGION_INFO_CAP_MSIX_MAPPABLE)
			cap.summary = "MSI-X table mappable";
		else if (h.id == VFIO_REGION_INFO_CAP_TYPE && at + 16 <= buf.size()) {
			uint32_t type, subtype;
			std::memcpy(&type, buf.data() + at + 8, 4);
			std::memcpy(&subtype, buf.data() + at + 12, 4);
			cap.summary = fmt::format("type {} subtype {}", type, subtype);
		} else if (h.id == VFIO_REGION_INFO_CAP_SPARSE_MMAP && at + 16 <= buf.size()) {
			uint32_t n;
			std::memcpy(&n, buf.data() + at + 8, 4);
			cap.summary = fmt::format("{} sparse mmap area(s)", n);
			for (uint32_t i = 0; i < n && at + 16 + 16 * (i + 1) <= buf.size(); i++) {
				uint64_t off, size;
				std::memcpy(&off, buf.data() + at + 16 + 16 * i, 8);
				std::memcpy(&size, buf.data() + at + 24 + 16 * i, 8);
				cap.summary += fmt::format(" [0x{:x}+0x{:x}]", off, size);
			}
		}
		caps.push_back(cap);
		at = h.next;
	}
	return caps;
}

RegionReport region(const DeviceCalls &c, unsigned index)
{
	RegionReport rep;
	rep.index = index;
	rep.name = region_name(index);
	std::vector<uint8_t> buf(sizeof(vfio_region_info));
	for (int attempt = 0; attempt < 2; attempt++) {
		auto *info = reinterpret_cast<vfio_region_info *>(buf.data());
		info->argsz = static_cast<uint32_t>(buf.size());
		info->index = index;
		long r = call(c, VFIO_DEVICE_GET_REGION_INFO, info);
		if (r < 0) {
			rep.error = static_cast<int>(-r);
			return rep;
		}
		/* The chain did not fit: the kernel says how much it needs. */
		if (info->argsz > buf.size()) {
			uint32_t need = info->argsz;
			buf.assign(need, 0);
			continue;
		}
		rep.flags = info->flags;
		rep.size = info->size;
		rep.offset = info->offset;
		if (info->flags & VFIO_REGION_INFO_FLAG_CAPS)
			rep.caps = decode_caps(buf, info->cap_offset);
		break;
	}
	return rep;
}

MsixLocation msix_location(const DeviceCalls &c, uint8_t at)
{
	uint16_t flags = cfg<uint16_t>(c, at + r::kMsixFlags);
	uint32_t table = cfg<uint32_t>(c, at + r::kMsixTable);
	uint32_t pba = cfg<uint32_t>(c, at + r::kMsixPba);
	MsixLocation m;
	m.count = (flags & r::kMsixFlagsQsize) + 1u;
	m.enabled = flags & r::kMsixFlagsEnable;
	m.masked = flags & r::kMsixFlagsMaskAll;
	m.table_bar = table & r::kMsixBirMask;
	m.table_offset = table & r::kMsixOffsetMask;
	m.pba_bar = pba & r::kMsixBirMask;
	m.pba_offset = pba & r::kMsixOffsetMask;
	return m;
}

void walk_config_caps(const DeviceCalls &c, InfoReport &out)
{
	if (!(cfg<uint16_t>(c, r::kStatus) & r::kStatusCapList))
		return;
	uint8_t at = cfg<uint8_t>(c, r::kCapabilityList) & 0xfc;
	for (int guard = 0; at && guard < 48; guard++) {
		uint8_t id = cfg<uint8_t>(c, at);
		out.config_caps.push_back({at, id, false, cap_name(id, false), std::nullopt});
		if (id == r::kCapIdMsix)
			out.config_caps.back().msix = msix_location(c, at);
		at = cfg<uint8_t>(c, at + 1) & 0xfc;
	}
	uint16_t ext = r::kExtCapStart;
	for (int guard = 0; ext && guard < 64; guard++) {
		uint32_t hdr = 0;
		if (c.pread(&hdr, 4, kConfigOffset + ext) != 4 || hdr == 0 || hdr == 0xffffffff)
			break;
		out.config_caps.push_back({ext, r::ext_cap_id(hdr), true, cap_name(r::ext_cap_id(hdr), true), std::nullopt});
		ext = r::ext_cap_next(hdr);
	}
}

int probe(const DeviceCalls &c, unsigned index, uint32_t op)
{
	alignas(8) uint8_t buf[sizeof(vfio_device_feature) + 64] = {};
	auto *f = reinterpret_cast<vfio_device_feature *>(buf);
	f->argsz = sizeof(buf);
	f->flags = VFIO_DEVICE_FEATURE_PROBE | op | index;
	long r = call(c, VFIO_DEVICE_FEATURE, f);
	return r < 0 ? static_cast<int>(-r) : 0;
}

} /* namespace */

std::string feature_name(unsigned index, bool series_v2)
{
	if (series_v2 && index == SOFTVFIO_SERIES_V2_FEATURE_DMA_BUF_MEMATTR)
		return "DMA_BUF_MEMATTR";
	if (series_v2 && index == VFIO_DEVICE_FEATURE_DMA_BUF_MEMATTR)
		return {};
	switch (index) {
	case VFIO_DEVICE_FEATURE_PCI_VF_TOKEN: return "PCI_VF_TOKEN";
	case VFIO_DEVICE_FEATURE_MIGRATION: return "MIGRATION";
	case VFIO_DEVICE_FEATURE_MIG_DEVICE_STATE: return "MIG_DEVICE_STATE";
	case VFIO_DEVICE_FEATURE_LOW_POWER_ENTRY: return "LOW_POWER_ENTRY";
	case VFIO_DEVICE_FEATURE_LOW_POWER_ENTRY_WITH_WAKEUP: return "LOW_POWER_ENTRY_WITH_WAKEUP";
	case VFIO_DEVICE_FEATURE_LOW_POWER_EXIT: return "LOW_POWER_EXIT";
	case VFIO_DEVICE_FEATURE_DMA_LOGGING_START: return "DMA_LOGGING_START";
	case VFIO_DEVICE_FEATURE_DMA_LOGGING_STOP: return "DMA_LOGGING_STOP";
	case VFIO_DEVICE_FEATURE_DMA_LOGGING_REPORT: return "DMA_LOGGING_REPORT";
	case VFIO_DEVICE_FEATURE_MIG_DATA_SIZE: return "MIG_DATA_SIZE";
	case VFIO_DEVICE_FEATURE_BUS_MASTER: return "BUS_MASTER";
	case VFIO_DEVICE_FEATURE_DMA_BUF: return "DMA_BUF";
	case VFIO_DEVICE_FEATURE_MIG_PRECOPY_INFOv2: return "MIG_PRECOPY_INFOv2";
	case VFIO_DEVICE_FEATURE_DMA_BUF_REVOKE: return "DMA_BUF_REVOKE";
	case VFIO_DEVICE_FEATURE_DMA_BUF_MEMATTR: return "DMA_BUF_MEMATTR";
	default: return {};
	}
}

long gather_info(const DeviceCalls &c, InfoReport &out)
{
	vfio_device_info di{};
	di.argsz = sizeof(di);
	if (long r = call(c, VFIO_DEVICE_GET_INFO, &di); r < 0)
		return r;
	out.device_flags = di.flags;
	out.num_regions = di.num_regions;
	out.num_irqs = di.num_irqs;

	out.vendor = cfg<uint16_t>(c, r::kVendorId);
	out.device = cfg<uint16_t>(c, r::kDeviceId);
	out.command = cfg<uint16_t>(c, r::kCommand);
	out.revision = cfg<uint8_t>(c, r::kRevisionId);
	out.class_code = cfg<uint32_t>(c, r::kRevisionId) >> 8;
	out.subsystem_vendor = cfg<uint16_t>(c, r::kSubsystemVendorId);
	out.subsystem = cfg<uint16_t>(c, r::kSubsystemId);

	for (unsigned i = 0; i < di.num_regions; i++)
		out.regions.push_back(region(c, i));
	for (unsigned i = 0; i < di.num_irqs; i++) {
		vfio_irq_info ii{};
		ii.argsz = sizeof(ii);
		ii.index = i;
		long r = call(c, VFIO_DEVICE_GET_IRQ_INFO, &ii);
		IrqReport rep;
		rep.index = i;
		rep.name = irq_name(i);
		if (r < 0)
			rep.error = static_cast<int>(-r);
		else {
			rep.flags = ii.flags;
			rep.count = ii.count;
		}
		out.irqs.push_back(rep);
	}
	walk_config_caps(c, out);
	for (unsigned i = 0; i <= VFIO_DEVICE_FEATURE_DMA_BUF_MEMATTR; i++)
		out.features.push_back(
			{i, probe(c, i, VFIO_DEVICE_FEATURE_GET), probe(c, i, VFIO_DEVICE_FEATURE_SET)});
	return 0;
}

} /* namespace softvfio::cli */
