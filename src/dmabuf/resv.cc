/* SPDX-License-Identifier: MIT */
#include "dmabuf/resv.h"

#include <algorithm>

namespace softvfio::dmabuf {

void Resv::lock()
{
	lock_.lock();
	owner_.store(std::this_thread::get_id());
}

void Resv::unlock()
{
	owner_.store(std::thread::id());
	lock_.unlock();
}

void Resv::add_fence_locked(std::shared_ptr<Fence> fence, FenceUsage usage)
{
	std::erase_if(fences_, [](const Entry &e) { return e.fence->signaled(); });
	fences_.push_back({std::move(fence), usage});
}

std::vector<std::shared_ptr<Fence>> Resv::fences_locked(FenceUsage usage)
{
	std::vector<std::shared_ptr<Fence>> out;
	for (const Entry &e : fences_)
		if (e.usage <= usage && !e.fence->signaled())
			out.push_back(e.fence);
	return out;
}

void Resv::wait_locked(FenceUsage usage)
{
	for (auto &fence : fences_locked(usage))
		fence->wait();
}

void Resv::wait_unlocked(FenceUsage usage)
{
	std::vector<std::shared_ptr<Fence>> fences;
	{
		std::lock_guard guard(lock_);
		fences = fences_locked(usage);
	}
	for (auto &fence : fences)
		fence->wait();
}

} /* namespace softvfio::dmabuf */
