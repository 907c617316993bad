/* SPDX-License-Identifier: MIT */
#include "dmabuf/deferred_release.h"

#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>

#include "base/fork_guard.h"
#include "base/model_thread.h"

#include "dmabuf/dma_buf.h"

namespace softvfio::dmabuf {

namespace {

/* Initial-exec TLS: a plain fs-relative access, as every device ioctl
 * opens a scope. */
__thread unsigned t_defer_depth __attribute__((tls_model("initial-exec"))) = 0;

/* One thread that runs queued releases, started on first use. */
class Releaser
{
public:
	~Releaser()
	{
		{
			std::lock_guard guard(sync_->lock);
			stop_ = true;
		}
		sync_->cv.notify_all();
		thread_.join();
	}

	void queue(DmaBuf *buf)
	{
		std::lock_guard guard(sync_->lock);
		queue_.push_back(buf);
		pending_++;
		start_locked();
		sync_->cv.notify_all();
	}

	void flush()
	{
		std::unique_lock guard(sync_->lock);
		if (pending_)
			start_locked();
		sync_->idle_cv.wait(guard, [this] { return pending_ == 0; });
	}

private:
	void start_locked()
	{
		if (!thread_.running())
			thread_.start([this] { run(); });
	}

	/* Each release is a unit of work under the fork gate, taken before
	 * our lock, so a fork finds the queue at rest: a queued buffer is
	 * either released or still queued, never in the hands of a thread
	 * the child will not have. */
	void run()
	{
		for (;;) {
			{
				std::unique_lock guard(sync_->lock);
				sync_->cv.wait(guard, [this] { return stop_ || !queue_.empty(); });
				if (queue_.empty())
					return;
			}
			ForkGateShared gate;
			DmaBuf *buf;
			{
				std::lock_guard guard(sync_->lock);
				if (queue_.empty())
					continue;
				buf = queue_.front();
				queue_.pop_front();
			}
			delete buf;
			std::lock_guard guard(sync_->lock);
			if (--pending_ == 0)
				sync_->idle_cv.notify_all();
		}
	}

	/* A condition variable the parent's thread was waiting on cannot be
	 * used in a forked child (glibc would wait for that waiter forever):
	 * the child gets new ones, and the old ones are left alone. */
	struct Sync {
		std::mutex lock;
		std::condition_variable cv;
		std::condition_variable idle_cv;
	};
	std::unique_ptr<Sync> sync_ = std::make_unique<Sync>();
	std::deque<DmaBuf *> queue_;
	size_t pending_ = 0;
	bool stop_ = false;
	ModelThread thread_;
	ForkChildHook reset_in_child_{[this] {
		(void)sync_.release();
		sync_ = std::make_unique<Sync>();
	}};
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
