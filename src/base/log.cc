/* SPDX-License-Identifier: MIT */
#include "base/log.h"

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace softvfio::log {

namespace {

std::atomic<uint64_t> g_warnings{0};

/* 0: silent, 1: warnings, 2: everything. Read once. */
int verbosity()
{
	static const int v = [] {
		const char *env = std::getenv("SOFTVFIO_LOG");
		if (!env || !*env)
			return 0;
		return std::strcmp(env, "debug") == 0 ? 2 : 1;
	}();
	return v;
}

} /* namespace */

void message(Level level, std::string_view text)
{
	if (level == Level::Warning)
		g_warnings.fetch_add(1, std::memory_order_relaxed);
	int needed = level == Level::Warning ? 1 : 2;
	if (verbosity() >= needed)
		std::fprintf(stderr, "softvfio: %s: %.*s\n", level == Level::Warning ? "warning" : "debug",
			     static_cast<int>(text.size()), text.data());
}

uint64_t warning_count() { return g_warnings.load(std::memory_order_relaxed); }

} /* namespace softvfio::log */
