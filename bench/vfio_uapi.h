/* SPDX-License-Identifier: MIT */
/*
 * The device as an unmodified program sees it, for the benchmark programs
 * run under `softvfio run`: plain system calls on /dev/vfio and the device
 * fd, which the shim carries to the session kernel. Nothing here links
 * model code, so every figure these programs measure is the path a real
 * VFIO program takes.
 *
 * Set-up failures abort with a message: a figure measured on a half-built
 * fixture would be meaningless. The calls that are themselves measured
 * (export, revoke, the config write) abort too, since a failing call
 * would be timed as a fast one.
 */
#pragma once

#include <cstddef>
#include <cstdint>
#include <sys/types.h>

#include <softvfio/uapi/vfio.h>

namespace softvfio::bench::uapi {

/* The nic preset's 4 GiB BAR, mmap-capable, on the default device. */
inline constexpr unsigned kBigBar = 2;

[[noreturn]] void die(const char *what);

/* The device fd of $SOFTVFIO_BENCH_BDF (default 5f00:00:01.0, the built-in
 * default device of `softvfio run`), through the legacy container and
 * group. Aborts when there is no such software device (not run under
 * `softvfio run`). */
int open_device();

vfio_region_info region(int device, unsigned index);

/* VFIO_DEVICE_FEATURE with a payload: the ioctl's result (-1 and errno on
 * failure). */
long feature(int device, uint32_t flags, const void *payload, size_t size);

/* A dma-buf of [offset, offset + length) of `bar` (VFIO_DEVICE_FEATURE_GET
 * | DMA_BUF): its fd. */
int export_bar(int device, unsigned bar, uint64_t offset, uint64_t length);

/* VFIO_DEVICE_FEATURE_SET | DMA_BUF_REVOKE of `buf`. */
void revoke(int device, int buf);

/* A shared read-write mapping of `length` bytes of `fd` at `offset`. */
void *map(int fd, size_t length, off_t offset);

/* PCI_COMMAND through the config region, as a program reads and writes
 * it: the register's value, and a write of a new one. */
class CommandRegister
{
public:
	explicit CommandRegister(int device);
	uint16_t value() const { return value_; }
	/* Writes the register with PCI_COMMAND.MEMORY set or clear. */
	void set_memory(bool on);

private:
	int device_;
	off_t offset_;
	uint16_t value_ = 0;
};

} /* namespace softvfio::bench::uapi */
