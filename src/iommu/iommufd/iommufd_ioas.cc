/* SPDX-License-Identifier: MIT */
/*
 * iommufd IOAS management: IOAS_ALLOC, IOAS_ALLOW_IOVAS,
 * IOAS_IOVA_RANGES, OPTION and VFIO_IOAS.
 */
#include <cerrno>
#include <linux/capability.h>
#include <vector>

#include <softvfio/uapi/iommufd.h>

#include "base/fault_injection.h"
#include "base/user_copy.h"
#include "iommu/iommufd/iommufd_commands.h"
#include "vfio/capability.h"

namespace softvfio::vfio {

long IommufdCommands::ioas_alloc(Ucmd &u)
{
	auto &cmd = u.as<iommu_ioas_alloc>();
	if (cmd.flags)
		return -EOPNOTSUPP;
	if (int e = fault_check(FaultPoint::IommufdObjAlloc))
		return -e;
	IommufdCtx &c = u.ictx;
	std::shared_ptr<IommufdObject> doomed;
	std::lock_guard guard(c.lock_);
	auto ioas = std::make_shared<IoasObject>(c.context().mm);
	c.insert_locked(ioas);
	cmd.out_ioas_id = ioas->id;
	if (long r = respond(u, sizeof(cmd)); r) {
		doomed = std::move(c.objects_[ioas->id]);
		c.objects_.erase(ioas->id);
		return r;
	}
	return 0;
}

/* The new allowed list replaces the old one at once: each range must be
 * non-empty and apart from the others (EINVAL), and none may touch a
 * reserved range (EADDRINUSE). */
long IommufdCommands::allow_iovas(Ucmd &u)
{
	auto &cmd = u.as<iommu_ioas_allow_iovas>();
	if (cmd.__reserved)
		return -EOPNOTSUPP;
	auto ioas = find_ioas(u.ictx, cmd.ioas_id);
	if (!ioas)
		return -ENOENT;
	std::vector<IovaRange> ranges;
	auto *user = reinterpret_cast<const iommu_iova_range *>(cmd.allowed_iovas);
	for (uint32_t i = 0; i < cmd.num_iovas; i++) {
		iommu_iova_range r{};
		if (!copy_from_user(&r, user + i, sizeof(r)))
			return -EFAULT;
		if (r.start >= r.last)
			return -EINVAL;
		for (const IovaRange &seen : ranges)
			if (seen.start <= r.last && r.start <= seen.last)
				return -EINVAL;
		ranges.push_back({r.start, r.last});
	}
	return to_syscall(ioas->ioas->set_allowed(std::move(ranges)));
}

/* Too small a buffer: the struct (with the count needed) goes back, then
 * EMSGSIZE, so callers ask twice. */
long IommufdCommands::iova_ranges(Ucmd &u)
{
	auto &cmd = u.as<iommu_ioas_iova_ranges>();
	if (cmd.__reserved)
		return -EOPNOTSUPP;
	auto ioas = find_ioas(u.ictx, cmd.ioas_id);
	if (!ioas)
		return -ENOENT;
	uint32_t max = cmd.num_iovas;
	auto *user = reinterpret_cast<iommu_iova_range *>(cmd.allowed_iovas);
	cmd.num_iovas = 0;
	cmd.out_iova_alignment = ioas->ioas->iova_alignment();
	for (const IovaRange &r : ioas->ioas->usable_ranges()) {
		if (cmd.num_iovas < max) {
			iommu_iova_range out{r.start, r.last};
			if (!copy_to_user(user + cmd.num_iovas, &out, sizeof(out)))
				return -EFAULT;
		}
		cmd.num_iovas++;
	}
	if (long r = respond(u, sizeof(cmd)); r)
		return r;
	return cmd.num_iovas > max ? -EMSGSIZE : 0;
}

namespace {

long rlimit_mode(iommu_option &cmd, bool &account_mm, bool has_objects)
{
	if (cmd.object_id)
		return -EOPNOTSUPP;
	if (cmd.op == IOMMU_OPTION_OP_GET) {
		cmd.val64 = account_mm;
		return 0;
	}
	if (cmd.op != IOMMU_OPTION_OP_SET)
		return -EOPNOTSUPP;
	if (!capable(CAP_SYS_RESOURCE))
		return -EPERM;
	if (has_objects)
		return -EBUSY;
	if (cmd.val64 > 1)
		return -EINVAL;
	account_mm = cmd.val64 == 1;
	return 0;
}

long huge_pages(iommu_option &cmd, Ioas &ioas)
{
	if (cmd.op == IOMMU_OPTION_OP_GET) {
		cmd.val64 = ioas.large_pages();
		return 0;
	}
	if (cmd.op != IOMMU_OPTION_OP_SET)
		return -EOPNOTSUPP;
	if (cmd.val64 > 1)
		return -EINVAL;
	return to_syscall(ioas.set_large_pages(cmd.val64 == 1));
}

} /* namespace */

/* Only val64 goes back. */
long IommufdCommands::option(Ucmd &u)
{
	auto &cmd = u.as<iommu_option>();
	if (cmd.__reserved)
		return -EOPNOTSUPP;
	long r;
	if (cmd.option_id == IOMMU_OPTION_RLIMIT_MODE) {
		std::lock_guard guard(u.ictx.lock_);
		r = rlimit_mode(cmd, u.ictx.account_mm_, !u.ictx.objects_.empty());
	} else if (cmd.option_id == IOMMU_OPTION_HUGE_PAGES) {
		auto ioas = find_ioas(u.ictx, cmd.object_id);
		r = ioas ? huge_pages(cmd, *ioas->ioas) : -ENOENT;
	} else {
		return -EOPNOTSUPP;
	}
	if (r)
		return r;
	auto *user = static_cast<uint8_t *>(u.ubuf) + offsetof(iommu_option, val64);
	return copy_to_user(user, &cmd.val64, sizeof(cmd.val64)) ? 0 : -EFAULT;
}

long IommufdCommands::vfio_ioas(Ucmd &u)
{
	auto &cmd = u.as<iommu_vfio_ioas>();
	if (cmd.__reserved)
		return -EOPNOTSUPP;
	IommufdCtx &c = u.ictx;
	switch (cmd.op) {
	case IOMMU_VFIO_IOAS_GET: {
		{
			std::lock_guard guard(c.lock_);
			if (!c.compat_ioas_locked())
				return -ENODEV;
			cmd.ioas_id = c.compat_ioas_;
		}
		return respond(u, sizeof(cmd));
	}
	case IOMMU_VFIO_IOAS_SET: {
		std::lock_guard guard(c.lock_);
		if (!c.ioas_locked(cmd.ioas_id))
			return -ENOENT;
		c.compat_ioas_ = cmd.ioas_id;
		return 0;
	}
	case IOMMU_VFIO_IOAS_CLEAR: {
		std::lock_guard guard(c.lock_);
		c.compat_ioas_ = 0;
		return 0;
	}
	default:
		return -EOPNOTSUPP;
	}
}

} /* namespace softvfio::vfio */
