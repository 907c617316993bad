/* SPDX-License-Identifier: MIT */
/*
 * iommufd commands about the IOMMU itself: GET_HW_INFO, HWPT_ALLOC, and
 * the ones a software IOMMU without nesting, dirty tracking, PASID or
 * fault reporting can only refuse (after the checks that come first).
 */
#include <cerrno>
#include <cstring>

#include <softvfio/uapi/iommufd.h>

#include "base/user_copy.h"
#include "iommu/iommufd/iommufd_commands.h"

namespace softvfio::vfio {

namespace {

bool any(const uint8_t *bytes, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (bytes[i])
			return true;
	return false;
}

Result<void> clear_user(uint64_t addr, uint64_t len)
{
	static const uint8_t zeros[256] = {};
	auto *p = reinterpret_cast<uint8_t *>(addr);
	while (len) {
		size_t n = len < sizeof(zeros) ? static_cast<size_t>(len) : sizeof(zeros);
		SVFIO_TRY(copy_to_user(p, zeros, n));
		p += n;
		len -= n;
	}
	return {};
}

} /* namespace */

/* A driver without hw_info: type NONE, no data (the caller's buffer is
 * zeroed), no capabilities, no PASID. */
long IommufdCommands::get_hw_info(Ucmd &u)
{
	auto &cmd = u.as<iommu_hw_info>();
	if ((cmd.flags & ~IOMMU_HW_INFO_FLAG_INPUT_TYPE) || any(cmd.__reserved, sizeof(cmd.__reserved)))
		return -EOPNOTSUPP;
	{
		std::lock_guard guard(u.ictx.lock_);
		if (!u.ictx.get_locked<DeviceObject>(cmd.dev_id, IommufdObject::Type::Device))
			return -ENOENT;
	}
	if ((cmd.flags & IOMMU_HW_INFO_FLAG_INPUT_TYPE) && cmd.in_data_type != IOMMU_HW_INFO_TYPE_DEFAULT)
		return -EOPNOTSUPP;
	if (cmd.data_len && !clear_user(cmd.data_uptr, cmd.data_len))
		return -EFAULT;
	cmd.out_data_type = IOMMU_HW_INFO_TYPE_NONE;
	cmd.data_len = 0;
	cmd.out_capabilities = 0;
	cmd.out_max_pasid_log2 = 0;
	return respond(u, sizeof(cmd));
}

/* A paging HWPT on an IOAS: its own domain, which the IOAS's mappings
 * fill. Nesting parents, dirty tracking and PASID are not available. */
long IommufdCommands::hwpt_alloc(Ucmd &u)
{
	constexpr uint32_t kValid = IOMMU_HWPT_ALLOC_NEST_PARENT | IOMMU_HWPT_ALLOC_DIRTY_TRACKING |
				    IOMMU_HWPT_FAULT_ID_VALID | IOMMU_HWPT_ALLOC_PASID;
	auto &cmd = u.as<iommu_hwpt_alloc>();
	if (cmd.__reserved || cmd.__reserved2)
		return -EOPNOTSUPP;
	bool none = cmd.data_type == IOMMU_HWPT_DATA_NONE;
	if ((none && cmd.data_len) || (!none && !cmd.data_len))
		return -EINVAL;
	IommufdCtx &c = u.ictx;
	std::vector<std::shared_ptr<IommufdObject>> doomed;
	std::lock_guard guard(c.lock_);
	if (!c.get_locked<DeviceObject>(cmd.dev_id, IommufdObject::Type::Device))
		return -ENOENT;
	auto it = c.objects_.find(cmd.pt_id);
	if (it == c.objects_.end())
		return -ENOENT;
	if (it->second->type != IommufdObject::Type::Ioas)
		return -EINVAL;
	if ((cmd.flags & ~kValid) || (cmd.flags & ~IOMMU_HWPT_FAULT_ID_VALID) || !none)
		return -EOPNOTSUPP;
	if (cmd.flags & IOMMU_HWPT_FAULT_ID_VALID)
		return -ENOENT;
	auto hwpt = c.new_hwpt_locked(std::static_pointer_cast<IoasObject>(it->second), false);
	if (!hwpt)
		return -hwpt.error();
	cmd.out_hwpt_id = (*hwpt)->id;
	if (long r = respond(u, sizeof(cmd)); r) {
		c.destroy_hwpt_locked(*hwpt, doomed);
		return r;
	}
	return 0;
}

long IommufdCommands::set_dirty_tracking(Ucmd &u)
{
	auto &cmd = u.as<iommu_hwpt_set_dirty_tracking>();
	if ((cmd.flags & ~IOMMU_HWPT_DIRTY_TRACKING_ENABLE) || cmd.__reserved)
		return -EOPNOTSUPP;
	std::lock_guard guard(u.ictx.lock_);
	if (!u.ictx.get_locked<HwptObject>(cmd.hwpt_id, IommufdObject::Type::HwptPaging))
		return -ENOENT;
	return -EOPNOTSUPP;
}

long IommufdCommands::get_dirty_bitmap(Ucmd &u)
{
	auto &cmd = u.as<iommu_hwpt_get_dirty_bitmap>();
	if ((cmd.flags & ~IOMMU_HWPT_GET_DIRTY_BITMAP_NO_CLEAR) || cmd.__reserved)
		return -EOPNOTSUPP;
	std::shared_ptr<HwptObject> hwpt;
	{
		std::lock_guard guard(u.ictx.lock_);
		hwpt = u.ictx.get_locked<HwptObject>(cmd.hwpt_id, IommufdObject::Type::HwptPaging);
	}
	if (!hwpt)
		return -ENOENT;
	uint64_t last = cmd.iova + (cmd.length - 1);
	if (last < cmd.iova)
		return -EOVERFLOW;
	uint64_t align = hwpt->ioas->ioas->iova_alignment();
	if (((cmd.iova | (last + 1)) & (align - 1)) || !cmd.page_size ||
	    ((cmd.iova | (last + 1)) & (cmd.page_size - 1)))
		return -EINVAL;
	return -EOPNOTSUPP;
}

/* Only nested HWPTs and vIOMMUs take invalidations. */
long IommufdCommands::hwpt_invalidate(Ucmd &u)
{
	auto &cmd = u.as<iommu_hwpt_invalidate>();
	if (cmd.__reserved)
		return -EOPNOTSUPP;
	if (cmd.entry_num && (!cmd.data_uptr || !cmd.entry_len))
		return -EINVAL;
	std::lock_guard guard(u.ictx.lock_);
	if (!u.ictx.objects_.count(cmd.hwpt_id))
		return -ENOENT;
	return -EINVAL;
}

/* Not modelled: the software IOMMU never reports I/O page faults. */
long IommufdCommands::fault_queue_alloc(Ucmd &u)
{
	auto &cmd = u.as<iommu_fault_alloc>();
	if (cmd.flags)
		return -EOPNOTSUPP;
	return -EOPNOTSUPP;
}

/* A vIOMMU needs a nesting-parent HWPT, which cannot exist here. */
long IommufdCommands::viommu_alloc(Ucmd &u)
{
	auto &cmd = u.as<iommu_viommu_alloc>();
	if (cmd.flags)
		return -EOPNOTSUPP;
	std::lock_guard guard(u.ictx.lock_);
	if (!u.ictx.get_locked<DeviceObject>(cmd.dev_id, IommufdObject::Type::Device))
		return -ENOENT;
	if (!u.ictx.get_locked<HwptObject>(cmd.hwpt_id, IommufdObject::Type::HwptPaging))
		return -ENOENT;
	return -EINVAL;
}

long IommufdCommands::vdevice_alloc(Ucmd &)
{
	return -ENOENT;
}

/* Re-accounting to the caller works for file-backed areas only. */
long IommufdCommands::change_process(Ucmd &u)
{
	auto &cmd = u.as<iommu_ioas_change_process>();
	if (cmd.__reserved)
		return -EOPNOTSUPP;
	std::lock_guard guard(u.ictx.lock_);
	for (auto &[id, obj] : u.ictx.objects_)
		if (obj->type == IommufdObject::Type::Ioas &&
		    static_cast<IoasObject &>(*obj).ioas->has_user_areas())
			return -EINVAL;
	return 0;
}

long IommufdCommands::veventq_alloc(Ucmd &u)
{
	auto &cmd = u.as<iommu_veventq_alloc>();
	if (cmd.flags || cmd.__reserved)
		return -EOPNOTSUPP;
	return -ENOENT;
}

long IommufdCommands::hw_queue_alloc(Ucmd &u)
{
	auto &cmd = u.as<iommu_hw_queue_alloc>();
	if (cmd.flags)
		return -EOPNOTSUPP;
	return -ENOENT;
}

} /* namespace softvfio::vfio */
