/* SPDX-License-Identifier: MIT */
/*
 * The iommufd commands, one function each, sharing the context's
 * internals. A command gets its struct already copied in (Ucmd::cmd) and
 * answers like the kernel's handlers: 0 or -errno, with respond() copying
 * the struct back (no more than the caller's size).
 */
#pragma once

#include <cstddef>
#include <cstdint>

#include "iommu/iommufd/iommufd.h"

namespace softvfio::vfio {

struct Ucmd {
	IommufdCtx &ictx;
	void *ubuf;
	uint32_t user_size;
	void *cmd;
	template<typename T>
	T &as() { return *static_cast<T *>(cmd); }
};

struct IommufdCommands {
	static long respond(Ucmd &u, size_t size);
	/* The IOAS with this id, or null (ENOENT). */
	static std::shared_ptr<IoasObject> find_ioas(IommufdCtx &c, uint32_t id);

	/* iommufd_ctx.cc */
	static long destroy(Ucmd &u);

	/* iommufd_ioas.cc */
	static long ioas_alloc(Ucmd &u);
	static long allow_iovas(Ucmd &u);
	static long iova_ranges(Ucmd &u);
	static long option(Ucmd &u);
	static long vfio_ioas(Ucmd &u);

	/* iommufd_map.cc */
	static long map(Ucmd &u);
	static long map_file(Ucmd &u);
	static long unmap(Ucmd &u);
	static long copy(Ucmd &u);

	/* iommufd_hwpt.cc */
	static long get_hw_info(Ucmd &u);
	static long hwpt_alloc(Ucmd &u);
	static long set_dirty_tracking(Ucmd &u);
	static long get_dirty_bitmap(Ucmd &u);
	static long hwpt_invalidate(Ucmd &u);
	static long fault_queue_alloc(Ucmd &u);
	static long viommu_alloc(Ucmd &u);
	static long vdevice_alloc(Ucmd &u);
	static long change_process(Ucmd &u);
	static long veventq_alloc(Ucmd &u);
	static long hw_queue_alloc(Ucmd &u);

	/* iommufd_compat.cc: the VFIO container ioctls */
	static long compat(IommufdCtx &ictx, unsigned int cmd, uintptr_t arg);
};

} /* namespace softvfio::vfio */
