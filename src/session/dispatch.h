/* SPDX-License-Identifier: MIT */
/*
 * The session's system call table: one request of a process, run on the
 * kernel as that process (CurrentProcess), with the arguments the kernel
 * reads and writes in its memory. Returns the result, or -errno.
 */
#pragma once

#include "session/wire/protocol.h"

namespace softvfio::session {

class Call;
class ClientProcess;

long dispatch(ClientProcess &process, Call &call, const wire::Request &req);

} /* namespace softvfio::session */
