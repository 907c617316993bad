/* SPDX-License-Identifier: MIT */
/*
 * The environment `softvfio run` gives the program: the shim (and a
 * sanitizer runtime before it when one must come first) in LD_PRELOAD, the
 * shim's configuration (shim/config.h), and sanitizer options that let the
 * program's own SIGBUS handler see revocations. Pure functions, so the
 * rules are testable without starting anything.
 */
#pragma once

#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "shim/config.h"

namespace softvfio::cli {

struct RunSettings {
	std::vector<shim::DeviceSpec> devices;   /* empty: the default preset */
	std::string profile;                     /* a profile name */
	std::optional<AccessPaths> access;
	std::string shim_path;
	/* A sanitizer runtime that must be first in the initial library list
	 * (the program's or the shim's); empty: none. */
	std::string runtime_first;
	bool asan = false;                       /* ASan is in the process */
};

/* Variables to set, in order (name, value). `existing(name)` reads the
 * current environment (null: unset). */
std::vector<std::pair<std::string, std::string>> run_environment(const RunSettings &settings,
								 const char *(*existing)(const char *));

/* LD_PRELOAD with `first` entries in front of what was there (entries
 * already present are not repeated). */
std::string merge_preload(const std::vector<std::string> &first, const char *existing);

/* When `args` (argv without the program name) is a `run` command line:
 * removes and returns the program and its arguments, which start after the
 * first "--" or at the first argument that is neither an option of `run`
 * nor an option's value. Otherwise returns nothing and leaves `args`. */
std::vector<std::string> split_run_command(std::vector<std::string> &args);

/* The same for any subcommand `name` that runs a program, given the
 * options that take a value in the next argument. */
std::vector<std::string> split_subcommand(std::vector<std::string> &args, std::string_view name,
					  std::initializer_list<std::string_view> valued);

/* A sanitizer option string with `defaults` added for every key it does not
 * set already (the user's settings win). */
std::string merge_sanitizer_options(const char *existing, const std::vector<std::pair<std::string, std::string>> &defaults);

} /* namespace softvfio::cli */
