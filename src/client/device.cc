/* SPDX-License-Identifier: MIT */
/* Device: information, region access, resets, power and feature probes. */
#include <cerrno>
#include <cstring>
#include <vector>

#include <softvfio/uapi/vfio.h>

#include "client/device_handle.h"

namespace softvfio::client {

namespace {

constexpr uint32_t kPciCommand = 0x04;
constexpr uint16_t kCommandMemory = 0x2;
constexpr uint32_t kPciStatus = 0x06;
constexpr uint16_t kStatusCapList = 0x10;
constexpr uint32_t kCapPointer = 0x34;
constexpr uint8_t kCapIdPm = 0x01;
constexpr uint32_t kPmCtrl = 0x04;
constexpr uint16_t kPmStateMask = 0x3; /* 0 = D0 */

std::string region_what(const char *op, unsigned index) { return std::string(op) + " region " + std::to_string(index); }

/* Walk a VFIO capability chain in `buf` (offsets from its start). The
 * kernel lays capabilities out in increasing order, so a link backwards
 * (a cycle) or outside the buffer ends the walk. */
template<typename Fn>
void walk_caps(const std::vector<uint8_t> &buf, uint32_t first, Fn &&fn)
{
	uint32_t off = first;
	while (off && off + sizeof(vfio_info_cap_header) <= buf.size()) {
		vfio_info_cap_header hdr;
		std::memcpy(&hdr, buf.data() + off, sizeof(hdr));
		fn(hdr, off);
		if (hdr.next <= off)
			return;
		off = hdr.next;
	}
}

} /* namespace */

Result<long> detail::DeviceHandle::ioctl(unsigned long cmd, void *arg, const std::string &what) const
{
	return check(backend->ioctl(device_fd, cmd, arg), what);
}

Result<long> detail::DeviceHandle::feature(uint32_t flags, void *payload, size_t size, const std::string &what) const
{
	std::vector<uint8_t> buf(sizeof(vfio_device_feature) + size);
	vfio_device_feature hdr{};
	hdr.argsz = static_cast<uint32_t>(buf.size());
	hdr.flags = flags;
	std::memcpy(buf.data(), &hdr, sizeof(hdr));
	if (size)
		std::memcpy(buf.data() + sizeof(hdr), payload, size);
	auto r = ioctl(VFIO_DEVICE_FEATURE, buf.data(), what);
	if (r && size)
		std::memcpy(payload, buf.data() + sizeof(hdr), size);
	return r;
}

Result<void> detail::DeviceHandle::read_config(uint32_t offset, void *buf, size_t n) const
{
	long r = backend->pread(device_fd, buf, n, VFIO_PCI_INDEX_TO_OFFSET(VFIO_PCI_CONFIG_REGION_INDEX) + offset);
	if (r < 0)
		return fail(static_cast<int>(-r), "pread config");
	if (static_cast<size_t>(r) != n)
		return fail(EIO, "short pread config");
	return {};
}

Result<uint8_t> detail::DeviceHandle::find_capability(uint8_t id) const
{
	uint16_t status = 0;
	if (auto r = read_config(kPciStatus, &status, sizeof(status)); !r)
		return r.error();
	if (!(status & kStatusCapList))
		return fail(ENOENT, "no capability list");
	uint8_t at = 0;
	if (auto r = read_config(kCapPointer, &at, sizeof(at)); !r)
		return r.error();
	at &= 0xfc;
	for (unsigned hops = 0; at && hops < 48; hops++) {
		uint16_t hdr = 0;
		if (auto r = read_config(at, &hdr, sizeof(hdr)); !r)
			return r.error();
		if ((hdr & 0xff) == id)
			return at;
		at = static_cast<uint8_t>((hdr >> 8) & 0xfc);
	}
	return fail(ENOENT, "no capability " + std::to_string(id));
}

bool detail::DeviceHandle::memory_accessible() const
{
	if (low_power)
		return false;
	uint16_t cmd = 0;
	if (!read_config(kPciCommand, &cmd, sizeof(cmd)) || !(cmd & kCommandMemory))
		return false;
	auto pm = find_capability(kCapIdPm);
	if (!pm)
		return pm.code() == ENOENT;
	uint16_t pmcsr = 0;
	if (!read_config(*pm + kPmCtrl, &pmcsr, sizeof(pmcsr)))
		return false;
	return (pmcsr & kPmStateMask) == 0;
}

Device::Device(std::shared_ptr<detail::DeviceHandle> handle) : handle_(std::move(handle)) {}
Device::~Device() = default;

const std::string &Device::bdf() const { return handle_->bdf; }
AccessPath Device::access_path() const { return handle_->path; }
bool Device::noiommu() const { return handle_->noiommu; }
int Device::fd() const { return handle_->device_fd; }
Backend &Device::backend() const { return *handle_->backend; }
const Features &Device::features() const { return handle_->features; }

Result<DeviceInfo> Device::info() const
{
	vfio_device_info info{};
	info.argsz = sizeof(info);
	if (auto r = handle_->ioctl(VFIO_DEVICE_GET_INFO, &info, "VFIO_DEVICE_GET_INFO"); !r)
		return r.error();
	return DeviceInfo{info.flags, info.num_regions, info.num_irqs};
}

Result<Region> Device::region(unsigned index) const
{
	std::vector<uint8_t> buf(sizeof(vfio_region_info));
	const std::string what = "VFIO_DEVICE_GET_REGION_INFO(" + std::to_string(index) + ")";
	vfio_region_info info{};
	/* The kernel grows argsz when the capabilities do not fit: ask again. */
	for (int attempt = 0; attempt < 4; attempt++) {
		vfio_region_info head{};
		head.argsz = static_cast<uint32_t>(buf.size());
		head.index = index;
		std::memcpy(buf.data(), &head, sizeof(head));
		if (auto r = handle_->ioctl(VFIO_DEVICE_GET_REGION_INFO, buf.data(), what); !r)
			return r.error();
		std::memcpy(&info, buf.data(), sizeof(info));
		if (info.argsz <= buf.size())
			break;
		buf.assign(info.argsz, 0);
	}
	Region region;
	region.index = index;
	region.flags = info.flags;
	region.size = info.size;
	region.offset = info.offset;
	if (!(info.flags & VFIO_REGION_INFO_FLAG_CAPS) || info.argsz > buf.size())
		return region;
	walk_caps(buf, info.cap_offset, [&](const vfio_info_cap_header &hdr, uint32_t off) {
		if (hdr.id == VFIO_REGION_INFO_CAP_MSIX_MAPPABLE) {
			region.msix_mappable = true;
		} else if (hdr.id == VFIO_REGION_INFO_CAP_TYPE && off + sizeof(vfio_region_info_cap_type) <= buf.size()) {
			vfio_region_info_cap_type t;
			std::memcpy(&t, buf.data() + off, sizeof(t));
			region.type = std::make_pair(t.type, t.subtype);
		} else if (hdr.id == VFIO_REGION_INFO_CAP_SPARSE_MMAP &&
			   off + sizeof(vfio_region_info_cap_sparse_mmap) <= buf.size()) {
			vfio_region_info_cap_sparse_mmap s;
			std::memcpy(&s, buf.data() + off, sizeof(s));
			size_t at = off + sizeof(s);
			for (uint32_t i = 0; i < s.nr_areas && at + sizeof(vfio_region_sparse_mmap_area) <= buf.size();
			     i++, at += sizeof(vfio_region_sparse_mmap_area)) {
				vfio_region_sparse_mmap_area a;
				std::memcpy(&a, buf.data() + at, sizeof(a));
				region.sparse_areas.push_back({a.offset, a.size});
			}
		}
	});
	return region;
}

Result<IrqInfo> Device::irq_info(IrqIndex index) const
{
	vfio_irq_info info{};
	info.argsz = sizeof(info);
	info.index = static_cast<uint32_t>(index);
	const std::string what = "VFIO_DEVICE_GET_IRQ_INFO(" + std::to_string(info.index) + ")";
	if (auto r = handle_->ioctl(VFIO_DEVICE_GET_IRQ_INFO, &info, what); !r)
		return r.error();
	return IrqInfo{index, info.flags, info.count};
}

Result<void> Device::read_region(unsigned index, uint64_t offset, void *buf, size_t n) const
{
	long r = handle_->backend->pread(handle_->device_fd, buf, n, VFIO_PCI_INDEX_TO_OFFSET(index) + offset);
	if (r < 0)
		return fail(static_cast<int>(-r), region_what("pread", index));
	if (static_cast<size_t>(r) != n)
		return fail(EIO, region_what("short pread", index));
	return {};
}

Result<void> Device::write_region(unsigned index, uint64_t offset, const void *buf, size_t n)
{
	long r = handle_->backend->pwrite(handle_->device_fd, buf, n, VFIO_PCI_INDEX_TO_OFFSET(index) + offset);
	if (r < 0)
		return fail(static_cast<int>(-r), region_what("pwrite", index));
	if (static_cast<size_t>(r) != n)
		return fail(EIO, region_what("short pwrite", index));
	return {};
}

Result<uint8_t> Device::find_capability(uint8_t id) const { return handle_->find_capability(id); }

Result<void> Device::set_memory_enable(bool on)
{
	auto cmd = read_config<uint16_t>(kPciCommand);
	if (!cmd)
		return cmd.error();
	uint16_t value = on ? (*cmd | kCommandMemory) : (*cmd & ~kCommandMemory);
	return write_config<uint16_t>(kPciCommand, value);
}

Result<void> Device::reset()
{
	if (auto r = handle_->ioctl(VFIO_DEVICE_RESET, nullptr, "VFIO_DEVICE_RESET"); !r)
		return r.error();
	return {};
}

Result<void> Device::enter_low_power()
{
	auto r = handle_->feature(VFIO_DEVICE_FEATURE_SET | VFIO_DEVICE_FEATURE_LOW_POWER_ENTRY, nullptr, 0,
				  "VFIO_DEVICE_FEATURE_LOW_POWER_ENTRY");
	if (!r)
		return r.error();
	handle_->low_power = true;
	return {};
}

Result<void> Device::exit_low_power()
{
	auto r = handle_->feature(VFIO_DEVICE_FEATURE_SET | VFIO_DEVICE_FEATURE_LOW_POWER_EXIT, nullptr, 0,
				  "VFIO_DEVICE_FEATURE_LOW_POWER_EXIT");
	if (!r)
		return r.error();
	handle_->low_power = false;
	return {};
}

Result<bool> Device::probe_feature(uint32_t index, uint32_t op) const
{
	auto r = handle_->feature(VFIO_DEVICE_FEATURE_PROBE | op | index, nullptr, 0,
				  "VFIO_DEVICE_FEATURE_PROBE(" + std::to_string(index) + ")");
	if (r)
		return true;
	if (r.code() == ENOTTY || r.code() == EINVAL || r.code() == EOPNOTSUPP)
		return false;
	return r.error();
}

} /* namespace softvfio::client */
