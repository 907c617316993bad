/* SPDX-License-Identifier: MIT */
/*
 * The environment `softvfio run` gives the program: the shim (and a
 * sanitizer runtime before it when one must come first) in LD_PRELOAD, the
 * session it joins (SOFTVFIO_SESSION), the configuration that session was
 * made with (shim/config.h: for whoever reads it, the session kernel has
 * it already), and sanitizer options that let the program's own SIGBUS
 * handler see revocations. Pure functions, so the
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
	/* The session the program joins (SOFTVFIO_SESSION); empty: none. */
	std::string session;
	/* It joins the session its environment names already: the shim goes
	 * into LD_PRELOAD, and the session's variables stay as they are. */
	bool join = false;
};

/* The variable naming the session a process belongs to. */
inline constexpr const char *kEnvSession = "SOFTVFIO_SESSION";

/* The devices a new session gets: those given, else the default preset. */
std::vector<shim::DeviceSpec> session_devices(const RunSettings &settings);

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
