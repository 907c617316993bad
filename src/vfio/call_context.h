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

struct CallContext {
	vfs::FdTable &fds;
	mm::Mm &mm;
};

} /* namespace softvfio::vfio */
