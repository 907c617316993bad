/* SPDX-License-Identifier: MIT */
#include "base/model_thread.h"

#include "base/cpu_affinity.h"
#include "base/reentry.h"

namespace softvfio {

ModelThread::ModelThread()
	/* The handle names a thread of the parent: leak it (a few bytes). */
	: forget_in_child_([this] { (void)thread_.release(); })
{
}

ModelThread::~ModelThread() { join(); }

void ModelThread::start(std::function<void()> body)
{
	thread_ = std::make_unique<std::thread>([body = std::move(body)] {
		enter_model_thread();
		adopt_leader_affinity();
		body();
	});
}

void ModelThread::join()
{
	if (!thread_)
		return;
	if (thread_->joinable())
		thread_->join();
	thread_.reset();
}

} /* namespace softvfio */
