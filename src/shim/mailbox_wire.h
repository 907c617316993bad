/* SPDX-License-Identifier: MIT */
/*
 * The maps mailbox: how `softvfio maps` asks a process that runs without
 * --maps (no server thread; docs/maps-and-trace.md).
 *
 * The shim of every process whose model exists keeps a memfd named
 * kMailboxName among the model's own descriptors. Its first bytes are a
 * MailboxHeader, the snapshot JSON (introspect_wire.h) follows at
 * kMailboxDataOffset. A client of the same uid opens it through
 * /proc/PID/fd/N, takes a ticket by incrementing `request`, and waits (a
 * shared futex on `served`) until `served` reaches the ticket; it then reads
 * `length` bytes, and reads again if `seq` was odd or changed meanwhile.
 * The process answers at its next ioctl, or mmap-family call on a software
 * mapping: one that makes none does not answer.
 */
#pragma once

#include <cstddef>
#include <cstdint>

namespace softvfio::shim {

inline constexpr const char *kMailboxName = "softvfio-maps";
/* What /proc/PID/fd/N links to. */
inline constexpr const char *kMailboxLink = "/memfd:softvfio-maps (deleted)";
inline constexpr uint32_t kMailboxMagic = 0x534d4150;   /* "SMAP" */
inline constexpr uint32_t kMailboxVersion = 1;
inline constexpr size_t kMailboxDataOffset = 4096;

/* Shared by two processes: every field is accessed through
 * std::atomic_ref. */
struct MailboxHeader {
	uint32_t magic;
	uint32_t version;
	uint32_t request;     /* the last ticket a client took */
	uint32_t served;      /* the last ticket answered */
	uint32_t seq;         /* odd while the snapshot is being written */
	uint32_t reserved;
	uint64_t length;      /* of the snapshot at kMailboxDataOffset */
};
static_assert(sizeof(MailboxHeader) == 32);
static_assert(offsetof(MailboxHeader, request) == 8);
static_assert(offsetof(MailboxHeader, served) == 12);
static_assert(offsetof(MailboxHeader, seq) == 16);
static_assert(offsetof(MailboxHeader, length) == 24);

} /* namespace softvfio::shim */
