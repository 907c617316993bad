/* SPDX-License-Identifier: MIT */
#include "kernel/process.h"

namespace softvfio {

namespace {

__thread Process *t_process = nullptr;

} /* namespace */

Process::Process(std::shared_ptr<HostProcess> host, std::shared_ptr<vfs::FdSpace> space,
		 std::shared_ptr<vfs::OpenFiles> files, vfs::FdTable::Options fd_options, mm::HugeOrders orders,
		 std::unique_ptr<mm::Host> mm_host)
	: host_(std::move(host)), fds(std::move(space), std::move(files), fd_options), mm(orders, std::move(mm_host))
{
}

CurrentProcess::CurrentProcess(Process &process) noexcept
	: saved_(t_process), host_(process.host()), fds_(process.fds), ctx_(process.context()), ctx_scope_(ctx_)
{
	t_process = &process;
}

CurrentProcess::~CurrentProcess()
{
	t_process = saved_;
}

Process *current_process() noexcept
{
	return t_process;
}

} /* namespace softvfio */
