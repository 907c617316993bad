/* SPDX-License-Identifier: MIT */
/*
 * The session's directory: where its socket and its sysfs view live.
 *
 * Directories are <runtime>/softvfio-<uid>/<name>, <runtime> being
 * $XDG_RUNTIME_DIR or /tmp; the per-user directory is 0700, so only the
 * user's processes reach a session's socket (and the kernel checks each
 * peer's uid as well). The session kernel writes its pid and start time to
 * <dir>/kernel: a later session removes the directories of sessions whose
 * kernel is gone (killed with SIGKILL, say), by name.
 */
#pragma once

#include <chrono>
#include <string>
#include <vector>
#include <sys/types.h>

#include <softvfio/base/result.h>
#include <softvfio/base/unique_fd.h>

namespace softvfio::session {

struct SessionDir {
	std::string path;
	std::string name;
	UniqueFD listener;   /* <path>/sock, bound and listening */
};

/* A new session directory with its socket. */
Result<SessionDir> create_session_dir();

/* The session kernel is `pid` (written to <dir>/kernel). */
Result<void> claim_session_dir(const std::string &path, pid_t pid);

/* Remove a session's directory and everything in it. */
void remove_session_dir(const std::string &path);

/* Remove the directories of this user's sessions whose kernel is gone.
 * Returns how many. */
unsigned reap_dead_sessions();

/* The directory a process joins: $SOFTVFIO_SESSION, if its socket is
 * there. */
std::string session_from_environment();

/* Is the session at `path` alive (its kernel running)? */
bool session_alive(const std::string &path);

/* The pid of the session's kernel, if the session is alive. */
Result<pid_t> session_kernel_pid(const std::string &path);

/* A tool's connection to the session's socket (`path`/sock), whose
 * receives give up after `timeout` (a kernel that is ending keeps its
 * socket a little while). */
Result<UniqueFD> connect_session(const std::string &path, std::chrono::milliseconds timeout);

/* The directories of this user's live sessions, sorted. */
std::vector<std::string> live_sessions();

} /* namespace softvfio::session */
