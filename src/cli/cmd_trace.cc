/* SPDX-License-Identifier: MIT */
/*
 * `softvfio trace [-o FILE] [--json] [-t[t[t]]] [-T] [-e EXPR]... [-c|-C] [-f]
 *  [run options] -- program args...`: `softvfio run` with the shim's trace
 * on (shim/trace.h). The program's exit status is the command's, as with
 * run; 2 for bad usage, an -e naming no traced call among it.
 */
#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <set>
#include <string>
#include <fcntl.h>
#include <unistd.h>

#include <fmt/format.h>

#include "cli/commands.h"
#include "cli/run_env.h"
#include "shim/trace.h"
#include "shim/trace_calls.h"

namespace softvfio::cli {

std::vector<std::string> split_trace_command(std::vector<std::string> &args)
{
	return split_subcommand(args, "trace",
				{"-o", "--output", "-e", "--expr", "-d", "--device", "-p", "--profile", "--access", "--attach"});
}

namespace {

/* The calls the -e expressions select, as the shim's comma list; nullopt
 * (after the message) for an expression strace would refuse. No -e: all. */
std::optional<std::string> traced_calls(const std::vector<std::string> &exprs)
{
	bool any = std::any_of(exprs.begin(), exprs.end(), [](const std::string &e) { return !shim::trace_expr_is_fds(e); });
	if (!any)
		return std::string();
	std::set<std::string> calls;
	for (const std::string &e : exprs) {
		std::string error;
		if (shim::trace_expr_is_fds(e))
			continue;   /* traced_fds' */
		if (!shim::trace_expr_calls(e, calls, error)) {
			std::string known;
			for (std::string_view n : shim::trace_call_names())
				known += (known.empty() ? "" : ",") + std::string(n);
			fmt::print(stderr, "softvfio trace: {}\n(traced calls: {}; classes: %file, %desc, %memory, %stat)\n",
				   error, known);
			return std::nullopt;
		}
	}
	std::string list;
	for (const std::string &c : calls)
		list += (list.empty() ? "" : ",") + c;
	return list;
}

/* The fds the -e fd= expressions select, as the shim's comma list;
 * nullopt (after the message) for one that names no fd. None: "". */
std::optional<std::string> traced_fds(const std::vector<std::string> &exprs)
{
	std::set<std::string> fds;
	for (const std::string &e : exprs) {
		std::string error;
		if (!shim::trace_expr_is_fds(e))
			continue;
		if (!shim::trace_expr_fds(e, fds, error)) {
			fmt::print(stderr, "softvfio trace: {}\n", error);
			return std::nullopt;
		}
	}
	std::string list;
	for (const std::string &f : fds)
		list += (list.empty() ? "" : ",") + f;
	return list;
}

/* An empty file for the summary's records, which the program's process
 * removes once it has written the table. */
std::optional<std::string> records_file()
{
	const char *dir = std::getenv("TMPDIR");
	std::string path = std::string(dir && *dir ? dir : "/tmp") + "/softvfio-trace-summary-XXXXXX";
	std::vector<char> name(path.begin(), path.end());
	name.push_back('\0');
	int fd = ::mkostemp(name.data(), O_CLOEXEC);
	if (fd < 0) {
		fmt::print(stderr, "softvfio trace: {}: {}\n", path, std::strerror(errno));
		return std::nullopt;
	}
	::close(fd);
	return std::string(name.data());
}

} /* namespace */

std::optional<std::string> trace_output_file(const std::string &output)
{
	/* Truncated now, appended to by every traced process. */
	int fd = ::open(output.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		fmt::print(stderr, "softvfio trace: {}: {}\n", output, std::strerror(errno));
		return std::nullopt;
	}
	::close(fd);
	char buf[PATH_MAX];
	return std::string(::realpath(output.c_str(), buf) ? buf : output);
}

int run_trace(const TraceOptions &opts)
{
	auto calls = traced_calls(opts.exprs);
	auto fds = calls ? traced_fds(opts.exprs) : std::nullopt;
	if (!calls || !fds)
		return kExitUsage;
	if (opts.attach > 0)
		return run_trace_attach(opts, *calls, *fds);
	std::string sink = "stderr";
	if (!opts.output.empty()) {
		auto path = trace_output_file(opts.output);
		if (!path)
			return kExitFailure;
		sink = *path;
	}
	/* A traced program running softvfio trace again gets only what it asks for. */
	for (const char *name : {shim::kEnvTraceTimestamps, shim::kEnvTraceDurations, shim::kEnvTraceCalls,
				 shim::kEnvTraceFds, shim::kEnvTraceSummary, shim::kEnvTraceLines})
		::unsetenv(name);
	if (opts.summary || opts.summary_too) {
		auto records = records_file();
		if (!records)
			return kExitFailure;
		::setenv(shim::kEnvTraceSummary, records->c_str(), 1);
		/* -C asks for the lines as well, whatever -c says. */
		if (!opts.summary_too)
			::setenv(shim::kEnvTraceLines, "0", 1);
	}
	::setenv(shim::kEnvTrace, sink.c_str(), 1);
	::setenv(shim::kEnvTraceFormat, opts.json ? "json" : "text", 1);
	if (std::any_of(opts.exprs.begin(), opts.exprs.end(), [](const std::string &e) { return !shim::trace_expr_is_fds(e); }))
		::setenv(shim::kEnvTraceCalls, calls->c_str(), 1);
	if (!fds->empty())
		::setenv(shim::kEnvTraceFds, fds->c_str(), 1);
	if (opts.timestamps > 0)
		::setenv(shim::kEnvTraceTimestamps, std::to_string(std::min(opts.timestamps, 3)).c_str(), 1);
	if (opts.durations)
		::setenv(shim::kEnvTraceDurations, "1", 1);
	/* run execs the program in this very process. */
	::setenv(shim::kEnvTracePid, std::to_string(::getpid()).c_str(), 1);
	int status = run_program(opts.run);
	/* Back here only when the program did not start: no one will sum. */
	if (const char *records = std::getenv(shim::kEnvTraceSummary))
		::unlink(records);
	return status;
}

} /* namespace softvfio::cli */
