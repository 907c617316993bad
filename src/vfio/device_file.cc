/* SPDX-License-Identifier: MIT */
#include "vfio/device_file.h"

#include <cerrno>
#include <fcntl.h>
#include <shared_mutex>

#include "mm/fault_model.h"
#include "vfio/device_access.h"
#include "vfio/pci/device.h"

namespace softvfio::vfio {

Result<std::shared_ptr<DeviceFile>> DeviceFile::open(std::shared_ptr<VfioPciDevice> device, CallContext ctx,
						     std::string maps_name, std::unique_ptr<DeviceAccess> access)
{
	SVFIO_TRY(device->open_file());
	std::shared_ptr<DeviceFile> file(
		new DeviceFile(std::move(device), ctx, std::move(maps_name), O_RDWR, std::move(access)));
	file->opened_ = true;
	return file;
}

std::shared_ptr<DeviceFile> DeviceFile::create_unopened(std::shared_ptr<VfioPciDevice> device, CallContext ctx,
							 std::string maps_name, int access_mode,
							 std::unique_ptr<DeviceAccess> access)
{
	return std::shared_ptr<DeviceFile>(
		new DeviceFile(std::move(device), ctx, std::move(maps_name), access_mode, std::move(access)));
}

DeviceFile::DeviceFile(std::shared_ptr<VfioPciDevice> device, CallContext ctx, std::string maps_name,
		       int access_mode, std::unique_ptr<DeviceAccess> access)
	: File(vfs::FileKind::VfioDevice, access_mode), device_(std::move(device)), ctx_(ctx),
	  maps_name_(std::move(maps_name)), access_(std::move(access))
{
}

/* The device closes first, then the way in lets go of what it holds (the
 * group's container, the iommufd binding), as vfio's release does. */
DeviceFile::~DeviceFile()
{
	if (opened_)
		device_->close_file();
	access_.reset();
}

Result<void> DeviceFile::open_device()
{
	SVFIO_TRY(device_->open_file());
	opened_ = true;
	return {};
}

bool DeviceFile::granted() const
{
	return !access_ || access_->granted();
}

long DeviceFile::ioctl(unsigned int cmd, uintptr_t arg)
{
	CallContext ctx = caller_context(ctx_);
	if (access_) {
		if (auto handled = access_->ioctl(*this, cmd, arg))
			return *handled;
		if (!access_->granted())
			return -EINVAL;
		ctx.access = access_.get();
	}
	return device_->ioctl(ctx, cmd, arg);
}

long DeviceFile::read(void *buf, size_t count, uint64_t offset)
{
	if (!granted())
		return -EINVAL;
	if (!count)
		return 0;
	return device_->rw(buf, count, offset, false);
}

long DeviceFile::write(const void *buf, size_t count, uint64_t offset)
{
	if (!granted())
		return -EINVAL;
	if (!count)
		return 0;
	return device_->rw(const_cast<void *>(buf), count, offset, true);
}

long DeviceFile::mmap(mm::Mm &mm, const vfs::MmapArgs &args)
{
	if (!granted())
		return -EINVAL;
	CallContext ctx{caller_context(ctx_).fds, mm};
	return device_->mmap(ctx, shared_from_this(), args);
}

mm::AddressSpace &DeviceFile::address_space()
{
	return device_->file_address_space();
}

/* A classic mapping maps the BAR memfd at the mmap offset itself: region
 * index bits included, so /proc/self/maps shows the VFIO offset. */
Result<std::vector<mm::Backing>> DeviceFile::backing(const mm::VmaGeometry &g)
{
	const unsigned index = static_cast<unsigned>(g.pgoff >> (mm::kVfioOffsetShift - mm::kPageShift));
	const uint64_t bar_size = index < 6 ? device_->function().bar(index).size : 0;
	return std::vector<mm::Backing>{{0, g.end - g.start, device_->function().memory_fd(), g.pgoff << mm::kPageShift,
					 pci::region_offset(index), bar_size}};
}

bool DeviceFile::accessible()
{
	return device_->file_mapping_accessible();
}

/* The pre-series fault handler (§4.4 "Base"): PFN arithmetic first, then
 * the memory-enabled check under memory_lock. */
mm::FaultOutcome DeviceFile::fault(const mm::VmaGeometry &g, uintptr_t address, unsigned order)
{
	unsigned index = static_cast<unsigned>(g.pgoff >> (mm::kVfioOffsetShift - mm::kPageShift));
	const pci::Bar &bar = device_->function().bar(index);
	mm::PfnLookup lookup = mm::base_pfn(bar.address, mm::vfio_in_bar_pgoff(g.pgoff), g, address, order);
	if (lookup.error)
		return {mm::to_fault_result(lookup.error)};
	std::shared_lock guard(device_->memory_lock());
	if (!device_->mmio_accessible_locked())
		return {mm::FaultResult::SigBus};
	return {mm::FaultResult::Inserted, lookup.pfn};
}

bool DeviceFile::registers(const mm::VmaGeometry &g)
{
	const unsigned index = static_cast<unsigned>(g.pgoff >> (mm::kVfioOffsetShift - mm::kPageShift));
	return index < 6 && device_->function().bar_has_registers(index);
}

/* A trapped access through a classic BAR mapping (the profiles without
 * the series): the bus address the pre-series fault handler would map,
 * then the same bus transaction as through a DMABUF. */
Result<uint64_t> DeviceFile::register_access(const mm::VmaGeometry &g, uintptr_t address, unsigned width,
					     uint64_t value, bool write)
{
	const unsigned index = static_cast<unsigned>(g.pgoff >> (mm::kVfioOffsetShift - mm::kPageShift));
	if (index >= 6)
		return err(EFAULT);
	const pci::Bar &bar = device_->function().bar(index);
	const uint64_t offset = (mm::vfio_in_bar_pgoff(g.pgoff) << mm::kPageShift) + (address - g.start);
	if (offset >= bar.size || width > bar.size - offset)
		return err(EFAULT);
	std::shared_lock guard(device_->memory_lock());
	return device_->register_access_locked(bar.address + offset, width, value, write);
}

} /* namespace softvfio::vfio */
