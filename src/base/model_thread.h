/* SPDX-License-Identifier: MIT */
/*
 * ModelThread: a background thread of the model.
 *
 * Its body runs inside the model from the first instruction (reentry.h), so
 * under the LD_PRELOAD shim every C library call it makes goes straight to
 * the C library. A forked child has no copy of the thread: there the handle
 * is abandoned (neither joined nor detached, both of which would touch the
 * parent's thread descriptor) and running() turns false, so the owner starts
 * a new one when it needs it.
 */
#pragma once

#include <functional>
#include <memory>
#include <thread>

#include "base/fork_guard.h"

namespace softvfio {

class ModelThread
{
public:
	ModelThread();
	/* Joins a running thread: tell the body to stop first. */
	~ModelThread();
	ModelThread(const ModelThread &) = delete;
	ModelThread &operator=(const ModelThread &) = delete;

	void start(std::function<void()> body);
	/* Started in this process and not joined yet. */
	bool running() const { return thread_ != nullptr; }
	void join();

private:
	std::unique_ptr<std::thread> thread_;
	ForkChildHook forget_in_child_;
};

} /* namespace softvfio */
