/* SPDX-License-Identifier: MIT */
#include "mm/zap_fence.h"

#include <atomic>

namespace softvfio::mm {

namespace {

std::atomic<ZapFence> g_fence{nullptr};

} /* namespace */

void set_zap_fence(ZapFence fence) noexcept
{
	g_fence.store(fence, std::memory_order_release);
}

void zap_fence()
{
	if (ZapFence f = g_fence.load(std::memory_order_acquire))
		f();
}

} /* namespace softvfio::mm */
