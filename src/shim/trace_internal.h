/* SPDX-License-Identifier: MIT */
/*
 * What the trace's hooks share (trace.cc: fd calls, trace_path.cc: path
 * calls): the filter, building an event outside the interceptors' reach,
 * and writing it. Internal to the shim.
 */
#pragma once

#include <cerrno>
#include <string>

#include "base/reentry.h"
#include "shim/trace.h"
#include "shim/trace_decode.h"

namespace softvfio::shim {

/* Whether `call` is shown or counted (-e trace=). */
bool trace_wants(const char *call) noexcept;

/* Writes the line of an event (and its summary record), stamped with when
 * it began and how long it took. */
void trace_emit(TraceEvent &event) noexcept;

/* The -c table, at the program's exit (once; nothing in any other
 * process or without -c). */
void trace_write_summary() noexcept;

/* Whatever stands behind an fd the program holds: the shim's note, or the
 * /proc/self/fd link it would show (a dma-buf's "/dmabuf:name"). */
std::string trace_fd_text(int fd, bool open = true);

/* Builds and writes the event of `call`. Decoding reads the program's
 * memory through the model's fault guard, and whatever the builder calls
 * is the C library's (ModelScope). `end` is taken on entry to each
 * trace_*: looking up the fd's link and decoding are the trace's time,
 * not the call's. */
template<typename F>
void trace_emit_with(const char *call, TraceStart start, TraceStart end, F &&build) noexcept
{
	if (!trace_wants(call))
		return;
	int saved = errno;
	if (!start.mono_ns)
		start = end;
	try {
		TraceEvent event;
		{
			ModelScope pass;
			event = build();
		}
		event.wall_ns = start.wall_ns;
		event.duration_ns = end.mono_ns - start.mono_ns;
		trace_emit(event);
	} catch (...) {
		/* An event lost to an allocation failure. */
	}
	errno = saved;
}

} /* namespace softvfio::shim */
