/* SPDX-License-Identifier: MIT */
/*
 * iommufd, /dev/iommu: IommufdCtx (one open's context and its objects) and
 * IommufdFile.
 *
 * Objects have ids from 1 upwards, the lowest free one first (the
 * kernel's xarray): IOASes, HWPTs (paging domains of the software IOMMU,
 * automatic ones made by attaching a device to an IOAS and freed with the
 * last device) and devices (made by vfio when a device binds; not
 * destroyable by the user). An object another one refers to cannot be
 * destroyed (EBUSY).
 *
 * The same file answers the VFIO container ioctls on its compatibility
 * IOAS (iommufd_compat.cc), and a vfio group can be set to it.
 *
 * Every command follows iommufd's rules: the size comes first (EFAULT when
 * unreadable, EINVAL below the command's minimum), bytes beyond what the
 * model knows must be zero (E2BIG), unknown commands are ENOTTY.
 *
 * The software IOMMU has no nesting, no dirty tracking, no PASID and no
 * page-fault reporting: HWPT_ALLOC with those flags is EOPNOTSUPP,
 * GET_HW_INFO reports type NONE with no data and no capabilities, and the
 * vIOMMU commands find nothing to work on.
 *
 * Locking: lock_ guards the object table and is taken before an IOAS's
 * lock and a device's DMA port. Objects that may hold DMABUF imports are
 * destroyed only after it is released.
 */
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <vector>

#include <softvfio/base/result.h>

#include "iommu/iommufd/ioas.h"
#include "vfio/call_context.h"
#include "vfs/file.h"

namespace softvfio::vfio {

class VfioPciDevice;

struct IommufdObject {
	enum class Type : uint8_t { Ioas, HwptPaging, Device };
	explicit IommufdObject(Type t) : type(t) {}
	virtual ~IommufdObject() = default;
	const Type type;
	uint32_t id = 0;
	/* References from other objects: destroy is EBUSY while non-zero. */
	unsigned users = 0;
};

struct IoasObject final : IommufdObject {
	explicit IoasObject(mm::Mm &mm) : IommufdObject(Type::Ioas), ioas(std::make_shared<Ioas>(mm)) {}
	std::shared_ptr<Ioas> ioas;
};

struct HwptObject final : IommufdObject {
	HwptObject() : IommufdObject(Type::HwptPaging) {}
	std::shared_ptr<IoasObject> ioas;
	bool auto_domain = false;
	unsigned devices = 0;
};

struct DeviceObject final : IommufdObject {
	DeviceObject() : IommufdObject(Type::Device) {}
	std::shared_ptr<VfioPciDevice> dev;
	std::shared_ptr<HwptObject> hwpt;
};

class IommufdCtx : public std::enable_shared_from_this<IommufdCtx>
{
public:
	explicit IommufdCtx(CallContext ctx);
	~IommufdCtx();

	long ioctl(unsigned int cmd, uintptr_t arg);

	/* --- vfio's side (device binding, group compatibility) --- */
	Result<uint32_t> bind_device(const std::shared_ptr<VfioPciDevice> &dev);
	void unbind_device(uint32_t dev_id);
	/* Attach (or move) a bound device to an IOAS or HWPT: the HWPT id. */
	Result<uint32_t> attach_device(uint32_t dev_id, uint32_t pt_id);
	void detach_device(uint32_t dev_id);
	std::optional<uint32_t> device_id(const VfioPciDevice &dev) const;
	/* The IOAS the VFIO compatibility ioctls use: ENODEV when none. */
	Result<uint32_t> compat_ioas_id() const;
	/* VFIO_GROUP_SET_CONTAINER with this iommufd: make sure one exists. */
	Result<void> compat_ioas_create();

	/* The calling process's tables. */
	CallContext context() const { return caller_context(ctx_); }

private:
	friend struct IommufdCommands;

	uint32_t alloc_id_locked() const;
	void insert_locked(const std::shared_ptr<IommufdObject> &obj);
	template<typename T>
	std::shared_ptr<T> get_locked(uint32_t id, IommufdObject::Type type) const;
	std::shared_ptr<IoasObject> ioas_locked(uint32_t id) const;
	std::shared_ptr<IoasObject> compat_ioas_locked() const;
	Result<std::shared_ptr<HwptObject>> hwpt_for_locked(uint32_t pt_id);
	Result<std::shared_ptr<HwptObject>> new_hwpt_locked(const std::shared_ptr<IoasObject> &ioas, bool auto_domain);
	void release_hwpt_locked(const std::shared_ptr<HwptObject> &hwpt,
				 std::vector<std::shared_ptr<IommufdObject>> &doomed);
	void destroy_hwpt_locked(const std::shared_ptr<HwptObject> &hwpt,
				 std::vector<std::shared_ptr<IommufdObject>> &doomed);
	void detach_locked(DeviceObject &dev, std::vector<std::shared_ptr<IommufdObject>> &doomed);

	const CallContext ctx_;
	mutable std::mutex lock_;
	std::map<uint32_t, std::shared_ptr<IommufdObject>> objects_;
	uint32_t compat_ioas_ = 0;
	bool account_mm_ = false;   /* IOMMU_OPTION_RLIMIT_MODE */
};

template<typename T>
std::shared_ptr<T> IommufdCtx::get_locked(uint32_t id, IommufdObject::Type type) const
{
	auto it = objects_.find(id);
	if (it == objects_.end() || it->second->type != type)
		return nullptr;
	return std::static_pointer_cast<T>(it->second);
}

class IommufdFile final : public vfs::File
{
public:
	IommufdFile(std::shared_ptr<IommufdCtx> ctx, int access_mode);
	const std::shared_ptr<IommufdCtx> &ctx() const { return ctx_; }
	long ioctl(unsigned int cmd, uintptr_t arg) override;

private:
	std::shared_ptr<IommufdCtx> ctx_;
};

} /* namespace softvfio::vfio */
