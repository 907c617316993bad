/* SPDX-License-Identifier: MIT */
/*
 * A PROT_NONE page whose faults a SIGSEGV handler emulates against a
 * register model, for tests that execute real instructions on it.
 *
 * The handler takes only faults on its page; any other fault goes to the
 * handler that was installed before (under ASan, ASan's own), by putting it
 * back and letting the instruction fault again. A refused instruction
 * jumps back to attempt() with the diagnostic kept.
 */
#pragma once

#include <csetjmp>
#include <csignal>
#include <cstdint>
#include <sys/mman.h>

#include "trap/emulator.h"
#include "trap/fake_registers.h"

namespace softvfio::trap::test {

class TrappedPage
{
public:
	static constexpr size_t kSize = 4096;

	explicit TrappedPage(RegisterSpace &space)
		: page_(static_cast<uint8_t *>(mmap(nullptr, kSize, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0))),
		  map_(reinterpret_cast<uintptr_t>(page_), kSize, space)
	{
		current_ = this;
		struct sigaction action{};
		action.sa_sigaction = on_fault;
		action.sa_flags = SA_SIGINFO;
		sigemptyset(&action.sa_mask);
		sigaction(SIGSEGV, &action, &previous_);
		struct sigaction now{};
		sigaction(SIGSEGV, nullptr, &now);
		installed_ = now.sa_sigaction == on_fault;
	}

	~TrappedPage()
	{
		sigaction(SIGSEGV, &previous_, nullptr);
		current_ = nullptr;
		munmap(page_, kSize);
	}

	TrappedPage(const TrappedPage &) = delete;
	TrappedPage &operator=(const TrappedPage &) = delete;

	/* False if something (a sanitizer's runtime) kept our handler out. */
	bool installed() const { return installed_ && page_ != MAP_FAILED; }
	uint8_t *at(size_t offset) const { return page_ + offset; }
	const Diagnostic &diagnostic() const { return diagnostic_; }
	unsigned emulated() const { return emulated_; }

	/* Runs `body`; false if an instruction in it was refused (see
	 * diagnostic()). */
	template<typename Body>
	bool attempt(Body body)
	{
		if (sigsetjmp(refused_, 1) != 0) {
			armed_ = false;
			return false;
		}
		armed_ = true;
		body();
		armed_ = false;
		return true;
	}

private:
	static void on_fault(int, siginfo_t *info, void *raw)
	{
		TrappedPage *self = current_;
		auto address = reinterpret_cast<uintptr_t>(info->si_addr);
		RegisterTarget target;
		if (self == nullptr || self->map_.resolve(address, 1, target) != Region::registers) {
			/* Not ours: the previous handler gets it on the retry. */
			sigaction(SIGSEGV, self != nullptr ? &self->previous_ : nullptr, nullptr);
			if (self == nullptr)
				signal(SIGSEGV, SIG_DFL);
			return;
		}
		if (emulate(*static_cast<ucontext_t *>(raw), address, self->map_, self->diagnostic_)) {
			self->emulated_++;
			return;
		}
		if (self->armed_)
			siglongjmp(self->refused_, 1);
		signal(SIGSEGV, SIG_DFL); /* refused outside attempt(): crash here */
	}

	static inline TrappedPage *current_ = nullptr;

	uint8_t *page_;
	RangeMap map_;
	struct sigaction previous_{};
	bool installed_ = false;
	Diagnostic diagnostic_;
	unsigned emulated_ = 0;
	sigjmp_buf refused_;
	volatile bool armed_ = false;
};

} /* namespace softvfio::trap::test */
