/* SPDX-License-Identifier: MIT */
/*
 * CallContext: the calling process's tables, for operations that create or
 * resolve fds (DMA_BUF export, REVOKE) or map memory.
 *
 * The calling process is whoever the kernel entry point runs for (the
 * kernel's `current`): a kernel/process.h CurrentProcess scope sets it. An
 * object made by one process and used by another (a device fd received
 * over a unix socket, an iommufd shared after fork) always acts on the
 * caller's tables, never its opener's: current_context() first, the
 * object's own default only outside any scope (the in-process model, where
 * there is one process).
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

/* The calling process's context, or null outside any scope. */
const CallContext *current_context() noexcept;

/* `fallback` unless a scope names the caller. */
inline CallContext caller_context(const CallContext &fallback) noexcept
{
	const CallContext *c = current_context();
	return c ? CallContext{c->fds, c->mm, nullptr} : CallContext{fallback.fds, fallback.mm, nullptr};
}

/* The calling process's address space, `fallback` outside any scope. */
inline mm::Mm &caller_mm(mm::Mm &fallback) noexcept
{
	const CallContext *c = current_context();
	return c ? c->mm : fallback;
}

/* RAII: calls made while it lives act for `ctx`'s process. */
class ContextScope
{
public:
	explicit ContextScope(const CallContext &ctx) noexcept;
	~ContextScope();
	ContextScope(const ContextScope &) = delete;
	ContextScope &operator=(const ContextScope &) = delete;

private:
	const CallContext *saved_;
};

} /* namespace softvfio::vfio */
