/* SPDX-License-Identifier: MIT */
/*
 * The process's side of an attached trace (session/trace_attach.h): the
 * settings the kernel wrote into this process's mailbox, and the session
 * signal that says they changed.
 */
#pragma once

#include <cstdint>

#include "session/wire/protocol.h"

namespace softvfio::session {

/* Copy the settings out of a mailbox header into `out` (kTraceConfigMax
 * bytes, NUL-terminated): the generation they belong to, 0 if no trace
 * was ever attached. Lock-free: it reads again while the kernel writes. */
uint32_t read_trace_settings(const wire::Header &header, char *out) noexcept;

/* The session signal's handler stores true into `*flag` when the trace's
 * settings changed (a plain store: the handler runs no instrumented
 * code). */
void set_trace_switch(bool *flag) noexcept;

} /* namespace softvfio::session */
