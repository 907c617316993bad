/* SPDX-License-Identifier: MIT */
/*
 * CallContext: the calling process's tables, for operations that create or
 * resolve fds (DMA_BUF export, REVOKE) or map memory.
 */
#pragma once

namespace softvfio::vfs {
class FdTable;
}
namespace softvfio::mm {
class Mm;
}

namespace softvfio::vfio {

class DeviceAccess;

struct CallContext {
	vfs::FdTable &fds;
	mm::Mm &mm;
	/* How the calling device file was obtained (group, cdev), when a
	 * device ioctl needs to know (hot reset); null otherwise. */
	const DeviceAccess *access = nullptr;
};

} /* namespace softvfio::vfio */
