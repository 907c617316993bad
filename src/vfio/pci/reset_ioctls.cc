/* SPDX-License-Identifier: MIT */
/*
 * Hot-reset info, hot reset and ioeventfds on the device fd.
 */
#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <vector>

#include <softvfio/uapi/vfio.h>

#include "base/fault_injection.h"
#include "base/user_copy.h"
#include "iommu/iommufd/iommufd.h"
#include "vfio/device_access.h"
#include "vfio/group.h"
#include "vfio/group_file.h"
#include "vfio/pci/device.h"
#include "vfio/struct_copy.h"
#include "vfs/fd_table.h"

namespace softvfio::vfio {

namespace {

constexpr size_t kIoeventfdMax = 1000;

struct BdfParts {
	uint16_t segment;
	uint8_t bus;
	uint8_t devfn;
};

BdfParts parse_bdf(const std::string &bdf)
{
	unsigned seg = 0, bus = 0, dev = 0, fn = 0;
	std::sscanf(bdf.c_str(), "%x:%x:%x.%x", &seg, &bus, &dev, &fn);
	return {static_cast<uint16_t>(seg), static_cast<uint8_t>(bus), static_cast<uint8_t>((dev << 3) | fn)};
}

} /* namespace */

/* A cdev-opened device reports device ids instead of group ids: the id a
 * member has in the caller's iommufd, or NOT_OWNED (which also clears
 * DEV_ID_OWNED) when it is not bound there. */
long VfioPciDevice::hot_reset_info_ioctl(CallContext &ctx, uintptr_t arg)
{
	constexpr size_t minsz = offsetof(vfio_pci_hot_reset_info, count) + sizeof(__u32);
	vfio_pci_hot_reset_info hdr{};
	if (int r = copy_argsz_head(hdr, arg, minsz))
		return r;
	hdr.flags = 0;
	/* Neither a slot nor a bus reset: nothing to report. */
	if (!function_->has_bus_reset() || !setup_.dev_set)
		return -ENODEV;

	std::shared_ptr<IommufdCtx> ictx;
	if (ctx.access && ctx.access->cdev_opened()) {
		hdr.flags = VFIO_PCI_HOT_RESET_FLAG_DEV_ID | VFIO_PCI_HOT_RESET_FLAG_DEV_ID_OWNED;
		ictx = ctx.access->iommufd();
	}
	auto members = setup_.dev_set->members();
	/* The report (kcalloc of count entries). */
	if (int e = fault_check(FaultPoint::HotResetAlloc))
		return -e;
	std::vector<vfio_pci_dependent_device> devices;
	for (auto &dev : members) {
		BdfParts b = parse_bdf(dev->bdf());
		vfio_pci_dependent_device d{};
		if (hdr.flags & VFIO_PCI_HOT_RESET_FLAG_DEV_ID) {
			auto id = ictx ? ictx->device_id(*dev) : std::nullopt;
			d.devid = id ? *id : uint32_t(VFIO_PCI_DEVID_NOT_OWNED);
			if (!id)
				hdr.flags &= ~VFIO_PCI_HOT_RESET_FLAG_DEV_ID_OWNED;
		} else {
			d.group_id = dev->setup().iommu_group;
		}
		d.segment = b.segment;
		d.bus = b.bus;
		d.devfn = b.devfn;
		devices.push_back(d);
	}
	long ret = 0;
	if (hdr.argsz < sizeof(hdr) + devices.size() * sizeof(vfio_pci_dependent_device))
		ret = -ENOSPC;
	hdr.count = static_cast<uint32_t>(devices.size());
	if (!copy_to_user(user_ptr(arg), &hdr, minsz))
		return -EFAULT;
	if (!ret && !copy_to_user(static_cast<uint8_t *>(user_ptr(arg)) + sizeof(hdr), devices.data(),
				  devices.size() * sizeof(vfio_pci_dependent_device)))
		return -EFAULT;
	return ret;
}

namespace {

/* The groups named by a hot reset's fd array: EBADF for a closed fd,
 * EINVAL for one that is not a group. */
Result<std::vector<unsigned>> reset_groups(CallContext &ctx, uintptr_t arg, size_t minsz, uint32_t count)
{
	/* The fd and file arrays (kcalloc). */
	if (int e = fault_check(FaultPoint::HotResetAlloc))
		return err(e);
	std::vector<int32_t> fds(count);
	if (!copy_from_user(fds.data(), static_cast<uint8_t *>(user_ptr(arg)) + minsz, fds.size() * sizeof(int32_t)))
		return err(EFAULT);
	std::vector<unsigned> groups;
	for (int32_t fd : fds) {
		auto file = ctx.fds.get(fd);
		if (!file)
			return err(file.error());
		if (!*file || (*file)->kind() != vfs::FileKind::Group)
			return err(EINVAL);
		groups.push_back(static_cast<GroupFile &>(**file).group()->number());
	}
	return groups;
}

} /* namespace */

/* Every device the reset affects must be the caller's: in one of the
 * groups it passed, or (a cdev-opened caller with an empty array) bound to
 * the caller's iommufd. EPERM otherwise. */
long VfioPciDevice::hot_reset_ioctl(CallContext &ctx, uintptr_t arg)
{
	constexpr size_t minsz = offsetof(vfio_pci_hot_reset, count) + sizeof(__u32);
	vfio_pci_hot_reset hdr{};
	if (int r = copy_argsz_head(hdr, arg, minsz))
		return r;
	if (hdr.flags)
		return -EINVAL;
	/* An empty array is for cdev-opened devices, and only for them. */
	bool cdev = ctx.access && ctx.access->cdev_opened();
	if (!!hdr.count == cdev)
		return -EINVAL;
	if (!function_->has_bus_reset() || !setup_.dev_set)
		return -ENODEV;
	auto members = setup_.dev_set->members();
	std::vector<unsigned> groups;
	std::shared_ptr<IommufdCtx> ictx;
	if (hdr.count) {
		if (hdr.count > members.size())
			return -EINVAL;
		auto named = reset_groups(ctx, arg, minsz, hdr.count);
		if (!named)
			return -named.error();
		groups = std::move(*named);
	} else {
		ictx = ctx.access->iommufd();
	}
	for (auto &dev : members) {
		bool in_groups = std::find(groups.begin(), groups.end(), dev->setup().iommu_group) != groups.end();
		bool in_ictx = ictx && ictx->device_id(*dev);
		if (!in_groups && !in_ictx)
			return -EPERM;
	}
	auto result = setup_.dev_set->hot_reset();
	return result ? 0 : -result.error();
}

/* --- ioeventfds --- */

long VfioPciDevice::ioeventfd_ioctl(uintptr_t arg)
{
	constexpr size_t minsz = offsetof(vfio_device_ioeventfd, fd) + sizeof(__s32);
	vfio_device_ioeventfd req{};
	if (int r = copy_argsz_head(req, arg, minsz))
		return r;
	if (req.flags & ~VFIO_DEVICE_IOEVENTFD_SIZE_MASK)
		return -EINVAL;
	unsigned count = req.flags & VFIO_DEVICE_IOEVENTFD_SIZE_MASK;
	if (__builtin_popcount(count) != 1 || req.fd < -1)
		return -EINVAL;

	unsigned bar = static_cast<unsigned>(req.offset >> pci::kRegionShift);
	uint64_t pos = req.offset & ((uint64_t(1) << pci::kRegionShift) - 1);
	if (bar > VFIO_PCI_BAR5_REGION_INDEX)
		return -EINVAL;
	if (pos + count > function_->bar(bar).size)
		return -EINVAL;
	/* ioeventfds may not work around MSI-X table writes */
	if (bar == msix_bar_ && !(pos + count <= msix_offset_ || pos >= msix_offset_ + msix_size_))
		return -EINVAL;

	std::lock_guard guard(ioeventfds_lock_);
	for (auto it = ioeventfds_.begin(); it != ioeventfds_.end(); ++it) {
		if (it->pos != pos || it->bar != bar || it->data != req.data || it->count != count)
			continue;
		if (req.fd != -1)
			return -EEXIST;
		watcher_->remove(it->watch);
		ioeventfds_.erase(it);
		drop_idle_watcher_locked();
		return 0;
	}
	if (req.fd < 0)
		return -ENODEV;
	if (ioeventfds_.size() >= kIoeventfdMax)
		return -ENOSPC;
	/* The record (kzalloc), before the eventfd is taken. */
	if (int e = fault_check(FaultPoint::IoeventfdAlloc))
		return -e;
	auto ref = EventfdRef::get(req.fd);
	if (!ref)
		return -ref.error();

	bool test_mem = function_->bar(bar).is_memory();
	uint64_t data = req.data;
	auto fire = [this, bar, pos, data, count, test_mem] {
		std::shared_lock lock(memory_lock_, std::defer_lock);
		if (test_mem) {
			lock.lock();
			if (!memory_enabled_locked())
				return; /* dropped, as the kernel's handler does */
		}
		(void)function_->bar_write(bar, pos, &data, count);
	};
	if (!watcher_)
		watcher_ = std::make_unique<EventWatcher>();
	auto watch = watcher_->add((*ref)->fd(), fire);
	if (!watch) {
		drop_idle_watcher_locked();
		return -watch.error();
	}
	ioeventfds_.push_back(IoEventfd{bar, pos, data, count, *watch});
	return 0;
}

void VfioPciDevice::clear_ioeventfds()
{
	std::lock_guard guard(ioeventfds_lock_);
	for (auto &ioe : ioeventfds_)
		watcher_->remove(ioe.watch);
	ioeventfds_.clear();
	drop_idle_watcher_locked();
}

/* The watcher's thread, epoll instance and wakeup eventfd live only while
 * some ioeventfd does, as the kernel's virqfd work does. Its callbacks
 * never take ioeventfds_lock_, so joining it here cannot deadlock. */
void VfioPciDevice::drop_idle_watcher_locked()
{
	if (ioeventfds_.empty())
		watcher_.reset();
}

} /* namespace softvfio::vfio */
