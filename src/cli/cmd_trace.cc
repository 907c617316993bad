/* SPDX-License-Identifier: MIT */
/*
 * `softvfio trace [-o FILE] [--json] [-t[t[t]]] [-T] [run options] -- program args...`:
 * `softvfio run` with the shim's trace on (shim/trace.h). The program's
 * exit status is the command's, as with run.
 */
#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <string>
#include <fcntl.h>
#include <unistd.h>

#include <fmt/format.h>

#include "cli/commands.h"
#include "cli/run_env.h"
#include "shim/trace.h"

namespace softvfio::cli {

std::vector<std::string> split_trace_command(std::vector<std::string> &args)
{
	return split_subcommand(args, "trace",
				{"-o", "--output", "-d", "--device", "-p", "--profile", "--access"});
}

int run_trace(const TraceOptions &opts)
{
	std::string sink = "stderr";
	if (!opts.output.empty()) {
		/* Truncated now, appended to by every traced process. */
		int fd = ::open(opts.output.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		if (fd < 0) {
			fmt::print(stderr, "softvfio trace: {}: {}\n", opts.output, std::strerror(errno));
			return kExitFailure;
		}
		::close(fd);
		char buf[PATH_MAX];
		sink = ::realpath(opts.output.c_str(), buf) ? buf : opts.output;
	}
	::setenv(shim::kEnvTrace, sink.c_str(), 1);
	::setenv(shim::kEnvTraceFormat, opts.json ? "json" : "text", 1);
	/* A traced program running softvfio trace again gets only what it asks for. */
	::unsetenv(shim::kEnvTraceTimestamps);
	::unsetenv(shim::kEnvTraceDurations);
	if (opts.timestamps > 0)
		::setenv(shim::kEnvTraceTimestamps, std::to_string(std::min(opts.timestamps, 3)).c_str(), 1);
	if (opts.durations)
		::setenv(shim::kEnvTraceDurations, "1", 1);
	return run_program(opts.run);
}

} /* namespace softvfio::cli */
