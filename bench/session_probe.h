/* SPDX-License-Identifier: MIT */
/*
 * Looking at the session kernel from one of its clients, for figures whose
 * work happens there: its pid (from the session directory that `softvfio
 * run` names in $SOFTVFIO_SESSION) and the CPU time its threads have used.
 * Read through /proc, never through the session protocol, so measuring
 * changes nothing the kernel does.
 */
#pragma once

#include <sys/types.h>

namespace softvfio::bench {

/* The session kernel's pid: the first field of $SOFTVFIO_SESSION/kernel;
 * 0 when the program is in no session. */
pid_t session_kernel_pid();

/* Nanoseconds on a CPU of all of the process's live threads
 * (/proc/<pid>/task/<tid>/schedstat); 0 if unreadable. A thread that
 * exits takes its time along, so only a difference over a stretch in
 * which the kernel starts and ends no thread is meaningful. */
double process_cpu_ns(pid_t pid);

} /* namespace softvfio::bench */
