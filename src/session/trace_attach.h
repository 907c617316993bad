/* SPDX-License-Identifier: MIT */
/*
 * `softvfio trace -p PID`: a trace attached to a process already running
 * in the session, without ptrace.
 *
 * The tool connects to the session's socket with a JoinRequest of kind
 * Trace (its `arg` the pid) and a TraceRequest (the settings). The kernel
 * writes the settings into the process's mailbox (Header::trace_config,
 * under the sequence lock Header::trace_generation) and sends it the
 * session signal with kTraceSignalValue; the process's shim reads them at
 * its next call (session/client/trace_settings.h, shim/trace.cc). A fork's child gets a copy with its
 * record, an exec'd image finds them in its new mailbox: the trace follows
 * them as strace -f would. Empty settings detach.
 */
#pragma once

#include <string>
#include <string_view>
#include <sys/types.h>

#include <softvfio/base/result.h>

#include "session/wire/protocol.h"

namespace softvfio::session {

class ClientProcess;

/* --- the kernel's side --- */

/* Set the process's trace settings (empty: none) and, with `wake`, tell
 * it. EINVAL: too long for the mailbox. */
Result<void> set_trace(ClientProcess &record, std::string_view config, bool wake);
/* The settings a record holds ("" when none). */
std::string trace_of(ClientProcess &record);

/* --- the tool's side --- */

/* Attach (or, with empty `config`, detach) the trace of `pid` in the
 * session at `dir`. ESRCH: not a process of the session; ECONNREFUSED,
 * ENOENT: no kernel listening; EINVAL: settings too long. */
Result<void> attach_trace(const std::string &dir, pid_t pid, std::string_view config);

} /* namespace softvfio::session */
