/* SPDX-License-Identifier: MIT */
/*
 * Starting a session kernel (SessionKernel) in a process of its own.
 *
 * `softvfio run` launches one before it execs the program. The kernel
 * process comes from a double fork with setsid() in between: it is no
 * child of the program (which must neither see it among its children nor
 * be able to reap it) and not in its terminal's process group (Ctrl-C
 * reaches the program, whose exit then ends the session). `softvfio serve`
 * runs one in its own process instead, in the foreground.
 *
 * The kernel process builds the Kernel and its devices itself, after the
 * forks, so the caller never carries a model; the caller waits until the
 * kernel has claimed the session directory (<dir>/kernel) and serves.
 * SIGTERM, SIGINT and SIGHUP end the session cleanly: every BAR memfd is
 * emptied (a mapping left in some process raises SIGBUS), the directory
 * goes and the process exits 0.
 *
 * The watchdog is a small process the kernel forks once its devices
 * exist: it holds the BAR memfds and a pidfd of the kernel. If the kernel
 * dies without saying it ends cleanly (SIGKILL, a crash), the watchdog
 * truncates every BAR memfd to 0 bytes, so every mapping of device memory
 * in every process of the session raises SIGBUS from then on, and removes
 * the session directory. Device memory never outlives its kernel.
 */
#pragma once

#include <chrono>
#include <functional>
#include <string>
#include <sys/types.h>

#include <softvfio/base/result.h>

#include "shim/config.h"

namespace softvfio::session {

struct LaunchOptions {
	/* Devices (none: no device), profile, access paths, domain. */
	shim::ShimConfig config;
	/* KernelOptions::verify_fd_identity. */
	bool verify_fds = false;
	/* The process that will exec the session's first program (`softvfio
	 * run`: itself), a member before it joins; 0: none. */
	pid_t founder = 0;
	/* End when the last process is gone (`softvfio serve`: no). */
	bool exit_when_empty = true;
	/* How long the caller waits for the kernel to serve. */
	std::chrono::milliseconds timeout{10000};
};

struct LaunchedSession {
	std::string dir;        /* what SOFTVFIO_SESSION names */
	pid_t kernel = 0;
	pid_t watchdog = 0;
};

/* A new session with its kernel running in a process of its own. The
 * caller should be single-threaded (it forks and the child goes on).
 * Errors: those of the session directory, ETIMEDOUT (not ready within
 * the timeout), EIO (the kernel process died starting), or the errno the
 * kernel failed with. */
Result<LaunchedSession> launch_session(const LaunchOptions &options);

/* This process becomes the kernel of a new session (`softvfio serve`).
 * `ready` is called once, with the session when it serves or with the
 * errno that stopped it; the process then serves until the session ends
 * and exits: 0 after a clean end, 1 if it could not start. */
[[noreturn]] void serve_session(const LaunchOptions &options,
				const std::function<void(const Result<LaunchedSession> &)> &ready);

} /* namespace softvfio::session */
