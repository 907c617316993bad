/* SPDX-License-Identifier: MIT */
/*
 * Raw system calls for the session client: no interposer sees them (the
 * shim around the client intercepts the C library's functions of the same
 * names, and so do sanitizers), and they are async-signal-safe. Each
 * returns the result or -errno.
 */
#pragma once

#include <csignal>
#include <cstddef>
#include <cstdint>
#include <sys/stat.h>
#include <sys/types.h>

namespace softvfio::session::sys {

long mmap(uintptr_t addr, size_t length, int prot, int flags, int fd, off_t offset) noexcept;
long mremap(uintptr_t old_addr, size_t old_length, size_t new_length, int flags, uintptr_t new_addr) noexcept;
int munmap(uintptr_t addr, size_t length) noexcept;
int mprotect(uintptr_t addr, size_t length, int prot) noexcept;
int madvise(uintptr_t addr, size_t length, int advice) noexcept;
int close(int fd) noexcept;
int fstat(int fd, struct stat *st) noexcept;
int sigprocmask(int how, const sigset_t *set, sigset_t *old) noexcept;

/* open(2) of a file the process needs for an instant (a template, the
 * mailbox). When the fd table is full, the soft RLIMIT_NOFILE is raised by
 * one for the call (if the hard limit allows): the process must not see
 * EMFILE from a call that, on Linux, needs no fd. */
int open_momentary(const char *path, int flags) noexcept;

/* socketpair(2) likewise: the stand-in the program keeps, and its other
 * end for an instant (until the kernel has taken it). */
int socketpair_momentary(int type, int sv[2]) noexcept;

} /* namespace softvfio::session::sys */
