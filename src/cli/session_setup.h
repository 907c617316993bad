/* SPDX-License-Identifier: MIT */
/*
 * What `softvfio run` and `softvfio serve` share: checking the options that
 * shape a session (devices, profile, access paths) and turning them into
 * the session kernel's configuration.
 */
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "cli/run_env.h"
#include "session/launch.h"

namespace softvfio::cli {

struct SessionArgs {
	std::vector<std::string> devices;   /* PRESET|FILE[@BDF] */
	std::string profile = "series-v4";
	std::string access;                 /* empty: the model's default */
	bool verify_fds = false;
};

/* Check `args` for `command` ("run", "serve"): every device parses and
 * resolves, the profile exists, the access list is valid. Fills the
 * session's part of `settings` and returns 0, or prints why not and
 * returns the exit code (kExitUsage, kExitBadInput: device_error_status). */
int check_session_args(std::string_view command, const SessionArgs &args, RunSettings &settings);

/* The exit status for a device argument (PRESET|FILE) that did not resolve:
 * kExitUsage when it names no preset and no file, as an unknown --profile
 * is; kExitBadInput when it names a file that is not a valid description. */
int device_error_status(const std::string &arg);

/* The session kernel's configuration for `settings`, read exactly as the
 * shim read it from run_environment()'s variables (SOFTVFIO_DOMAIN from
 * this process's environment). */
session::LaunchOptions launch_options(const RunSettings &settings, bool verify_fds);

} /* namespace softvfio::cli */
