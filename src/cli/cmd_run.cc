/* SPDX-License-Identifier: MIT */
/*
 * `softvfio run`: start an unmodified program on software devices.
 *
 * The program is exec'd in place of softvfio (same pid, so signals from a
 * terminal or a supervisor reach it directly and its exit status is the
 * status of the command: a shell shows death by signal N as 128+N), with
 * the LD_PRELOAD shim and its session in the environment (run_env.h).
 * The session is a new one, whose kernel runs in a process of its own
 * (session/launch.h) and ends when the program and every process it
 * started are gone; or, when SOFTVFIO_SESSION names a live session
 * (`softvfio serve`, or a program already in one), that one. Everything is
 * checked before the exec, so a bad device or profile is softvfio's error,
 * not the program's.
 */
#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>

#include <softvfio/device_description.h>
#include <softvfio/profile.h>

#include "cli/commands.h"
#include "cli/elf_probe.h"
#include "cli/run_env.h"
#include "cli/session_setup.h"
#include "session/launch.h"
#include "session/session_dir.h"

namespace softvfio::cli {

namespace {

/* Exit statuses of a program that cannot be started, as shells use them. */
constexpr int kExitNotExecutable = 126;
constexpr int kExitNotFound = 127;

bool exists(const std::string &path) { return !path.empty() && ::access(path.c_str(), F_OK) == 0; }

bool is_directory(const std::string &path)
{
	struct stat st {};
	return ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

std::string absolute(const std::string &path)
{
	char buf[PATH_MAX];
	return ::realpath(path.c_str(), buf) ? std::string(buf) : path;
}

std::string own_dir()
{
	char exe[PATH_MAX];
	ssize_t n = ::readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n <= 0)
		return {};
	std::string path(exe, static_cast<size_t>(n));
	return path.substr(0, path.find_last_of('/'));
}

/* The shim: $SOFTVFIO_SHIM, next to this binary, in the lib directory of
 * its installation, then where the build put it or installs it. */
std::string find_shim()
{
	if (const char *env = std::getenv("SOFTVFIO_SHIM"); env && *env)
		return exists(env) ? absolute(env) : std::string();
	const std::string name = "libsoftvfio-shim.so";
	std::string dir = own_dir();
	for (const std::string &candidate :
	     {dir + "/" + name, dir + "/../" SOFTVFIO_INSTALL_LIBDIR "/softvfio/" + name, dir + "/../lib/softvfio/" + name,
	      std::string(SOFTVFIO_SHIM_BUILD_PATH), std::string(SOFTVFIO_SHIM_INSTALL_PATH)})
		if (exists(candidate))
			return absolute(candidate);
	return {};
}

/* The file execvp would run. */
std::string find_program(const std::string &name)
{
	if (name.find('/') != std::string::npos)
		return name;
	const char *path = std::getenv("PATH");
	std::string dirs = path ? path : "/usr/local/bin:/usr/bin:/bin";
	size_t at = 0;
	while (at <= dirs.size()) {
		size_t next = dirs.find(':', at);
		if (next == std::string::npos)
			next = dirs.size();
		std::string dir = dirs.substr(at, next - at);
		std::string candidate = (dir.empty() ? "." : dir) + "/" + name;
		/* A directory is searchable (X_OK) but no program: the
		 * search goes on, as a shell's does. */
		if (::access(candidate.c_str(), X_OK) == 0 && !is_directory(candidate))
			return candidate;
		at = next + 1;
	}
	return {};
}

bool shim_has(const char *sanitizer) { return std::strstr(SOFTVFIO_SHIM_SANITIZE, sanitizer) != nullptr; }

const char *getenv_c(const char *name) { return std::getenv(name); }

} /* namespace */

int run_program(const RunOptions &opts)
{
	if (opts.command.empty()) {
		fmt::print(stderr, "softvfio run: no program given (softvfio run [options] -- program args...)\n");
		return kExitUsage;
	}
	RunSettings settings;
	/* Inside a session (a program of it runs softvfio run), the program
	 * joins that session: its devices are the session's. */
	const char *inherited = std::getenv(kEnvSession);
	settings.join = inherited && *inherited && session::session_alive(inherited);
	if (settings.join && !opts.given.empty()) {
		fmt::print(stderr, "softvfio run: {} cannot be used inside an existing session ({}={})\n", opts.given[0],
			   kEnvSession, inherited);
		return kExitUsage;
	}
	if (inherited && *inherited && !settings.join)
		fmt::print(stderr, "softvfio run: the session {} has ended; starting a new one\n", inherited);
	if (!settings.join)
		if (int code = check_session_args("run", opts.session, settings))
			return code;
	settings.shim_path = find_shim();
	if (settings.shim_path.empty()) {
		fmt::print(stderr, "softvfio run: cannot find libsoftvfio-shim.so (set SOFTVFIO_SHIM to its path)\n");
		return kExitFailure;
	}

	std::string program = find_program(opts.command[0]);
	if (program.empty() || !exists(program)) {
		fmt::print(stderr, "softvfio run: {}: command not found\n", opts.command[0]);
		return kExitNotFound;
	}
	/* Said the way a shell says it, and before a session is started for a
	 * program that cannot run: exec would only say EACCES for both. */
	if (is_directory(program)) {
		fmt::print(stderr, "softvfio run: {}: Is a directory\n", opts.command[0]);
		return kExitNotExecutable;
	}
	if (::access(program.c_str(), X_OK) != 0) {
		fmt::print(stderr, "softvfio run: {}: Permission denied (not executable)\n", opts.command[0]);
		return kExitNotExecutable;
	}
	/* A script's interpreter is what the loader starts. */
	std::string loaded = program;
	if (std::string interp = script_interpreter(program); !interp.empty())
		loaded = interp;
	auto facts = probe_elf(loaded);
	if (facts && !facts->dynamic) {
		fmt::print(stderr,
			   "softvfio run: {} is statically linked: no library can be preloaded into it, so it "
			   "would see the machine's VFIO, not software devices\n",
			   opts.command[0]);
		return kExitFailure;
	}
	bool program_asan = facts && (!facts->asan_needed.empty() || facts->defines_asan_init);
	bool program_tsan = facts && (!facts->tsan_needed.empty() || facts->defines_tsan_init);
	if ((program_asan && shim_has("thread")) || (program_tsan && shim_has("address"))) {
		fmt::print(stderr, "softvfio run: {} uses a different sanitizer than this build's shim ({})\n",
			   opts.command[0], SOFTVFIO_SHIM_SANITIZE);
		return kExitFailure;
	}
	/* The sanitizer runtime goes first: the program's own (by the name it
	 * links, so the versions match) or the one the shim was built with. A
	 * runtime linked into the program statically is already first. */
	if (facts && !facts->asan_needed.empty())
		settings.runtime_first = facts->asan_needed;
	else if (facts && !facts->tsan_needed.empty())
		settings.runtime_first = facts->tsan_needed;
	else if (shim_has("address") && !(facts && facts->defines_asan_init))
		settings.runtime_first = SOFTVFIO_ASAN_RUNTIME;
	else if (shim_has("thread") && !(facts && facts->defines_tsan_init))
		settings.runtime_first = SOFTVFIO_TSAN_RUNTIME;
	settings.asan = program_asan || shim_has("address");

	/* Last, once nothing else can fail: a session whose founder is this
	 * process, which is about to become the program. */
	if (!settings.join) {
		session::LaunchOptions launch = launch_options(settings, opts.session.verify_fds);
		launch.founder = ::getpid();
		auto started = session::launch_session(launch);
		if (!started) {
			fmt::print(stderr, "softvfio run: cannot start the session kernel: {}\n",
				   std::strerror(started.error()));
			return kExitFailure;
		}
		settings.session = started->dir;
	}
	for (const auto &[name, value] : run_environment(settings, getenv_c))
		::setenv(name.c_str(), value.c_str(), 1);
	std::vector<char *> argv;
	for (const auto &a : opts.command)
		argv.push_back(const_cast<char *>(a.c_str()));
	argv.push_back(nullptr);
	std::fflush(stdout);
	::execv(program.c_str(), argv.data());
	int e = errno;
	fmt::print(stderr, "softvfio run: {}: {}\n", opts.command[0], std::strerror(e));
	return e == ENOENT ? kExitNotFound : kExitNotExecutable;
}

} /* namespace softvfio::cli */
