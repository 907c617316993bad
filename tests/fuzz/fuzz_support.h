/* SPDX-License-Identifier: MIT */
/*
 * What every fuzz target shares: libFuzzer's entry points (a target only
 * describes itself in kFuzzer), reading the input, user buffers that end
 * at an unmapped page (so "argsz claims more than the payload holds" is a
 * real fault, answered EFAULT, never an out-of-bounds read), errno checks
 * against the errno tables of docs/semantics.md §5, and the per-input
 * leak check.
 *
 * A failed check prints what went wrong and aborts, which libFuzzer reports
 * as a crash with the input that caused it.
 */
#pragma once

#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <initializer_list>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include <softvfio/kernel.h>

namespace softvfio::fuzz {

/* Consumes the fuzzer's bytes front to back; past the end it yields zeros,
 * so every input decodes to something. */
class Input
{
public:
	Input(const uint8_t *data, size_t size) : data_(data), size_(size) {}

	bool empty() const { return at_ >= size_; }
	size_t left() const { return at_ < size_ ? size_ - at_ : 0; }
	uint8_t u8();
	uint16_t u16();
	uint32_t u32();
	uint64_t u64();
	/* Up to `n` bytes (fewer at the end). */
	std::vector<uint8_t> bytes(size_t n);
	/* One of [0, n). */
	size_t pick(size_t n) { return n ? u8() % n : 0; }

private:
	const uint8_t *data_;
	size_t size_;
	size_t at_ = 0;
};

/* A user buffer whose last byte is followed by an unmapped page. */
class GuardedBuffer
{
public:
	static constexpr size_t kCapacity = 2 * 4096;
	GuardedBuffer();
	/* Copy `n` bytes so that they end right at the guard page; returns
	 * their address. n is capped at kCapacity. */
	uint8_t *place(const void *data, size_t n);
	/* The first of the buffer's writable pages. */
	uint8_t *scratch() const { return base_; }
	/* An address whose first byte is in the guard page. */
	uint8_t *guard() const { return base_ + kCapacity; }

private:
	uint8_t *base_;
};

[[noreturn]] void fail(const std::string &what);

inline void check(bool ok, const std::string &what)
{
	if (!ok)
		fail(what);
}

/* r is >= 0, or -e for one of `allowed`. */
void check_errno(long r, std::initializer_list<int> allowed, const char *what);
/* An errno the model may answer for anything (the union of the errno
 * tables of docs/semantics.md §5): a wild value such as -1000 or EOVERFLOW
 * on a read is a defect. */
bool plausible_errno(int e);

/* A fuzz target, as each one defines it (kFuzzer below); fuzz_support.cc
 * implements LLVMFuzzerInitialize and LLVMFuzzerTestOneInput with it. */
struct Fuzzer {
	/* One input, from construction to teardown; ends with check_baseline(). */
	void (*run)(const uint8_t *data, size_t size);
	/* Run once before the baseline is taken, so that what the model sets
	 * up on first use (signal guards, the release thread, libc's lazy
	 * files) is not counted against the first real input. */
	std::span<const uint8_t> warm_input;
	/* Optional: one-time set-up before the warm-up (e.g. an arena), or a
	 * warm-up of its own when warm_input is empty. */
	void (*set_up)() = nullptr;
};
extern const Fuzzer kFuzzer;

/* The input must leave exactly the fds and file mappings that were there
 * before the first input (after the warm-up) once its Kernel is gone; a
 * no-op during the warm-up. gained_only: only new fds and mappings count.
 * Reads /proc/self/fd and /proc/self/maps: the full check, which
 * finish_input() runs every kFullCheckEvery inputs and at exit. */
void check_baseline(const char *where, bool gained_only = false);

/* Kernels are reused between inputs (building one with its device costs
 * more than an input): a target builds the ones it needs in set_up(),
 * before the baseline, and ends every input with finish_input() on the
 * Kernel it used, after its own teardown closed what it opened. */
inline constexpr unsigned kFullCheckEvery = 1000;

/* The per-input leak check and reset, from counters, no /proc read:
 * after the input's teardown the model must hold nothing
 * (Kernel::resources() all zero: no fd, mapping, open file, buffer or
 * open device), Kernel::reset_for_reuse() must succeed, and the process
 * must hold the same real fds as after the warm-up (one poll() over the
 * low fd numbers). Every kFullCheckEvery inputs, and at exit, the full
 * /proc check_baseline() runs as well. */
void finish_input(Kernel &kernel, const char *where);
/* The same for an input that used several Kernels. */
void finish_input(std::span<Kernel *const> kernels, const char *where);

/* A reused Kernel with one device, as most targets want it. */
struct OneDevice {
	std::unique_ptr<Kernel> kernel;
	DeviceDescription desc;
	std::string bdf;
};
OneDevice one_device(const char *preset_name, const DeviceOptions &options = {},
		     const KernelOptions &kernel_options = {});

/* The user buffer the targets pass to the model, made on first use. */
GuardedBuffer &user_buffer();

/* Guarded 32-bit read of emulated memory: false if it faulted. */
bool probe_readable(const void *addr);

/* VFIO_DEVICE_FEATURE with `payload` after the header. */
long feature(Kernel &k, int fd, uint32_t flags, const void *payload, size_t size);
/* Export one BAR range; the dma-buf fd or -errno. */
long export_range(Kernel &k, int fd, unsigned bar, uint64_t offset, uint64_t length);

} /* namespace softvfio::fuzz */
