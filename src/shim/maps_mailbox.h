/* SPDX-License-Identifier: MIT */
/*
 * The shim's side of the maps mailbox (mailbox_wire.h): how a process
 * started without --maps answers `softvfio maps`, with no thread.
 *
 * A request is answered by whichever program thread next makes an ioctl
 * (on any fd), or an mmap-family call on a software mapping (mailbox_poll).
 * Building a snapshot allocates and takes model locks, so the calls are
 * chosen where that is safe: none is async-signal-safe (the thread is not
 * in a signal handler that interrupted malloc), and no memory allocator
 * makes them while holding its locks (it does make plain mmap and munmap
 * calls, which therefore do not answer). The check is two loads from the
 * mailbox page.
 */
#pragma once

#include <atomic>

#include "shim/mailbox_wire.h"

namespace softvfio::shim {

/* Null until the model exists (and in a forked child, which is not
 * served). */
extern std::atomic<MailboxHeader *> g_mailbox;

/* Create the mailbox; called once the model exists. Failures only cost
 * the ability to be asked. */
void mailbox_open() noexcept;

/* Answer the pending requests (the slow path of mailbox_poll). */
void mailbox_serve() noexcept;

inline void mailbox_poll() noexcept
{
	MailboxHeader *box = g_mailbox.load(std::memory_order_relaxed);
	if (box && std::atomic_ref(box->request).load(std::memory_order_relaxed) !=
			   std::atomic_ref(box->served).load(std::memory_order_relaxed))
		mailbox_serve();
}

} /* namespace softvfio::shim */
