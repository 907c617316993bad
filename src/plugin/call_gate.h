/* SPDX-License-Identifier: MIT */
/*
 * CallGate: how the caller of a plugin model lets its own lock go while
 * the call waits for the device host, and takes it back before a request
 * of the host is served or the call returns.
 *
 * The function calls its models with its lock held. A plugin call may
 * wait for its host up to the call timeout; holding the function's lock
 * all that time would hold up every config read, the sysfs view (which
 * reads every function's config space when a process joins) and
 * interrupt delivery. With a gate the wait happens unlocked, and the
 * caller's side (pci_function_impl.h) marks the model busy meanwhile, so
 * what must be ordered after the call (another access to the model, a
 * reset, a power change, a deferred step) waits for it and nothing else
 * does.
 */
#pragma once

namespace softvfio::plugin {

class CallGate
{
public:
	virtual ~CallGate() = default;
	/* The caller's lock is held: mark the model busy and unlock. */
	virtual void release() = 0;
	/* Lock again and mark the model idle. */
	virtual void reacquire() = 0;
};

} /* namespace softvfio::plugin */
