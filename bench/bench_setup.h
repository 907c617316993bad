/* SPDX-License-Identifier: MIT */
/*
 * The in-process benchmarks' fixture (bench_model): a Kernel of the model
 * library with one preset device, opened as a program would, with the few
 * uAPI calls the benchmarks repeat (export, map, revoke, memory enable).
 * Benchmarks abort on a failed setup step: a figure measured on a
 * half-built fixture would be meaningless. Programs run under `softvfio
 * run` use vfio_uapi.h instead, which links no model code.
 */
#pragma once

#include <cstddef>
#include <cstdint>
#include <unistd.h>

#include "baseline.h"

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
