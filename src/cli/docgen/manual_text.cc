/* SPDX-License-Identifier: MIT */
#include "cli/docgen/manual_text.h"

namespace softvfio::cli::docgen {

namespace {

/* Variables more than one page names. */
const EnvVar kSession{"SOFTVFIO_SESSION",
		      "The directory of a running session (as softvfio serve prints it). A program started by "
		      "softvfio run with it set joins that session and shares its devices; softvfio maps lists "
		      "that session's processes. softvfio run sets it for the program it starts."};
const EnvVar kShim{"SOFTVFIO_SHIM",
		   "The path of libsoftvfio-shim.so to preload, instead of the one next to softvfio, in its "
		   "installation's library directory or in the build tree."};
const EnvVar kDomain{"SOFTVFIO_DOMAIN",
		     "The PCI domain, in hex, of devices given without @BDF (default 5f00, which no machine uses)."};
const EnvVar kLog{"SOFTVFIO_LOG", "The model's diagnostics: warn or debug."};
const EnvVar kNoColor{"NO_COLOR", "When set and not empty, output is never coloured (colour is only used on a "
				  "terminal in any case)."};
const EnvVar kRuntimeDir{"XDG_RUNTIME_DIR",
			 "Where session directories are made (softvfio-UID/NAME below it), /tmp when unset or not "
			 "writable."};
const EnvVar kPreload{"LD_PRELOAD", "Kept: the shim (and a sanitizer runtime that must come first) is put in "
				    "front of what it already lists."};
const EnvVar kAsan{"ASAN_OPTIONS",
		   "For a program built with AddressSanitizer, detect_leaks=0 and allow_user_segv_handler=1 are added "
		   "unless already set, so the program's own SIGBUS handler sees revocations."};

const std::string kCommonExit =
	"0 success, 1 the operation failed, 2 bad usage (a --device that names no preset and no file included, "
	"like an unknown --profile), 3 a device description file that does not parse or is not valid (the "
	"message names the file, the field and the problem).";
const std::string kProgramExit =
	"The program's own exit status (a shell shows death by signal N as 128+N), since the program replaces "
	"softvfio in the same process; 126 when the program cannot be executed (a directory, or a file without "
	"execute permission), 127 when it is not found; "
	"otherwise 1 when the session cannot be started, 2 bad usage (a --device that names no preset and no file "
	"included), 3 a device description file that does not parse or is not valid.";

const std::vector<ManualText> kPages = {
	{
		"",
		"",
		{"softvfio is a software vfio-pci device, faithful to the Linux uAPI including the DMABUF "
		 "BAR-mapping series, so that VFIO code can be developed and tested without hardware, root or an "
		 "IOMMU.",
		 "An unmodified VFIO program run under softvfio run sees software PCI devices through the real "
		 "interfaces: /dev/vfio, /dev/iommu, /sys/bus/pci/devices, ioctl and mmap. A preloaded library, "
		 "libsoftvfio-shim.so, sends the calls that concern those devices to a session kernel, a process "
		 "of its own hosting the model that every process of the session shares. Software devices appear "
		 "at 5f00:00:01.0, 5f00:00:02.0 and so on; the default device is the nic preset.",
		 "Each subcommand has a page of its own, named below. Devices are built-in presets (softvfio "
		 "presets) or TOML description files, see softvfio-device(5)."},
		{kSession, kShim, kDomain, kLog, kNoColor, kRuntimeDir},
		{{"softvfio run -- ./your-program args...", "Run a program on the default device."},
		 {"softvfio run --device edu --device nic@5f00:00:07.0 --profile linux-6.12 -- ./your-program",
		  "Two devices, one at a chosen address, behaving like Linux 6.12."},
		 {"softvfio info --device edu --profile linux-6.12", "What a program would learn of the edu preset."},
		 {"softvfio demo", "The DMABUF BAR-mapping series, step by step, every outcome checked."}},
		{kCommonExit + " softvfio maps exits with 4 for a process in no running session; softvfio run and "
			       "softvfio trace exit with the program's status."},
		{"softvfio-run(1)", "softvfio-serve(1)", "softvfio-trace(1)", "softvfio-maps(1)", "softvfio-info(1)",
		 "softvfio-demo(1)", "softvfio-presets(1)", "softvfio-record(1)", "softvfio-device(5)"},
	},
	{
		"info",
		"",
		{"Adds one device to an in-process model and asks it what a program would ask through vfio-pci: "
		 "the device's regions, capability chains, interrupts, configuration-space capabilities and feature "
		 "probes, gathered through the uAPI exactly as a program would gather them."},
		{kNoColor, kLog},
		{{"softvfio info", "The default device under the default profile."},
		 {"softvfio info --device ivshmem-plain --profile linux-6.12 --json", "A preset as Linux 6.12 shows it, "
										   "as JSON."},
		 {"softvfio info --device ./mydev.toml", "Check a description file and see what it makes."}},
		{kCommonExit},
		{"softvfio(1)", "softvfio-presets(1)", "softvfio-device(5)"},
	},
	{
		"demo",
		"",
		{"Tells the DMABUF BAR-mapping series on the default device, step by step: a BAR mmap and its "
		 "/proc/self/maps line, a two-range export, write-combining, aliasing, memory disable with SIGBUS and "
		 "intact data, permanent revocation, and the device closed under a live mapping. Every outcome is "
		 "checked."},
		{kNoColor, kLog},
		{{"softvfio demo --no-colour", "The story without colour, as in a log."}},
		{"0 every outcome was as the kernel gives it, 1 one or more differed (each is reported)."},
		{"softvfio(1)", "softvfio-info(1)"},
	},
	{
		"presets",
		"",
		{"Lists the devices built into softvfio, one name a line, the default one marked. Each is a TOML "
		 "description compiled in at build time, in the format softvfio-device(5) describes."},
		{},
		{{"softvfio presets", "The names, the default marked (default)."},
		 {"softvfio presets --json", "[{\"name\": ..., \"default\": ...}, ...]"}},
		{"0."},
		{"softvfio(1)", "softvfio-info(1)", "softvfio-device(5)"},
	},
	{
		"run",
		"[--] program [args...]",
		{"Runs an unmodified program on software devices. The program is executed in place of softvfio (the "
		 "same process, so signals reach it directly), with libsoftvfio-shim.so preloaded and its session "
		 "in the environment. Everything is checked before that, so a bad device or profile is softvfio's "
		 "error, not the program's.",
		 "Without SOFTVFIO_SESSION the program gets a new session: a session kernel in a process of its own, "
		 "which ends when the program and every process it started are gone. With SOFTVFIO_SESSION naming "
		 "a running session the program joins it and shares its devices; the options that shape a session "
		 "are then refused.",
		 "Statically linked programs cannot be run (nothing can be preloaded into them), and raw system "
		 "calls and io_uring are not seen."},
		{kSession, kShim, kDomain, kPreload, kAsan, kRuntimeDir, kLog},
		{{"softvfio run -- ./your-program args...", "The default device (nic) in a new session."},
		 {"softvfio run --device edu --device nic@5f00:00:07.0 --profile linux-6.12 -- ./your-program",
		  "Two devices, the second at a chosen address, behaving like Linux 6.12."},
		 {"softvfio run --access cdev,iommufd -- ./your-program", "Only the cdev and iommufd way in exists."}},
		{kProgramExit},
		{"softvfio(1)", "softvfio-serve(1)", "softvfio-trace(1)", "softvfio-maps(1)", "softvfio-device(5)"},
	},
	{
		"serve",
		"",
		{"Runs a session kernel that any number of programs join, on the same devices, until it is told to "
		 "stop, rather than until its last program is gone: for a test harness. In the foreground the "
		 "serving process is the session kernel itself; with --detach it starts in the background and "
		 "softvfio returns once it serves."},
		{kDomain, kRuntimeDir, kLog},
		{{"export \"$(softvfio serve --detach --device edu)\"", "Start a session in the background and export "
								   "its SOFTVFIO_SESSION in this shell."},
		 {"softvfio run -- ./your-program", "Then: the program joins that session."},
		 {"softvfio serve --stop \"$SOFTVFIO_SESSION\"", "End it."}},
		{"0 the session served and was stopped (SIGTERM, SIGINT or SIGHUP), or --detach started it, or "
		 "--stop ended it; 1 it could not be started, or --stop found no session or it did not end within "
		 "10 seconds; 2 bad usage; 3 a device description that does not parse."},
		{"softvfio(1)", "softvfio-run(1)", "softvfio-maps(1)"},
	},
	{
		"maps",
		"",
		{"Shows a running program's software mappings as the kernel sees them: a picture of each BAR with "
		 "the mapping windows over it, the buffer behind each mapping (hidden or exported), its ranges, "
		 "memory attribute and status, the page-table orders used, and alignment advice. The program's "
		 "session kernel answers, at any time, whatever the program is doing.",
		 "Without a PID, lists the processes of the session SOFTVFIO_SESSION names, or of every live "
		 "session of the user."},
		{kSession, kNoColor, kRuntimeDir},
		{{"softvfio maps", "The processes that can be asked."},
		 {"softvfio maps 4242 --json", "Process 4242's mappings as JSON."}},
		{"0 shown, 1 no such process or a bad answer, 2 bad usage, 4 the process is not in a running session "
		 "(not started with softvfio run, or its session has ended)."},
		{"softvfio(1)", "softvfio-run(1)", "softvfio-serve(1)"},
	},
	{
		"trace",
		"[--] program [args...]",
		{"Runs a program as softvfio run does, printing every uAPI call it makes to software devices, "
		 "decoded in the manner of strace: ioctl names, structure fields, flags and errno names. Every "
		 "process of the program's session writes to the same trace.",
		 "Traced: open, stat, statx, access, readlink, opendir and scandir of the paths softvfio answers "
		 "(the model's nodes in /dev/vfio and /dev/iommu, the sysfs view of software devices), shown as "
		 "openat, newfstatat, statx, access or faccessat2, readlink or readlinkat, opendir, scandir; ioctl, "
		 "mmap, munmap, read, write, pread64, pwrite64 and close of the model's files. Every other call is "
		 "the C library's and is not shown.",
		 "-e trace=SET (or -e SET) shows only the calls of SET, a comma list of those names, of open, "
		 "creat, stat, lstat, fstatat, faccessat, pread, pwrite, scandirat (other names of the same calls), "
		 "of the classes %file, %desc, %memory and %stat, all or none; !SET shows all others. -e fd=SET "
		 "(or -e trace-fds=SET) shows only the calls on the fds of SET, numbers and kinds of fd: container, "
		 "group, device, iommufd, dma-buf, eventfd. An unknown name is an error (exit status 2). -c writes, "
		 "at the program's exit, a table of calls, errors and "
		 "time per call (ioctls per request) instead of the lines; -C both. -f is accepted and ignored: "
		 "every process the program starts is traced. There is no attaching to a running process."},
		{kSession, kShim, kDomain, kRuntimeDir, kLog},
		{{"softvfio trace -- ./your-program", "The calls on standard error."},
		 {"softvfio trace -o calls.json --json --device edu -- ./your-program", "One JSON object a call, "
										       "into a file."},
		 {"softvfio trace -e trace=ioctl,mmap -T -- ./your-program", "Only ioctls and mmaps, each with "
									     "its time."},
		 {"softvfio trace -c -- ./your-program", "The table of calls at exit."}},
		{kProgramExit, "2: bad usage, an -e naming no traced call among it."},
		{"softvfio(1)", "softvfio-run(1)"},
	},
	{
		"record",
		"",
		{"Writes a device description (softvfio-device(5)) of a PCI function from its sysfs directory, "
		 "DIR/bus/pci/devices/BDF: its IDs, class, revision and header registers and its capabilities "
		 "(power management, MSI, MSI-X with its table and PBA, PCI Express) from config; its BARs (size, "
		 "32 or 64 bits, prefetchable, I/O or memory, address) and expansion ROM from resource; its reset "
		 "methods from reset_method. The description parses as it is written (softvfio checks it before "
		 "writing) and builds the same device: softvfio info --device FILE shows it.",
		 "An SR-IOV physical function gets [sriov]: TotalVFs, InitialVFs, First VF Offset, VF Stride, VF "
		 "Device ID and Supported Page Sizes from the SR-IOV capability, each VF BAR from its aperture in "
		 "resource (lines 7 to 12, TotalVFs BARs long), compared with the sriov_* files; [sriov.msix] from "
		 "the first VF's config when VFs are enabled (otherwise a note says how to get it). A virtual "
		 "function (a physfn link) is not recorded: it is described by its PF's [sriov].",
		 "What the format cannot express (other capabilities, extended capabilities, other reset methods, "
		 "header registers the model does not have) is named in comments at the top of the description; "
		 "what is behind a BAR cannot be seen in sysfs, so every BAR is recorded as plain RAM.",
		 "Run it as root: Linux shows a reader without CAP_SYS_ADMIN only the first 64 bytes of config. "
		 "The recording is then made from the header alone, with a warning on standard error, and PCI "
		 "Express and power management are inferred from the config space's size and reset_method."},
		{},
		{{"sudo softvfio record 0000:01:00.0 -o mydev.toml", "Record a function, then use it: softvfio run "
								    "--device ./mydev.toml -- ./your-program"},
		 {"softvfio run --device edu -- softvfio record 5f00:00:01.0", "Record a software device from the "
									      "sysfs softvfio run emulates."},
		 {"softvfio record --sysfs-root ./tree 0000:00:02.0", "Read a prepared copy of sysfs."}},
		{"0 recorded; 1 a sysfs file could not be read, or the description could not be written; 2 bad usage, "
		 "or no device at that address (the message names the path); 3 the directory is not a working PCI "
		 "function's (no config, a malformed resource file, vendor ID 0xffff) or is an SR-IOV virtual "
		 "function's."},
		{"softvfio(1)", "softvfio-info(1)", "softvfio-device(5)"},
	},
};

} /* namespace */

const ManualText *manual_text(std::string_view command)
{
	for (const ManualText &page : kPages)
		if (page.command == command)
			return &page;
	return nullptr;
}

} /* namespace softvfio::cli::docgen */
