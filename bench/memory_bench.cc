/* SPDX-License-Identifier: MIT */
/*
 * Run under `softvfio run`: what objects cost in memory, in the session
 * kernel (which holds every file and every mapping's record) and in this
 * client, per object, over many of them. Figures, not goals: reported as
 * counters, each benchmark a single iteration.
 *
 *   Memory/Buffer         1000 dma-bufs exported and held open
 *   Memory/BufferMapping  1000 mappings of one dma-buf
 *   Memory/BarMapping     1000 mappings of the BAR through the device fd (each one a
 *                         hidden dma-buf in the kernel, as in the series)
 *   Memory/Process        16 forked children that only wait: the kernel's record of a
 *                         process (a copy of the parent's fd table and mappings, the
 *                         threads serving it) and the mailbox in the client
 *
 * The kernel's memory is read from /proc/<pid>/smaps_rollup (its pid is in
 * $SOFTVFIO_SESSION/kernel): Private_Dirty, where its heap and its
 * threads' stacks show (a mailbox is shared with its client, so it is not
 * counted there). Objects stay alive until the program ends, and run.sh
 * runs each benchmark alone in a session of its own: freed heap would be
 * reused by the next objects and hide their cost, and a child's record
 * copies whatever its parent holds.
 */
#include <benchmark/benchmark.h>

#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <dirent.h>
#include <fcntl.h>
#include <fstream>
#include <sstream>
#include <string>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

#include "baseline.h"
#include "session_probe.h"
#include "vfio_uapi.h"

namespace uapi = softvfio::bench::uapi;

namespace {

constexpr size_t kCount = 1000;
constexpr unsigned kProcesses = 16;
constexpr size_t kWindow = 64 << 10;

int device()
{
	static int fd = uapi::open_device();
	return fd;
}

struct Usage {
	double private_dirty = 0;   /* bytes */
	double rss = 0;             /* bytes */
	double fds = 0;
};

/* A "Name:   123 kB" line of smaps_rollup, in bytes. */
double field(const std::string &text, const char *name)
{
	size_t at = text.find(std::string("\n") + name + ":");
	if (at == std::string::npos)
		return 0;
	return std::strtod(text.c_str() + at + std::strlen(name) + 2, nullptr) * 1024;
}

Usage usage(pid_t pid)
{
	Usage u;
	std::string base = "/proc/" + std::to_string(pid);
	std::ifstream in(base + "/smaps_rollup");
	std::stringstream text;
	text << "\n" << in.rdbuf();
	u.private_dirty = field(text.str(), "Private_Dirty");
	u.rss = field(text.str(), "Rss");
	if (DIR *d = opendir((base + "/fd").c_str())) {
		while (dirent *e = readdir(d))
			u.fds += e->d_name[0] != '.';
		closedir(d);
	}
	return u;
}

/* Measures `make` (which creates `count` objects) in the kernel and in
 * this process. */
template <typename Make>
void measure(benchmark::State &state, double count, Make make)
{
	pid_t kernel = softvfio::bench::session_kernel_pid();
	if (kernel <= 0)
		return state.SkipWithError("no session kernel (run under softvfio run)");
	for (auto _ : state) {
		Usage k0 = usage(kernel), c0 = usage(getpid());
		make();
		Usage k1 = usage(kernel), c1 = usage(getpid());
		if (k1.rss == 0)
			return state.SkipWithError("the session kernel's smaps_rollup cannot be read");
		state.counters["kernel_private_each"] = (k1.private_dirty - k0.private_dirty) / count;
		state.counters["kernel_fds_each"] = (k1.fds - k0.fds) / count;
		state.counters["client_private_each"] = (c1.private_dirty - c0.private_dirty) / count;
		state.counters["client_fds_each"] = (c1.fds - c0.fds) / count;
	}
}

void BM_Memory_Buffer(benchmark::State &state)
{
	int dev = device();
	measure(state, kCount, [dev] {
		for (size_t i = 0; i < kCount; i++)
			uapi::export_bar(dev, uapi::kBigBar, i * kWindow, kWindow);
	});
}
BENCHMARK(BM_Memory_Buffer)->Name("Memory/Buffer")->Iterations(1)->Unit(benchmark::kMillisecond);

void BM_Memory_BufferMapping(benchmark::State &state)
{
	int buf = uapi::export_bar(device(), uapi::kBigBar, 0, kWindow);
	measure(state, kCount, [buf] {
		for (size_t i = 0; i < kCount; i++)
			uapi::map(buf, kWindow, 0);
	});
}
BENCHMARK(BM_Memory_BufferMapping)->Name("Memory/BufferMapping")->Iterations(1)->Unit(benchmark::kMillisecond);

void BM_Memory_BarMapping(benchmark::State &state)
{
	int dev = device();
	off_t bar = static_cast<off_t>(uapi::region(dev, uapi::kBigBar).offset);
	measure(state, kCount, [dev, bar] {
		for (size_t i = 0; i < kCount; i++)
			uapi::map(dev, kWindow, bar + static_cast<off_t>(i * kWindow));
	});
}
BENCHMARK(BM_Memory_BarMapping)->Name("Memory/BarMapping")->Iterations(1)->Unit(benchmark::kMillisecond);

/* Children blocked reading a pipe until the parent closes it; they are
 * members of the session all along (the fork protocol), so the kernel
 * holds their records while it is measured. */
void BM_Memory_Process(benchmark::State &state)
{
	int gate[2];
	if (pipe2(gate, O_CLOEXEC) < 0)
		return state.SkipWithError("pipe");
	std::vector<pid_t> children;
	measure(state, kProcesses, [&] {
		for (unsigned i = 0; i < kProcesses; i++) {
			pid_t pid = fork();
			if (pid == 0) {
				close(gate[1]);
				char c;
				_exit(read(gate[0], &c, 1) == 0 ? 0 : 1);
			}
			children.push_back(pid);
		}
	});
	close(gate[0]);
	close(gate[1]);
	for (pid_t pid : children) {
		int status = 0;
		if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
			state.SkipWithError("a child did not exit cleanly");
	}
	/* The client's side of a process: its mailbox, mapped in it and in
	 * the kernel. */
	std::ifstream maps("/proc/" + std::to_string(getpid()) + "/smaps");
	std::string line;
	bool in_mailbox = false;
	double size = 0, rss = 0;
	while (std::getline(maps, line)) {
		if (line.find('-') < line.find(' ') && line.find(' ') != std::string::npos && std::isxdigit(line[0]))
			in_mailbox = line.find("softvfio-mailbox") != std::string::npos;
		else if (in_mailbox && line.rfind("Size:", 0) == 0)
			size += std::strtod(line.c_str() + 5, nullptr) * 1024;
		else if (in_mailbox && line.rfind("Rss:", 0) == 0)
			rss += std::strtod(line.c_str() + 4, nullptr) * 1024;
	}
	state.counters["mailbox_bytes"] = size;
	state.counters["mailbox_rss_bytes"] = rss;
}
BENCHMARK(BM_Memory_Process)->Name("Memory/Process")->Iterations(1)->Unit(benchmark::kMillisecond);

} /* namespace */

int main(int argc, char **argv)
{
	softvfio::bench::raise_fd_limit();
	benchmark::Initialize(&argc, argv);
	if (benchmark::ReportUnrecognizedArguments(argc, argv))
		return 1;
	benchmark::RunSpecifiedBenchmarks();
	benchmark::Shutdown();
	return 0;
}
