/* SPDX-License-Identifier: MIT */
#include "cli/app.h"

#include <cmath>
#include <cstdlib>
#include <memory>

#include "base/profile_names.h"
#include "cli/usage.h"

namespace softvfio::cli {

namespace {

std::string profile_help() { return "uAPI profile: " + join_names(profile_names()); }

std::string access_help()
{
	return "Ways in that exist: a list of " +
	       join_names(std::vector<std::string_view>(kAccessPathNames.begin(), kAccessPathNames.end()));
}

/* The options that make a session: run (for a new session), serve and
 * trace take the same; `what` starts each description. */
void add_session_options(CLI::App *cmd, SessionArgs &args, const std::string &what)
{
	cmd->add_option("--device,-d", args.devices,
			what + "Preset name or description file, with @BDF to place it (repeatable; default: the "
			       "default preset)")
		->type_name(kValueDevice)
		->allow_extra_args(false);
	cmd->add_option("--profile,-p", args.profile, what + profile_help())
		->type_name(kValueProfile)
		->capture_default_str();
	cmd->add_option("--access", args.access, what + access_help())->type_name(kValueAccess);
	cmd->add_flag("--verify-fds", args.verify_fds,
		      what + "Check each emulated fd's identity on every call (for programs that close fds by raw "
			     "syscall)");
}

/* The colour switch: --no-colour, and --no-color as NO_COLOR spells it. */
void add_no_colour(CLI::App *cmd, bool &colour)
{
	cmd->add_flag("!--no-colour,!--no-color", colour, "Never colour the output");
}

/* --wait's range. CLI::NonNegativeNumber would print its bound, the largest
 * double, with all 309 digits; this says it in seconds. */
constexpr double kMaxWaitSeconds = 86400;

CLI::Validator seconds_in_range()
{
	return CLI::Validator(
		[](std::string &text) -> std::string {
			char *end = nullptr;
			double v = std::strtod(text.c_str(), &end);
			if (text.empty() || *end != '\0' || !std::isfinite(v) || v < 0 || v > kMaxWaitSeconds)
				return "'" + text + "' is not a number of seconds from 0 to " +
				       std::to_string(static_cast<long>(kMaxWaitSeconds));
			return {};
		},
		"");
}

void add_info(CLI::App &app, Invocation &inv)
{
	inv.info_cmd = app.add_subcommand("info", "Show a device's regions, capabilities and irqs as the kernel reports them");
	inv.info_cmd->add_option("--device,-d", inv.info.device,
				 "Preset name or device description file (default: the built-in default device)")
		->type_name(kValuePresetOrFile);
	inv.info_cmd->add_option("--profile,-p", inv.info.profile, profile_help())
		->type_name(kValueProfile)
		->capture_default_str();
	inv.info_cmd->add_flag("--json", inv.info.json, "Machine-readable output");
	add_no_colour(inv.info_cmd, inv.info.colour);
}

void add_run(CLI::App &app, Invocation &inv)
{
	inv.run_cmd = app.add_subcommand(
		"run", "Run an unmodified program on software devices: softvfio run [options] -- program args...");
	inv.run_cmd->formatter(std::make_shared<ProgramUsageFormatter>());
	add_session_options(inv.run_cmd, inv.run.session, "For a new session: ");
	inv.run_cmd->add_flag("--maps", inv.maps_flag,
			      "Accepted and ignored: every program of a session answers `softvfio maps` at any time");
	inv.run_cmd->footer(
		"Everything from the program name on is the program's (put -- before it if it starts with '-').\n"
		"With SOFTVFIO_SESSION naming a running session (softvfio serve), the program joins it and "
		"--device, --profile, --access and --verify-fds are refused; otherwise it starts a new session, "
		"which ends when its last process does.");
}

void add_serve(CLI::App &app, Invocation &inv)
{
	inv.serve_cmd = app.add_subcommand(
		"serve", "Run a session kernel that programs join with SOFTVFIO_SESSION=DIR softvfio run -- program");
	add_session_options(inv.serve_cmd, inv.serve.session, "");
	inv.serve_cmd->add_flag("--json", inv.serve.json,
				"Print {\"session\": DIR, \"pid\": PID} instead of SOFTVFIO_SESSION=DIR");
	auto *detach = inv.serve_cmd->add_flag("--detach", inv.serve.detach,
					       "Run the session kernel in the background and return once it serves");
	inv.serve_cmd->add_option("--stop", inv.serve.stop, "Stop the session in directory DIR (its kernel gets SIGTERM)")
		->type_name(kValueDir)
		->excludes(detach);
	inv.serve_cmd->footer("Prints SOFTVFIO_SESSION=DIR once the session serves, then serves until SIGTERM, SIGINT "
			      "or SIGHUP (exit 0). Join it from any shell of the same user:\n"
			      "  export SOFTVFIO_SESSION=DIR; softvfio run -- program args...");
}

void add_maps(CLI::App &app, Invocation &inv)
{
	inv.maps_cmd = app.add_subcommand("maps", "Show a running program's software mappings as the kernel sees them "
						  "(no PID: list the session's programs)");
	inv.maps_cmd->add_option("pid", inv.maps.pid, "The process (one of a softvfio session)")->type_name(kValuePid);
	inv.maps_cmd->add_option("--wait", inv.maps.wait, "Accepted and ignored: every program of a session answers at once")
		->type_name(kValueSeconds)
		->check(seconds_in_range());
	inv.maps_cmd->add_flag("--json", inv.maps.json, "Machine-readable output");
	add_no_colour(inv.maps_cmd, inv.maps.colour);
	inv.maps_cmd->footer("The session kernel of the process answers (the process itself does nothing). Without a "
			     "PID: the processes of the session SOFTVFIO_SESSION names, or of every session of yours. "
			     "Exit status: 0 shown, 1 no such process or a bad answer, 2 bad usage, 4 the process is "
			     "not in a running session (not started with softvfio run, or its session has ended).");
}

void add_trace(CLI::App &app, Invocation &inv)
{
	inv.trace_cmd = app.add_subcommand(
		"trace", "Run a program on software devices, printing every uAPI call it makes to them, decoded");
	inv.trace_cmd->formatter(std::make_shared<ProgramUsageFormatter>());
	inv.trace_cmd->add_option("--output,-o", inv.trace.output, "Write the trace to this file (default: stderr)")
		->type_name(kValueFile);
	inv.trace_cmd->add_flag("--json", inv.trace.json, "One JSON object per call");
	/* strace's letters: -t, -tt, -ttt are one flag given once, twice, three times. */
	inv.trace_cmd->add_flag("-t,--absolute-timestamps", inv.trace.timestamps,
				"Start each line with the time of day; -tt with microseconds, -ttt as seconds since "
				"the epoch");
	inv.trace_cmd->add_flag("-T,--syscall-times", inv.trace.durations,
				"End each line with the time spent in the call, as <0.000012> (seconds)");
	/* strace's -e: only its trace= qualifier (the calls traced here are
	 * few); checked by run_trace, which knows their names. */
	inv.trace_cmd->add_option("-e,--expr", inv.trace.exprs,
				  "Trace only these calls: trace=CALL,... or CALL,..., with strace's classes "
				  "%file, %desc, %memory, %stat and !CALL,... for all but these; or only the calls on "
				  "these fds: fd=N|KIND,... (KIND: container, group, device, iommufd, dma-buf, eventfd); "
				  "repeatable")
		->type_name("EXPR")
		->allow_extra_args(false);
	inv.trace_cmd->add_flag("-c,--summary-only", inv.trace.summary,
				"At the program's exit, write a table of calls, errors and time per call (ioctls per "
				"request) instead of the lines");
	inv.trace_cmd->add_flag("-C,--summary", inv.trace.summary_too,
				"The lines and, at exit, the table of -c (with -c too: both)");
	inv.trace_cmd->add_flag("-f,--follow-forks", inv.trace.follow,
				"Accepted for strace's sake: every process the program starts is traced anyway");
	inv.trace_cmd->add_option("--attach", inv.trace.attach,
				  "Trace a process already running in a session (strace -p), until it exits or this "
				  "command is interrupted; its children and the programs it execs too")
		->type_name("PID")
		->check(CLI::PositiveNumber);
	add_session_options(inv.trace_cmd, inv.trace.run.session, "As for run: ");
	inv.trace_cmd->add_flag("--maps", inv.maps_flag, "As for run");
	inv.trace_cmd->footer("Everything from the program name on is the program's; the exit status is the program's. "
			      "Lines from a process other than the program carry [pid N]. Exit status 2: bad usage, "
			      "an unknown call name in -e among them.");
}

void add_record(CLI::App &app, Invocation &inv)
{
	inv.record_cmd = app.add_subcommand(
		"record", "Write a device description (TOML) of a real PCI function, read from sysfs");
	inv.record_cmd->add_option("bdf", inv.record.bdf, "The function's PCI address: DDDD:BB:DD.F, or BB:DD.F in "
							  "domain 0000")
		->type_name("BDF")
		->required();
	inv.record_cmd->add_option("--output,-o", inv.record.output, "Write the description to this file (default: "
								      "standard output)")
		->type_name(kValueFile);
	inv.record_cmd->add_option("--sysfs-root", inv.record.sysfs_root,
				   "Read DIR/bus/pci/devices/BDF instead of /sys's (a prepared tree, for tests)")
		->type_name(kValueDir)
		->capture_default_str();
	inv.record_cmd->footer("Run it as root: without CAP_SYS_ADMIN Linux shows only the first 64 bytes of config, "
			       "and the capabilities cannot be recorded (a warning says so).");
}

/* Hidden from --help (an empty group): a stable interface for the shell
 * completions, documented in softvfio(1) instead. */
void add_complete(CLI::App &app, Invocation &inv)
{
	inv.complete_cmd = app.add_subcommand(kCompleteCommand, "Print values for shell completion, one a line");
	inv.complete_cmd->group("");
	inv.complete_cmd->add_option("what", inv.complete.what, "Which list")
		->type_name(kValueList)
		->required()
		->check(CLI::IsMember([] {
			std::vector<std::string> names;
			for (const CompletionList &list : kCompletionLists)
				names.emplace_back(list.name);
			return names;
		}()));
}

} /* namespace */

std::string join_names(const std::vector<std::string_view> &names)
{
	std::string out;
	for (std::string_view name : names) {
		if (!out.empty())
			out += ", ";
		out += name;
	}
	return out;
}

bool runs_program(std::string_view subcommand) { return subcommand == "run" || subcommand == "trace"; }

void build_app(CLI::App &app, Invocation &inv)
{
	app.name("softvfio");
	app.description("softvfio: a software vfio-pci device with the DMABUF BAR-mapping series");
	app.require_subcommand(1);
	app.failure_message(usage_error_text);
	app.set_version_flag("--version", "softvfio " SOFTVFIO_VERSION);

	add_info(app, inv);
	inv.demo_cmd = app.add_subcommand("demo", "Tell the DMABUF BAR-mapping story on the default device, step by step");
	add_no_colour(inv.demo_cmd, inv.demo.colour);
	inv.presets_cmd = app.add_subcommand("presets", "List the built-in device presets");
	inv.presets_cmd->add_flag("--json", inv.presets_json, "Machine-readable output");
	add_run(app, inv);
	add_serve(app, inv);
	add_maps(app, inv);
	add_trace(app, inv);
	add_record(app, inv);
	add_complete(app, inv);
}

} /* namespace softvfio::cli */
