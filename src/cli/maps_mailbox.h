/* SPDX-License-Identifier: MIT */
/*
 * The client side of the maps mailbox (shim/mailbox_wire.h): ask a process
 * that runs without --maps for its snapshot.
 */
#pragma once

#include <chrono>
#include <string>
#include <sys/types.h>
#include <variant>

namespace softvfio::cli {

/* Does `pid` have a mailbox (is its model up)? */
bool has_mailbox(pid_t pid);

/* The snapshot document, or an errno: ENOENT no mailbox (no model, or not
 * a program on the shim), EACCES/EPERM not ours to ask, EPROTO a mailbox of
 * another version, ETIMEDOUT no answer within `wait` (the program made no
 * ioctl or mmap call meanwhile). */
std::variant<std::string, int> ask_mailbox(pid_t pid, std::chrono::milliseconds wait);

} /* namespace softvfio::cli */
