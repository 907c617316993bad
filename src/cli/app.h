/* SPDX-License-Identifier: MIT */
/*
 * The definition of the softvfio command line: its subcommands, options,
 * descriptions and footers as one CLI11 App tree, built without running
 * anything. The command (main.cc) parses with it; softvfio-docgen walks the
 * same tree to write the man pages and the shell completions, so neither
 * can say something `--help` does not.
 */
#pragma once

#include <array>
#include <string>
#include <string_view>
#include <vector>

#include <CLI/CLI.hpp>

#include "cli/commands.h"

namespace softvfio::cli {

/* The placeholders an option's value is shown with. They are the options'
 * CLI11 type names, and what tells the completion generator which values
 * an option takes (docgen/value_kind.h): one name, one kind of value. */
inline constexpr const char *kValueDevice = "PRESET|FILE[@BDF]";
inline constexpr const char *kValuePresetOrFile = "PRESET|FILE";
inline constexpr const char *kValueProfile = "NAME";
inline constexpr const char *kValueAccess = "LIST";
inline constexpr const char *kValueFile = "FILE";
inline constexpr const char *kValueDir = "DIR";
inline constexpr const char *kValueSeconds = "SECONDS";
inline constexpr const char *kValuePid = "PID";
inline constexpr const char *kValueList = "WHAT";

/* The ways in --access takes, as shim::parse_access() knows them (the
 * generator checks every one parses before it writes a completion). */
inline constexpr std::array<std::string_view, 4> kAccessPathNames = {"group", "noiommu", "cdev", "iommufd"};

/* What the hidden `softvfio complete WHAT` prints, one value a line; the
 * meanings are softvfio(1)'s. */
struct CompletionList {
	std::string_view name;
	std::string_view meaning;
};
inline constexpr std::array<CompletionList, 5> kCompletionLists = {{
	{"presets", "The built-in presets, for --device"},
	{"profiles", "The uAPI profiles, for --profile"},
	{"access", "The ways in, for --access"},
	{"pids", "The processes of the session SOFTVFIO_SESSION names, or of every live session of the user, for "
		 "softvfio maps"},
	{"bdfs", "The addresses a device can be placed at with --device NAME@BDF, in the order a session gives them "
		 "to devices without one: slots 1 to 31 of bus 0 in the session's PCI domain"},
}};

/* The name of the hidden subcommand the shell completions call. */
inline constexpr const char *kCompleteCommand = "complete";

struct CompleteOptions {
	std::string what;
};

/* Prints the list `what` names (kCompletionLists) for the shell
 * completions: stable, one value a line, nothing else. */
int run_complete(const CompleteOptions &opts);

/* Everything the command line fills in, and the subcommands that say which
 * one was given. The App holds pointers into it: it must outlive the App. */
struct Invocation {
	InfoOptions info;
	DemoOptions demo;
	bool presets_json = false;
	RunOptions run;
	ServeOptions serve;
	MapsOptions maps;
	TraceOptions trace;
	CompleteOptions complete;
	RecordOptions record;
	/* run --maps and trace --maps: accepted, ignored. */
	bool maps_flag = false;

	CLI::App *info_cmd = nullptr;
	CLI::App *demo_cmd = nullptr;
	CLI::App *presets_cmd = nullptr;
	CLI::App *run_cmd = nullptr;
	CLI::App *serve_cmd = nullptr;
	CLI::App *maps_cmd = nullptr;
	CLI::App *trace_cmd = nullptr;
	CLI::App *complete_cmd = nullptr;
	CLI::App *record_cmd = nullptr;
};

/* Defines the whole command on `app` (name, description, version flag,
 * subcommands), binding its values to `inv`. */
void build_app(CLI::App &app, Invocation &inv);

/* The subcommands that run a program given after their options
 * (`softvfio run [options] -- program args...`). */
bool runs_program(std::string_view subcommand);

/* ", "-separated, for help texts. */
std::string join_names(const std::vector<std::string_view> &names);

} /* namespace softvfio::cli */
