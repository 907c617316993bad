/* SPDX-License-Identifier: MIT */
/*
 * Process: one process the kernel serves (its task_struct, for what the
 * model needs): the real process behind it, its fd table and its address
 * space.
 *
 * In process there is one, the Kernel's own. The session kernel
 * (src/session) makes one per process of its session and runs each of its
 * calls under a CurrentProcess scope, so that the fds, the memory and the
 * mappings a call reaches are the caller's, as `current` decides in the
 * kernel.
 */
#pragma once

#include <memory>

#include "base/host_process.h"
#include "mm/mm.h"
#include "vfio/call_context.h"
#include "vfs/fd_table.h"

namespace softvfio {

class Process
{
public:
	Process(std::shared_ptr<HostProcess> host, std::shared_ptr<vfs::FdSpace> space,
		std::shared_ptr<vfs::OpenFiles> files, vfs::FdTable::Options fd_options, mm::HugeOrders orders,
		std::unique_ptr<mm::Host> mm_host);
	Process(const Process &) = delete;
	Process &operator=(const Process &) = delete;

	HostProcess &host() { return *host_; }
	vfio::CallContext context() { return vfio::CallContext{fds, mm}; }

private:
	/* First: it outlives the tables that reach the process through it. */
	std::shared_ptr<HostProcess> host_;

public:
	vfs::FdTable fds;
	mm::Mm mm;
};

/* RAII: the calling thread acts for `process` (the kernel's `current`)
 * while this lives. */
class CurrentProcess
{
public:
	explicit CurrentProcess(Process &process) noexcept;
	~CurrentProcess();
	CurrentProcess(const CurrentProcess &) = delete;
	CurrentProcess &operator=(const CurrentProcess &) = delete;

private:
	Process *saved_;
	HostScope host_;
	vfs::FdTableScope fds_;
	vfio::CallContext ctx_;
	vfio::ContextScope ctx_scope_;
};

/* The process the calling thread acts for, or null outside any scope (the
 * Kernel's own process then). */
Process *current_process() noexcept;

} /* namespace softvfio */
