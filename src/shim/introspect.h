/* SPDX-License-Identifier: MIT */
/*
 * The shim's introspection server: answers `softvfio maps PID` from
 * another process (protocol: introspect_wire.h) at any time. Without it,
 * the mailbox answers at the program's next ioctl or mmap call
 * (maps_mailbox.h).
 *
 * Started when SOFTVFIO_INTROSPECT=on (softvfio run --maps) and once the
 * process's Kernel exists: one listening socket and one thread that sleeps
 * in accept() until somebody asks. Off by default: the thread alone makes
 * glibc's cancellable calls slower in the whole process. Both are hidden like the model's own descriptors (an
 * internal, close-on-exec fd above the program's range that the program
 * cannot close), the thread blocks every signal, and the socket file is
 * removed at exit. A forked child does not answer (its copy of the model
 * is not served) until it execs.
 */
#pragma once

#include <string>

#include <softvfio/kernel.h>

namespace softvfio::shim {

/* The mailbox (maps_mailbox.h) always, the server when asked for.
 * Idempotent; failures only cost the ability to be queried. */
void introspect_start(Kernel *k) noexcept;

/* The snapshot document both ways in send (an "error" document when
 * memory runs out). */
std::string introspect_snapshot_text() noexcept;

} /* namespace softvfio::shim */
