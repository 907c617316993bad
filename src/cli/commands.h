/* SPDX-License-Identifier: MIT */
/* The softvfio subcommands and their options. */
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace softvfio::cli {

/* Exit codes: 0 success, 1 the operation failed, 2 bad usage, 3 bad input
 * (a device description that does not parse). */
constexpr int kExitOk = 0;
constexpr int kExitFailure = 1;
constexpr int kExitUsage = 2;
constexpr int kExitBadInput = 3;
/* `maps`: the process runs no software-device model that can be asked. */
constexpr int kExitNotServed = 4;

/* Colour only on a terminal, and never with NO_COLOR set (no-color.org). */
bool use_colour(bool allowed);

struct InfoOptions {
	std::string device;     /* preset name or description file; empty: default */
	std::string profile = "series-v4";
	bool json = false;
	bool colour = true;
};

int run_info(const InfoOptions &opts);

struct DemoOptions {
	bool colour = true;
};

int run_demo(const DemoOptions &opts);

struct RunOptions {
	std::vector<std::string> devices;   /* PRESET|FILE[@BDF] */
	std::string profile = "series-v4";
	std::string access;                 /* empty: the model's default */
	std::vector<std::string> command;   /* the program and its arguments */
};

/* Exec's the program on success; returns only on failure. */
int run_program(const RunOptions &opts);

struct MapsOptions {
	std::optional<int> pid;             /* none: list the processes that can be asked */
	double wait = 5;                    /* seconds for a program without --maps to answer */
	bool json = false;
	bool colour = true;
};

int run_maps(const MapsOptions &opts);

struct TraceOptions {
	RunOptions run;
	std::string output;                 /* empty: stderr */
	bool json = false;
};

/* Like split_run_command, for `trace` (which also takes -o FILE). */
std::vector<std::string> split_trace_command(std::vector<std::string> &args);
/* Exec's the program with tracing on; returns only on failure. */
int run_trace(const TraceOptions &opts);

} /* namespace softvfio::cli */
