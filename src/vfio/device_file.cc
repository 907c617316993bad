/* SPDX-License-Identifier: MIT */
#include "vfio/device_file.h"

#include <cerrno>
#include <fcntl.h>
#include <shared_mutex>

#include "mm/fault_model.h"
#include "vfio/device.h"

namespace softvfio::vfio {

Result<std::shared_ptr<DeviceFile>> DeviceFile::open(std::shared_ptr<VfioPciDevice> device, CallContext ctx,
						     std::string maps_name)
{
	SVFIO_TRY(device->open_file());
	return std::shared_ptr<DeviceFile>(new DeviceFile(std::move(device), ctx, std::move(maps_name)));
}

DeviceFile::DeviceFile(std::shared_ptr<VfioPciDevice> device, CallContext ctx, std::string maps_name)
	: File(vfs::FileKind::VfioDevice, O_RDWR), device_(std::move(device)), ctx_(ctx),
	  maps_name_(std::move(maps_name))
{
}

DeviceFile::~DeviceFile()
{
	device_->close_file();
}

long DeviceFile::ioctl(unsigned int cmd, uintptr_t arg)
{
	return device_->ioctl(ctx_, cmd, arg);
}

long DeviceFile::read(void *buf, size_t count, uint64_t offset)
{
	if (!count)
		return 0;
	return device_->rw(buf, count, offset, false);
}

long DeviceFile::write(const void *buf, size_t count, uint64_t offset)
{
	if (!count)
		return 0;
	return device_->rw(const_cast<void *>(buf), count, offset, true);
}

long DeviceFile::mmap(mm::Mm &, const vfs::MmapArgs &args)
{
	return device_->mmap(ctx_, shared_from_this(), args);
}

mm::AddressSpace &DeviceFile::address_space()
{
	return device_->file_address_space();
}

/* A classic mapping maps the BAR memfd at the mmap offset itself: region
 * index bits included, so /proc/self/maps shows the VFIO offset. */
Result<std::vector<mm::Backing>> DeviceFile::backing(const mm::VmaGeometry &g)
{
	return std::vector<mm::Backing>{
		{0, g.end - g.start, device_->function().memory_fd(), g.pgoff << mm::kPageShift}};
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

} /* namespace softvfio::vfio */
