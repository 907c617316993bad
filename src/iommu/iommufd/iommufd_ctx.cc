/* SPDX-License-Identifier: MIT */
/*
 * IommufdCtx: the object table, command dispatch with iommufd's size
 * rules, IOMMU_DESTROY, and the device side (bind, attach, detach).
 */
#include <algorithm>
#include <cerrno>
#include <linux/ioctl.h>

#include <softvfio/uapi/iommufd.h>

#include "base/fault_injection.h"
#include "base/user_copy.h"
#include "iommu/iommufd/iommufd_commands.h"
#include "vfio/pci/device.h"
#include "vfio/struct_copy.h"

namespace softvfio::vfio {

namespace {

struct Op {
	unsigned int ioctl_num;
	uint32_t size;       /* the struct the model knows */
	uint32_t min_size;   /* offsetofend of the last mandatory field */
	long (*execute)(Ucmd &u);
};

using C = IommufdCommands;

/* Indexed by command number - 0x80; sizes of the newest structs. */
const Op kOps[] = {
	{IOMMU_DESTROY, 8, 8, C::destroy},
	{IOMMU_IOAS_ALLOC, 12, 12, C::ioas_alloc},
	{IOMMU_IOAS_ALLOW_IOVAS, 24, 24, C::allow_iovas},
	{IOMMU_IOAS_COPY, 40, 40, C::copy},
	{IOMMU_IOAS_IOVA_RANGES, 32, 32, C::iova_ranges},
	{IOMMU_IOAS_MAP, 40, 40, C::map},
	{IOMMU_IOAS_UNMAP, 24, 24, C::unmap},
	{IOMMU_OPTION, 24, 24, C::option},
	{IOMMU_VFIO_IOAS, 12, 12, C::vfio_ioas},
	{IOMMU_HWPT_ALLOC, 48, 24, C::hwpt_alloc},
	{IOMMU_GET_HW_INFO, 40, 32, C::get_hw_info},
	{IOMMU_HWPT_SET_DIRTY_TRACKING, 16, 16, C::set_dirty_tracking},
	{IOMMU_HWPT_GET_DIRTY_BITMAP, 48, 48, C::get_dirty_bitmap},
	{IOMMU_HWPT_INVALIDATE, 32, 32, C::hwpt_invalidate},
	{IOMMU_FAULT_QUEUE_ALLOC, 16, 16, C::fault_queue_alloc},
	{IOMMU_IOAS_MAP_FILE, 40, 40, C::map_file},
	{IOMMU_VIOMMU_ALLOC, 40, 24, C::viommu_alloc},
	{IOMMU_VDEVICE_ALLOC, 24, 24, C::vdevice_alloc},
	{IOMMU_IOAS_CHANGE_PROCESS, 8, 8, C::change_process},
	{IOMMU_VEVENTQ_ALLOC, 32, 28, C::veventq_alloc},
	{IOMMU_HW_QUEUE_ALLOC, 40, 40, C::hw_queue_alloc},
};

constexpr unsigned kCmdBase = 0x80;
constexpr size_t kMaxCmdSize = 48;

} /* namespace */

IommufdCtx::IommufdCtx(CallContext ctx) : ctx_(ctx) {}

/* Devices hold the context while bound, so none is attached any more:
 * what is left are IOASes and HWPTs, destroyed with the table. */
IommufdCtx::~IommufdCtx() = default;

long IommufdCommands::respond(Ucmd &u, size_t size)
{
	size_t n = std::min<size_t>(size, u.user_size);
	return copy_to_user(u.ubuf, u.cmd, n) ? 0 : -EFAULT;
}

std::shared_ptr<IoasObject> IommufdCommands::find_ioas(IommufdCtx &c, uint32_t id)
{
	std::lock_guard guard(c.lock_);
	return c.ioas_locked(id);
}

long IommufdCtx::ioctl(unsigned int cmd, uintptr_t arg)
{
	unsigned nr = _IOC_NR(cmd);
	if (nr < kCmdBase || nr - kCmdBase >= std::size(kOps))
		return IommufdCommands::compat(*this, cmd, arg);
	uint32_t user_size;
	if (!copy_from_user(&user_size, user_ptr(arg), sizeof(user_size)))
		return -EFAULT;
	const Op &op = kOps[nr - kCmdBase];
	if (op.ioctl_num != cmd)
		return -ENOTTY;
	if (user_size < op.min_size)
		return -EINVAL;
	alignas(8) uint8_t buf[kMaxCmdSize];
	if (auto r = copy_struct_from_user(buf, op.size, user_ptr(arg), user_size); !r)
		return -r.error();
	Ucmd u{*this, user_ptr(arg), user_size, buf};
	return op.execute(u);
}

/* --- the object table --- */

uint32_t IommufdCtx::alloc_id_locked() const
{
	uint32_t id = 1;
	for (auto &[used, obj] : objects_) {
		if (used != id)
			break;
		id++;
	}
	return id;
}

void IommufdCtx::insert_locked(const std::shared_ptr<IommufdObject> &obj)
{
	obj->id = alloc_id_locked();
	objects_[obj->id] = obj;
}

std::shared_ptr<IoasObject> IommufdCtx::ioas_locked(uint32_t id) const
{
	return get_locked<IoasObject>(id, IommufdObject::Type::Ioas);
}

std::shared_ptr<IoasObject> IommufdCtx::compat_ioas_locked() const
{
	return compat_ioas_ ? ioas_locked(compat_ioas_) : nullptr;
}

long IommufdCommands::destroy(Ucmd &u)
{
	auto &cmd = u.as<iommu_destroy>();
	IommufdCtx &c = u.ictx;
	std::shared_ptr<IommufdObject> doomed;
	std::lock_guard guard(c.lock_);
	auto it = c.objects_.find(cmd.id);
	if (it == c.objects_.end())
		return -ENOENT;
	/* Devices are vfio's; the user holds no reference to give up. */
	if (it->second->users || it->second->type == IommufdObject::Type::Device)
		return -EBUSY;
	if (c.compat_ioas_ == cmd.id)
		c.compat_ioas_ = 0;
	if (it->second->type == IommufdObject::Type::HwptPaging) {
		std::vector<std::shared_ptr<IommufdObject>> gone;
		c.destroy_hwpt_locked(std::static_pointer_cast<HwptObject>(it->second), gone);
		doomed = std::move(gone.front());
		return 0;
	}
	doomed = std::move(it->second);
	c.objects_.erase(it);
	return 0;
}

/* --- HWPTs --- */

Result<std::shared_ptr<HwptObject>> IommufdCtx::new_hwpt_locked(const std::shared_ptr<IoasObject> &ioas,
								bool auto_domain)
{
	if (int e = fault_check(FaultPoint::IommufdObjAlloc))
		return err(e);
	SVFIO_TRY(ioas->ioas->add_domain());
	auto hwpt = std::make_shared<HwptObject>();
	hwpt->ioas = ioas;
	hwpt->auto_domain = auto_domain;
	ioas->users++;
	insert_locked(hwpt);
	return hwpt;
}

/* An IOAS gets the automatic domain its devices share; a HWPT is used as
 * it is; anything else cannot be attached to. */
Result<std::shared_ptr<HwptObject>> IommufdCtx::hwpt_for_locked(uint32_t pt_id)
{
	auto it = objects_.find(pt_id);
	if (it == objects_.end())
		return err(ENOENT);
	if (it->second->type == IommufdObject::Type::HwptPaging)
		return std::static_pointer_cast<HwptObject>(it->second);
	if (it->second->type != IommufdObject::Type::Ioas)
		return err(EINVAL);
	auto ioas = std::static_pointer_cast<IoasObject>(it->second);
	for (auto &[id, obj] : objects_) {
		if (obj->type != IommufdObject::Type::HwptPaging)
			continue;
		auto hwpt = std::static_pointer_cast<HwptObject>(obj);
		if (hwpt->auto_domain && hwpt->ioas == ioas)
			return hwpt;
	}
	return new_hwpt_locked(ioas, true);
}

void IommufdCtx::release_hwpt_locked(const std::shared_ptr<HwptObject> &hwpt,
				     std::vector<std::shared_ptr<IommufdObject>> &doomed)
{
	hwpt->users--;
	hwpt->devices--;
	if (hwpt->auto_domain && !hwpt->devices)
		destroy_hwpt_locked(hwpt, doomed);
}

void IommufdCtx::destroy_hwpt_locked(const std::shared_ptr<HwptObject> &hwpt,
				     std::vector<std::shared_ptr<IommufdObject>> &doomed)
{
	hwpt->ioas->users--;
	hwpt->ioas->ioas->remove_domain();
	doomed.push_back(objects_[hwpt->id]);
	objects_.erase(hwpt->id);
}

/* --- devices --- */

Result<uint32_t> IommufdCtx::bind_device(const std::shared_ptr<VfioPciDevice> &dev)
{
	if (int e = fault_check(FaultPoint::IommufdObjAlloc))
		return err(e);
	std::lock_guard guard(lock_);
	auto obj = std::make_shared<DeviceObject>();
	obj->dev = dev;
	insert_locked(obj);
	return obj->id;
}

void IommufdCtx::detach_locked(DeviceObject &dev, std::vector<std::shared_ptr<IommufdObject>> &doomed)
{
	if (!dev.hwpt)
		return;
	dev.dev->dma_port().detach();
	dev.hwpt->ioas->ioas->unreserve_device(dev.dev.get());
	auto hwpt = std::move(dev.hwpt);
	release_hwpt_locked(hwpt, doomed);
}

void IommufdCtx::unbind_device(uint32_t dev_id)
{
	std::vector<std::shared_ptr<IommufdObject>> doomed;
	std::lock_guard guard(lock_);
	auto dev = get_locked<DeviceObject>(dev_id, IommufdObject::Type::Device);
	if (!dev)
		return;
	detach_locked(*dev, doomed);
	doomed.push_back(dev);
	objects_.erase(dev_id);
}

Result<uint32_t> IommufdCtx::attach_device(uint32_t dev_id, uint32_t pt_id)
{
	std::vector<std::shared_ptr<IommufdObject>> doomed;
	std::lock_guard guard(lock_);
	auto dev = get_locked<DeviceObject>(dev_id, IommufdObject::Type::Device);
	if (!dev)
		return err(ENOENT);
	auto hwpt = hwpt_for_locked(pt_id);
	if (!hwpt)
		return err(hwpt.error());
	if (dev->hwpt == *hwpt)
		return (*hwpt)->id;
	if (auto r = (*hwpt)->ioas->ioas->reserve_device(dev->dev.get()); !r) {
		if ((*hwpt)->auto_domain && !(*hwpt)->devices)
			destroy_hwpt_locked(*hwpt, doomed);
		return err(r.error());
	}
	(*hwpt)->users++;
	(*hwpt)->devices++;
	if (dev->hwpt && dev->hwpt->ioas != (*hwpt)->ioas)
		dev->hwpt->ioas->ioas->unreserve_device(dev->dev.get());
	if (auto old = std::exchange(dev->hwpt, *hwpt))
		release_hwpt_locked(old, doomed);
	dev->dev->dma_port().attach((*hwpt)->ioas->ioas->table());
	return (*hwpt)->id;
}

void IommufdCtx::detach_device(uint32_t dev_id)
{
	std::vector<std::shared_ptr<IommufdObject>> doomed;
	std::lock_guard guard(lock_);
	if (auto dev = get_locked<DeviceObject>(dev_id, IommufdObject::Type::Device))
		detach_locked(*dev, doomed);
}

std::optional<uint32_t> IommufdCtx::device_id(const VfioPciDevice &dev) const
{
	std::lock_guard guard(lock_);
	for (auto &[id, obj] : objects_)
		if (obj->type == IommufdObject::Type::Device &&
		    static_cast<const DeviceObject &>(*obj).dev.get() == &dev)
			return id;
	return std::nullopt;
}

Result<uint32_t> IommufdCtx::compat_ioas_id() const
{
	std::lock_guard guard(lock_);
	if (!compat_ioas_locked())
		return err(ENODEV);
	return compat_ioas_;
}

Result<void> IommufdCtx::compat_ioas_create()
{
	std::lock_guard guard(lock_);
	if (compat_ioas_locked())
		return {};
	if (int e = fault_check(FaultPoint::IommufdObjAlloc))
		return err(e);
	auto ioas = std::make_shared<IoasObject>(context().mm);
	insert_locked(ioas);
	compat_ioas_ = ioas->id;
	return {};
}

/* --- the file --- */

IommufdFile::IommufdFile(std::shared_ptr<IommufdCtx> ctx, int access_mode)
	: File(vfs::FileKind::Iommufd, access_mode), ctx_(std::move(ctx))
{
}

long IommufdFile::ioctl(unsigned int cmd, uintptr_t arg)
{
	return ctx_->ioctl(cmd, arg);
}

} /* namespace softvfio::vfio */
