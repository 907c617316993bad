/* SPDX-License-Identifier: MIT */
#include "dmabuf/buffer_list.h"

#include <algorithm>
#include <shared_mutex>

#include "dmabuf/deferred_release.h"
#include "dmabuf/dma_buf.h"
#include "mm/zap_fence.h"

namespace softvfio::dmabuf {

BufferList::BufferList(Exporter &exporter) : exporter_(exporter) {}

BufferList::~BufferList() = default;

void BufferList::add_locked(const std::shared_ptr<DmaBuf> &buf)
{
	std::lock_guard guard(lock_);
	bufs_.push_back({buf.get(), buf});
}

void BufferList::remove_locked(DmaBuf *buf)
{
	std::lock_guard guard(lock_);
	std::erase_if(bufs_, [buf](const Entry &e) { return e.buf == buf; });
}

std::vector<std::shared_ptr<DmaBuf>> BufferList::snapshot()
{
	std::vector<std::shared_ptr<DmaBuf>> out;
	std::lock_guard guard(lock_);
	for (const Entry &e : bufs_)
		if (auto buf = e.ref.lock())
			out.push_back(std::move(buf));
	return out;
}

size_t BufferList::size()
{
	std::lock_guard guard(lock_);
	return bufs_.size();
}

void BufferList::move_locked(bool revoke)
{
	/* Our references may turn out to be the last ones while memory_lock
	 * is held: their release must wait for the lock elsewhere. */
	DeferReleaseScope defer;
	for (const auto &buf : snapshot()) {
		if (revoke)
			buf->set_status_locked(Status::TempRevoked);
		else
			buf->unrevoke_locked();
	}
}

void BufferList::cleanup()
{
	DeferReleaseScope defer;
	std::unique_lock guard(exporter_.memory_lock());
	move_locked(true);
	mm::zap_fence();
	for (const auto &buf : snapshot()) {
		remove_locked(buf.get());
		buf->detach_locked();
		exporter_.put_registration();
	}
}

} /* namespace softvfio::dmabuf */
