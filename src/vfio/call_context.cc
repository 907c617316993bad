/* SPDX-License-Identifier: MIT */
#include "vfio/call_context.h"

namespace softvfio::vfio {

namespace {

__thread const CallContext *t_context = nullptr;

} /* namespace */

const CallContext *current_context() noexcept
{
	return t_context;
}

ContextScope::ContextScope(const CallContext &ctx) noexcept : saved_(t_context)
{
	t_context = &ctx;
}

ContextScope::~ContextScope()
{
	t_context = saved_;
}

} /* namespace softvfio::vfio */
