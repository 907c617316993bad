/* SPDX-License-Identifier: MIT */
/*
 * The session a running process belongs to, for the commands that act on
 * one (softvfio maps PID, softvfio trace --attach PID): the
 * SOFTVFIO_SESSION it was started with (/proc/PID/environ, readable for
 * our own processes).
 */
#pragma once

#include <string>
#include <sys/types.h>

#include <softvfio/base/result.h>

namespace softvfio::cli {

/* The session's directory, "" when the process has none, or the errno
 * reading its environment gave. */
Result<std::string> session_of(pid_t pid);

} /* namespace softvfio::cli */
