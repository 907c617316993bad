/* SPDX-License-Identifier: MIT */
/* The softvfio subcommands and their options. */
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "cli/session_setup.h"

namespace softvfio::cli {

/* Exit codes: 0 success, 1 the operation failed, 2 bad usage (a device
 * argument naming no preset and no file included), 3 bad input (a device
 * description file that does not parse or is not valid). */
constexpr int kExitOk = 0;
constexpr int kExitFailure = 1;
constexpr int kExitUsage = 2;
constexpr int kExitBadInput = 3;
/* `maps`: the process is not one its session kernel can answer for. */
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
	SessionArgs session;                /* for a new session */
	/* The options of `session` given on the command line ("--device",
	 * ...): an error inside an existing session, which has its own. */
	std::vector<std::string> given;
	std::vector<std::string> command;   /* the program and its arguments */
};

/* Exec's the program on success; returns only on failure. */
int run_program(const RunOptions &opts);

struct ServeOptions {
	SessionArgs session;
	bool json = false;
	/* Start the session kernel in the background and return. */
	bool detach = false;
	/* Stop the session in this directory instead. */
	std::string stop;
};

int run_serve(const ServeOptions &opts);

struct MapsOptions {
	std::optional<int> pid;             /* none: list the session's processes */
	double wait = 5;                    /* accepted, unused: every process answers at once */
	bool json = false;
	bool colour = true;
};

int run_maps(const MapsOptions &opts);

/* A process of a live session, as `softvfio maps` lists it. */
struct SessionProcess {
	int pid = 0;
	std::string program;
	size_t mappings = 0;
	size_t buffers = 0;
	std::string session;                /* its session's directory */
};

/* The processes of the session SOFTVFIO_SESSION names, or else of every
 * live session of this user. */
std::vector<SessionProcess> session_processes();

struct TraceOptions {
	RunOptions run;
	std::string output;                 /* empty: stderr */
	bool json = false;
	int timestamps = 0;                 /* -t, -tt, -ttt: how many */
	bool durations = false;             /* -T */
	std::vector<std::string> exprs;     /* -e EXPR, each as given */
	bool summary = false;               /* -c: the table only */
	bool summary_too = false;           /* -C: the lines and the table */
	int follow = 0;                     /* -f: children are always traced */
	pid_t attach = 0;                   /* --attach PID: a running process instead of a program */
};

struct RecordOptions {
	std::string bdf;                    /* DDDD:BB:DD.F or BB:DD.F */
	std::string output;                 /* empty or "-": stdout */
	std::string sysfs_root = "/sys";
};

/* Writes a device description of the PCI function `bdf` from sysfs. */
int run_record(const RecordOptions &opts);

/* Like split_run_command, for `trace` (which also takes -o FILE). */
std::vector<std::string> split_trace_command(std::vector<std::string> &args);
/* Exec's the program with tracing on; returns only on failure. */
int run_trace(const TraceOptions &opts);
/* -o FILE: truncated, and its absolute path, which every traced process
 * appends to (nullopt after the message). */
std::optional<std::string> trace_output_file(const std::string &output);
/* --attach: `calls` and `fds` are the -e lists run_trace checked. */
int run_trace_attach(const TraceOptions &opts, const std::string &calls, const std::string &fds);

} /* namespace softvfio::cli */
