/* SPDX-License-Identifier: MIT */
/*
 * The messages between the kernel and a plugin's device host
 * (docs/device-models.md, "Isolation").
 *
 * One SOCK_SEQPACKET socket pair per plugin instance: every message is one
 * packet, a Message header and at most kMaxPayload bytes after it. The
 * kernel starts every exchange (a Call); while the host runs the callback
 * it may send Requests (DMA, interrupts, mirror, schedule, log), each of
 * which the kernel answers with one Reply before the host goes on; the
 * exchange ends with the host's Done.
 *
 * One instance may serve several BARs of a function (ABI 1.2): Create
 * names them all, the host answers with the ones it takes (Serves), and
 * every Read and Write names its BAR. So the conversation is strictly
 * nested and synchronous: the host never speaks unasked, and the kernel
 * never waits for the host outside a call it made.
 *
 * Everything the host sends is untrusted: the kernel checks every field
 * (op, lengths, payload size against the packet) before it acts on it and
 * treats anything else as a protocol error that fails the device.
 */
#pragma once

#include <cstddef>
#include <cstdint>

namespace softvfio::plugin::wire {

enum class Op : uint32_t {
	/* kernel -> host: calls */
	Create = 1,      /* width: the BARs asked for (bit i: BAR i), payload:
			  * kBars uint64_t sizes (0 for a BAR not asked for);
			  * the host says what it serves with Serves first */
	Read = 2,        /* a: offset, width, result: bar */
	Write = 3,       /* a: offset, width, b: value, result: bar */
	Reset = 4,
	Power = 5,       /* b: state */
	Deferred = 6,    /* b: cookie */
	Probe = 7,       /* answer with ProbeOk or Failed */

	/* host -> kernel: the end of a call */
	Done = 32,       /* result: the read's value, or 0 */
	Failed = 33,     /* payload: "field: problem" (Create, Probe) */
	ProbeOk = 34,    /* a: min bar size, result: n mirrored reads, payload: the n
			  * softvfio_mirrored_read entries, then the description */

	/* host -> kernel: requests during a call, each answered by a Reply */
	DmaRead = 64,    /* a: iova, b: length (<= kMaxPayload) */
	DmaWrite = 65,   /* a: iova, payload: the bytes */
	IrqEnabled = 66, /* width: kind */
	RaiseIrq = 67,   /* width: kind, b: vector */
	SetIntx = 68,    /* b: level */
	Mirror = 69,     /* width: bar, a: offset, payload: the bytes */
	Schedule = 70,   /* a: delay in ns, b: cookie */
	Log = 71,        /* width: level, payload: the text */
	MirrorStore = 72, /* width, a: offset, b: value, result: bar */
	Serves = 73,     /* during Create, before the plugin's create(): a: the BARs
			  * this instance serves, all those asked for (a plugin with
			  * read_bar/write_bar) or the lowest of them (one without) */

	/* kernel -> host */
	Reply = 96,      /* result: 0 / -errno (IrqEnabled: 0 or 1), payload: DmaRead's bytes */
};

struct Message {
	Op op;
	uint32_t width;
	uint64_t a;
	uint64_t b;
	int64_t result;
};
static_assert(sizeof(Message) == 32);

/* BARs of a function; Create's payload has one size for each. */
constexpr unsigned kBars = 6;

/* Bytes after the header in one packet; larger DMA is split by the host. */
constexpr size_t kMaxPayload = 32 * 1024;
constexpr size_t kMaxPacket = sizeof(Message) + kMaxPayload;
/* Largest DMA one dma_read/dma_write of a plugin may ask for. */
constexpr size_t kMaxDma = 1024 * 1024;

/* The fd a device host finds its end of the socket pair on. */
constexpr int kHostFd = 3;

} /* namespace softvfio::plugin::wire */
