/* SPDX-License-Identifier: MIT */
#include "base/fork_guard.h"

#include <algorithm>
#include <atomic>
#include <mutex>
#include <pthread.h>
#include <vector>

namespace softvfio {

namespace {

/* The gate is built from atomics rather than a pthread_rwlock: the child
 * must reset a lock its only thread holds for writing, and glibc's rwlock
 * cannot be unlocked there (it recognises its writer by thread id, which
 * fork changes), while re-initialising it behind a sanitizer's back makes
 * the sanitizer's view of the lock wrong. */
std::atomic<int> g_readers{0};
std::atomic<bool> g_closed{false};
std::mutex g_writer;          /* one fork at a time closes the gate */

std::mutex g_hooks_lock;
std::vector<const ForkChildHook *> g_hooks;

std::atomic<uint64_t> g_generation{0};
std::once_flag g_register_once;
std::atomic<bool> g_registered{false};

void gate_lock_shared() noexcept
{
	for (;;) {
		int r = g_readers.load();
		if (r > 0 || !g_closed.load()) {
			if (!g_readers.compare_exchange_weak(r, r + 1))
				continue;
			/* Joining readers already inside is always allowed; the
			 * first one must not slip past a fork that has just
			 * closed the gate and seen no reader. */
			if (r > 0 || !g_closed.load())
				return;
			if (g_readers.fetch_sub(1) == 1)
				g_readers.notify_all();
		}
		g_closed.wait(true);
	}
}

void gate_unlock_shared() noexcept
{
	/* Only a fork in prepare() waits for the readers to drain, and it
	 * closes the gate first: both sides are sequentially consistent, so
	 * either this sees the gate closed or prepare() sees the count drop. */
	if (g_readers.fetch_sub(1) == 1 && g_closed.load())
		g_readers.notify_all();
}

void prepare()
{
	g_writer.lock();
	g_closed.store(true);
	for (int r = g_readers.load(); r != 0; r = g_readers.load())
		g_readers.wait(r);
	g_hooks_lock.lock();
}

void parent()
{
	g_hooks_lock.unlock();
	g_closed.store(false);
	g_closed.notify_all();
	g_writer.unlock();
}

void child()
{
	g_generation.fetch_add(1);
	/* Nobody else exists to be inside the model. */
	g_readers.store(0);
	g_closed.store(false);
	for (const ForkChildHook *hook : g_hooks)
		hook->run();
	g_hooks_lock.unlock();
	g_writer.unlock();
}

} /* namespace */

void fork_guard_register()
{
	/* Every model call comes here: a plain load once registered. */
	if (g_registered.load(std::memory_order_acquire))
		return;
	std::call_once(g_register_once, [] {
		pthread_atfork(prepare, parent, child);
		g_registered.store(true, std::memory_order_release);
	});
}

ForkGateShared::ForkGateShared() noexcept
{
	fork_guard_register();
	gate_lock_shared();
}

ForkGateShared::~ForkGateShared() { gate_unlock_shared(); }

ForkChildHook::ForkChildHook(std::function<void()> fn) : fn_(std::move(fn))
{
	fork_guard_register();
	std::lock_guard guard(g_hooks_lock);
	g_hooks.push_back(this);
}

ForkChildHook::~ForkChildHook()
{
	std::lock_guard guard(g_hooks_lock);
	g_hooks.erase(std::remove(g_hooks.begin(), g_hooks.end(), this), g_hooks.end());
}

uint64_t fork_generation() noexcept { return g_generation.load(std::memory_order_relaxed); }

} /* namespace softvfio */
