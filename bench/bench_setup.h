/* SPDX-License-Identifier: MIT */
/*
 * What the benchmark programs share: an in-process Kernel with one preset
 * device, opened as a program would, with the few uAPI calls the benchmarks
 * repeat (export, map, revoke, memory enable); the eventfd FIONREAD
 * baseline that model and shim figures are judged against; and the fd
 * limit the 1000-buffer benchmarks need. Benchmarks abort on a failed
 * setup step: a figure measured on a half-built fixture would be
 * meaningless.
 *
 * BenchDevice lives in bench_setup.cc, so that a program that only uses the
 * inline helpers (bench_shim, which must reach the model through the shim)
 * links no model code.
 */
#pragma once

#include <cstddef>
#include <cstdint>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <unistd.h>

#include <benchmark/benchmark.h>

#include <softvfio/kernel.h>
#include <softvfio/uapi/vfio.h>

namespace softvfio::bench {

[[noreturn]] void die(const char *what, long r);

inline long check(const char *what, long r)
{
	if (r < 0)
		die(what, r);
	return r;
}

/* The baseline of the control-path figures: a real kernel ioctl, FIONREAD
 * on an eventfd, in the same process. */
inline void eventfd_fionread(benchmark::State &state)
{
	int fd = eventfd(0, EFD_CLOEXEC);
	int n = 0;
	for (auto _ : state)
		benchmark::DoNotOptimize(ioctl(fd, FIONREAD, &n));
	close(fd);
}

/* Room for 1000 dma-bufs and the model's own descriptors. */
inline void raise_fd_limit()
{
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

class BenchDevice
{
public:
	explicit BenchDevice(const char *preset_name = "nic", KernelOptions options = {});
	~BenchDevice() { kernel.close(fd); }
	BenchDevice(const BenchDevice &) = delete;
	BenchDevice &operator=(const BenchDevice &) = delete;

	vfio_region_info region(unsigned index);
	void *map_bar(unsigned bar, size_t length);
	/* A shared read-write mapping of the start of dma-buf `buf`. */
	void *map_buf(int buf, size_t length);

	/* VFIO_DEVICE_FEATURE with a payload: the result or -errno. */
	long feature(uint32_t flags, const void *payload, size_t size);
	/* A dma-buf of [offset, offset + length) of `bar`: its fd. */
	int export_bar(unsigned bar, uint64_t offset, uint64_t length);
	void revoke(int buf);
	/* PCI_COMMAND.MEMORY through the config region, as a program does it. */
	void set_memory(bool on);

	Kernel kernel;
	int fd = -1;
};

} /* namespace softvfio::bench */
