/* SPDX-License-Identifier: MIT */
#include "session/client/trace_settings.h"

#include <atomic>
#include <sched.h>

namespace softvfio::session {

uint32_t read_trace_settings(const wire::Header &header, char *out) noexcept
{
	for (;;) {
		const uint32_t g = header.trace_generation.load(std::memory_order_acquire);
		if (g & 1) {
			sched_yield();
			continue;
		}
		/* Acquire loads: a byte the kernel stored after raising the
		 * generation to odd shows the generation changed below. */
		for (size_t i = 0; i < wire::kTraceConfigMax; i++)
			out[i] = __atomic_load_n(&header.trace_config[i], __ATOMIC_ACQUIRE);
		if (header.trace_generation.load(std::memory_order_relaxed) != g)
			continue;
		out[wire::kTraceConfigMax - 1] = '\0';
		return g;
	}
}

} /* namespace softvfio::session */
