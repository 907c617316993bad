/* SPDX-License-Identifier: MIT */
/*
 * Which path calls the trace shows: those the shim answers itself (the
 * model's device nodes and served directories, the sysfs view, the merged
 * sysfs directories, and the errors it gives for paths of its own), never
 * one it hands to the C library as given. The hooks in intercept_*.cc and
 * open_path.cc ask this of the path they resolved.
 */
#pragma once

#include "shim/resolve.h"
#include "shim/trace.h"

namespace softvfio::shim {

inline bool trace_shows(const Resolved &r) noexcept
{
	return r.route == Route::Node || r.route == Route::SysView || r.route == Route::SysMerged ||
	       r.route == Route::Error;
}

/* A call's result for the trace: its value, or -errno when it failed. */
inline long trace_result(long r) noexcept { return r < 0 ? -errno : r; }

} /* namespace softvfio::shim */
