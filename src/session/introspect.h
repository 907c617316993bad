/* SPDX-License-Identifier: MIT */
/*
 * What `softvfio maps` asks a session kernel, and what it answers.
 *
 * A tool connects to the session's socket and sends a JoinRequest of kind
 * Query (wire/protocol.h) whose `arg` is the pid it asks about, or
 * kQueryProcesses for the list of the session's processes. No membership
 * comes of it: the kernel answers with a JoinReply (error ESRCH when the
 * pid is not a process of the session) followed by one JSON document, and
 * closes the connection.
 *
 * A process's document (Snapshot) is what the kernel sees of it: its
 * emulated mappings with the page-table model brought up to date from the
 * pages it touched, the buffers behind them, and the session's devices. The
 * kernel gathers it for the process as one of its calls would (a
 * CurrentProcess scope on its record), on a thread of its own, so a query
 * never waits for the process to make a call and never holds up the
 * session's event loop.
 */
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <sys/types.h>
#include <vector>

#include <nlohmann/json.hpp>

#include <softvfio/base/result.h>
#include <softvfio/introspection.h>

#include "session/wire/protocol.h"

namespace softvfio::session {

class SessionKernel;

inline constexpr int kSnapshotVersion = 1;
/* JoinRequest::arg of a query for the session's processes. */
inline constexpr uint64_t kQueryProcesses = 0;

struct BarSnapshot {
	unsigned index = 0;
	uint64_t size = 0;
	uint64_t address = 0;     /* bus address; 0 if the model assigned it */
};

struct DeviceSnapshot {
	DeviceState state;
	std::vector<BarSnapshot> bars;   /* memory BARs only */
};

/* Everything `softvfio maps PID` draws. */
struct Snapshot {
	int version = kSnapshotVersion;
	pid_t pid = 0;
	std::string program;
	unsigned pmd_order = 9;
	unsigned pud_order = 18;
	std::vector<DeviceSnapshot> devices;
	std::vector<MappingInfo> mappings;
	/* The buffers behind the process's mappings. */
	std::vector<BufferInfo> buffers;
};

nlohmann::json to_json(const Snapshot &snapshot);
/* Throws nlohmann::json::exception on a malformed document. */
Snapshot snapshot_from_json(const nlohmann::json &j);

/* --- the kernel's side --- */

/* Answer the query `req` on `conn` (the peer checked already): `reply`,
 * filled in as for a join, goes first, then the document. Returns at once;
 * a thread of the session's answers on a copy of `conn`. */
void answer_query(SessionKernel &session, int conn, const wire::JoinRequest &req, wire::JoinReply reply);

/* --- the tool's side --- */

/* Ask the session at `dir` about `pid` (or kQueryProcesses): the JSON
 * text, or the errno: ESRCH the process is not one of the session's,
 * ECONNREFUSED/ENOENT no kernel listening, EAGAIN no answer within
 * `timeout` (a kernel that is ending), EPROTO a bad answer. */
Result<std::string> query_session(const std::string &dir, uint64_t arg,
				  std::chrono::milliseconds timeout = std::chrono::seconds(10));

} /* namespace softvfio::session */
