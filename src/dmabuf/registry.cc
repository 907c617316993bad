/* SPDX-License-Identifier: MIT */
#include "dmabuf/registry.h"

#include <atomic>
#include <map>
#include <mutex>

#include "dmabuf/dma_buf.h"

namespace softvfio::dmabuf {

namespace {

struct Registry {
	std::mutex lock;
	std::map<uint64_t, std::weak_ptr<DmaBuf>> buffers;
};

Registry &registry()
{
	static Registry instance;
	return instance;
}

} /* namespace */

uint64_t next_buffer_id()
{
	static std::atomic<uint64_t> next{1};
	return next.fetch_add(1);
}

void registry_add(const std::shared_ptr<DmaBuf> &buf)
{
	Registry &r = registry();
	std::lock_guard guard(r.lock);
	r.buffers.emplace(buf->id(), buf);
}

void registry_remove(uint64_t id)
{
	Registry &r = registry();
	std::lock_guard guard(r.lock);
	r.buffers.erase(id);
}

std::vector<std::shared_ptr<DmaBuf>> registry_list(const void *domain)
{
	Registry &r = registry();
	std::vector<std::shared_ptr<DmaBuf>> out;
	std::lock_guard guard(r.lock);
	for (auto &[id, weak] : r.buffers)
		if (auto buf = weak.lock(); buf && buf->domain() == domain)
			out.push_back(std::move(buf));
	return out;
}

} /* namespace softvfio::dmabuf */
