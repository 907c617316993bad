/* SPDX-License-Identifier: MIT */
/*
 * zap_fence(): the zaps made so far take effect in every process before the
 * caller goes on.
 *
 * On Linux a zap clears page tables synchronously: once memory_lock is
 * dropped (or the register write that follows a zap is visible), no
 * process can reach the pages. In process the Host's set_state() is that
 * synchronous system call already. For processes the session kernel
 * serves, a zap is a message their signal handler applies; the session
 * kernel batches them per call, and installs a fence that delivers the
 * batch and waits for every acknowledgement. The revocation paths call it
 * with memory_lock still held, after zapping and before the new state can
 * be seen (the command register written, a REVOKE answered, the lock
 * dropped), so that no other call can observe the revocation while some
 * process could still read through a mapping it revoked.
 *
 * Without an installed fence (the in-process model) it does nothing.
 */
#pragma once

namespace softvfio::mm {

using ZapFence = void (*)();

/* Install `fence` for the whole process (null: none). */
void set_zap_fence(ZapFence fence) noexcept;
void zap_fence();

} /* namespace softvfio::mm */
