/* SPDX-License-Identifier: MIT */
#include "dmabuf/deferred_release.h"

#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>

#include "dmabuf/dma_buf.h"

namespace softvfio::dmabuf {

namespace {

thread_local unsigned t_defer_depth = 0;

/* One thread that runs queued releases, started on first use. */
class Releaser
{
public:
	~Releaser()
	{
		{
			std::lock_guard guard(lock_);
			stop_ = true;
		}
		cv_.notify_all();
		if (thread_.joinable())
			thread_.join();
	}

	void queue(DmaBuf *buf)
	{
		std::lock_guard guard(lock_);
		queue_.push_back(buf);
		pending_++;
		if (!thread_.joinable())
			thread_ = std::thread([this] { run(); });
		cv_.notify_all();
	}

	void flush()
	{
		std::unique_lock guard(lock_);
		idle_cv_.wait(guard, [this] { return pending_ == 0; });
	}

private:
	void run()
	{
		std::unique_lock guard(lock_);
		for (;;) {
			cv_.wait(guard, [this] { return stop_ || !queue_.empty(); });
			if (queue_.empty())
				return;
			DmaBuf *buf = queue_.front();
			queue_.pop_front();
			guard.unlock();
			delete buf;
			guard.lock();
			if (--pending_ == 0)
				idle_cv_.notify_all();
		}
	}

	std::mutex lock_;
	std::condition_variable cv_;
	std::condition_variable idle_cv_;
	std::deque<DmaBuf *> queue_;
	size_t pending_ = 0;
	bool stop_ = false;
	std::thread thread_;
};

Releaser &releaser()
{
	static Releaser instance;
	return instance;
}

} /* namespace */

DeferReleaseScope::DeferReleaseScope() { t_defer_depth++; }

DeferReleaseScope::~DeferReleaseScope() { t_defer_depth--; }

void BufferDeleter::operator()(DmaBuf *buf) const
{
	if (t_defer_depth)
		releaser().queue(buf);
	else
		delete buf;
}

void flush_deferred_releases() { releaser().flush(); }

} /* namespace softvfio::dmabuf */
