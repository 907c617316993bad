/* SPDX-License-Identifier: MIT */
/* softvfio::Fence (include/softvfio/importer.h): a one-shot signal. */
#include <softvfio/importer.h>

namespace softvfio {

void Fence::signal()
{
	std::vector<std::function<void()>> callbacks;
	{
		std::lock_guard guard(lock_);
		if (signaled_)
			return;
		signaled_ = true;
		callbacks.swap(callbacks_);
	}
	cv_.notify_all();
	/* Outside the lock: a callback may look at the fence again. */
	for (auto &cb : callbacks)
		cb();
}

bool Fence::signaled() const
{
	std::lock_guard guard(lock_);
	return signaled_;
}

void Fence::wait() const
{
	std::unique_lock guard(lock_);
	cv_.wait(guard, [this] { return signaled_; });
}

void Fence::on_signaled(std::function<void()> callback)
{
	{
		std::lock_guard guard(lock_);
		if (!signaled_) {
			callbacks_.push_back(std::move(callback));
			return;
		}
	}
	callback();
}

} /* namespace softvfio */
