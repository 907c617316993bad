/* SPDX-License-Identifier: MIT */
/*
 * fork() and the in-process model.
 *
 * fork() copies only the calling thread. If another thread is half-way
 * through a model operation, or holds one of the model's locks, the child
 * inherits a model in the middle of a change and locks nobody will ever
 * release. The fork gate prevents that: calls into the model from the
 * program (the shim) and each unit of work of a model thread hold it shared;
 * fork() takes it exclusively in a pthread_atfork prepare handler, so the
 * child starts from a model at rest with every model lock free.
 *
 * Rules: take the gate before any model lock, never while holding one.
 * Readers are preferred (a reader may join while others hold it, even with
 * a fork waiting), so a model operation that waits for a model thread never
 * deadlocks against a pending fork; a fork waits until the model is idle.
 *
 * Model state that involves threads (a thread handle, a condition variable
 * a thread was waiting on) is not valid in the child: ForkChildHook lets its
 * owner reset it there, before fork() returns, while the child is still
 * single-threaded.
 */
#pragma once

#include <cstdint>
#include <functional>

namespace softvfio {

/* RAII: a shared hold of the fork gate. */
class ForkGateShared
{
public:
	ForkGateShared() noexcept;
	~ForkGateShared();
	ForkGateShared(const ForkGateShared &) = delete;
	ForkGateShared &operator=(const ForkGateShared &) = delete;
};

/* Runs `fn` in the child of every fork() while it lives (single-threaded,
 * after the gate is reset). */
class ForkChildHook
{
public:
	explicit ForkChildHook(std::function<void()> fn);
	~ForkChildHook();
	ForkChildHook(const ForkChildHook &) = delete;
	ForkChildHook &operator=(const ForkChildHook &) = delete;

	void run() const { fn_(); }

private:
	std::function<void()> fn_;
};

/* Register the pthread_atfork handlers now (they are registered on first use
 * otherwise). An interposer calls this early so the handlers exist before the
 * program can fork. */
void fork_guard_register();

/* How many forks separate this process from the one that loaded the model
 * (0 in the original process). */
uint64_t fork_generation() noexcept;

} /* namespace softvfio */
