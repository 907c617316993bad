/* SPDX-License-Identifier: MIT */
/*
 * The session protocol: how a process reaches the session kernel.
 *
 * A process joins once, over the session's unix socket (a connection that
 * lasts only for the handshake), and from then on talks to the kernel
 * through its mailbox: a page range of shared memory both sides map, with
 * no fd left in the process. Each calling thread takes a slot, writes a
 * request there and wakes the kernel's worker for that slot through a
 * futex word; the kernel answers in the same slot. A request is shaped
 * like a system call: an operation and six integer arguments, pointers
 * being addresses in the caller's memory, which the kernel reads and
 * writes itself (process_vm_readv/writev), exactly as the real kernel
 * copies from and to user space.
 *
 * While a call is in progress the kernel may ask the calling thread for
 * something only it can do (a sub-request): reserve address space, create
 * a stand-in fd, apply mapping changes. The thread answers and waits on.
 * The reply carries the result and the changes to the caller's mappings
 * that the call made (mm ops), which the caller applies before returning.
 *
 * Changes to OTHER processes' mappings (a revoke, a memory disable, a
 * device close) reach them through the work ring of their mailbox and a
 * signal (Header::signal); the kernel waits for their acknowledgement
 * before the call that caused them returns.
 *
 * Everything a client writes is untrusted: the kernel copies a request out
 * of the slot before looking at it and never trusts a value it reads from
 * the mailbox twice.
 */
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>

#include "session/wire/closed_numbers.h"

namespace softvfio::session::wire {

inline constexpr uint32_t kMagic = 0x53564653;   /* "SFVS" */
inline constexpr uint32_t kVersion = 6;

/* --- the handshake (over the session socket) --- */

/* What a process sends when it connects (with SO_PEERCRED checked). */
struct JoinRequest {
	uint32_t magic;
	uint32_t version;
	uint32_t kind;        /* JoinKind */
	uint32_t reserved;
	uint64_t arg;         /* Attach: the fork record; Query: the pid asked about */
	uint64_t token;       /* Attach: Header::token of the record's mailbox */
};

enum class JoinKind : uint32_t {
	/* A new image joins (a program started in the session, or one that
	 * exec'd): a fresh address space, fds found by identity. */
	Image = 1,
	/* A forked child takes over the record its parent prepared. */
	Attach = 2,
	/* A tool asks about the session (softvfio maps): no membership. `arg`
	 * is a pid, or 0 for the session's processes; a JSON document follows
	 * the reply, up to the close (session/introspect.h). */
	Query = 3,
	/* A tool attaches a trace to process `arg` (softvfio trace -p): a
	 * TraceRequest follows the JoinRequest; no membership, the reply is
	 * all (error ESRCH: not a process of the session). */
	Trace = 4,
};

/* The trace's settings, as lines "NAME=value" with the names of the
 * environment `softvfio trace` sets for a program it starts
 * (shim/trace.h); empty: the trace is detached. */
inline constexpr size_t kTraceConfigMax = 2048;
struct TraceRequest {
	char config[kTraceConfigMax];   /* NUL-terminated */
};

/* The answer; the mailbox memfd comes with it as SCM_RIGHTS. */
struct JoinReply {
	uint32_t magic;
	int32_t error;          /* 0, or the errno that refused the join */
	uint32_t server_pid;
	uint32_t signal;        /* the signal mm work arrives with */
	uint64_t mailbox_size;
	/* The kernel's empty memfd, as /proc/<server_pid>/fd/<n>: revoked
	 * runs map it (SIGBUS on every access). */
	int32_t empty_fd;
	/* The register mirror directory (mirror_directory.h), as
	 * /proc/<server_pid>/fd/<n>, mapped read-only. */
	int32_t mirror_fd;
	char session[64];       /* the session's name, NUL-terminated */
};

/* --- the mailbox --- */

/* The session signal carries si_code SI_QUEUE and this si_int, so the
 * process tells it from the same signal sent for other reasons. */
inline constexpr int kSignalValue = 0x53465653;
/* The same signal with this si_int: the trace's settings changed
 * (Header::trace_generation). Nothing to acknowledge. */
inline constexpr int kTraceSignalValue = 0x53465654;

inline constexpr unsigned kSlots = 16;
inline constexpr size_t kSlotSize = 8192;
inline constexpr unsigned kWorkEntries = 512;

/* Header::state */
enum class MailboxState : uint32_t {
	Alive = 0,
	/* The kernel stopped serving this process (a protocol violation). */
	CutOff = 1,
	/* The session ended or its kernel died: calls fail, mappings fault. */
	Dead = 2,
};

/* One unit of mm work for the process owning the mailbox. */
enum class WorkKind : uint32_t {
	/* Emulated VMA `vma` becomes live or revoked (state sequence `seq`). */
	State = 1,
	/* The session is gone: revoke every emulated mapping. */
	Dead = 2,
};

struct WorkEntry {
	uint32_t kind;
	uint32_t live;
	uint64_t vma;
	uint64_t seq;
	uint64_t reserved;
};
static_assert(sizeof(WorkEntry) == 32);

struct alignas(64) Header {
	uint32_t magic;
	uint32_t version;
	uint32_t server_pid;
	uint32_t signal;
	/* Bumped by a client thread that wants a worker for a new slot. */
	std::atomic<uint32_t> doorbell;
	std::atomic<uint32_t> state;            /* MailboxState */
	/* Bumped when answers a client may cache (device, region and irq
	 * info) could have changed. */
	std::atomic<uint32_t> cache_generation;
	/* A sequence lock over trace_config: odd while the kernel writes it;
	 * 0 until a trace was ever attached. */
	std::atomic<uint32_t> trace_generation;
	/* mm work: the kernel writes entries, then raises `posted`; the
	 * client applies them in order and raises `done` (a futex word: the
	 * kernel waits on it). Both count entries since the mailbox was
	 * made; entry n lives at work[n % kWorkEntries]. */
	std::atomic<uint64_t> posted;
	std::atomic<uint32_t> done;
	uint32_t reserved1;
	/* A fork's child proves it is one by quoting this when it takes its
	 * record over (only the parent and the child map the mailbox). */
	uint64_t token;
	uint64_t reserved2;
	WorkEntry work[kWorkEntries];
	/* The trace attached to the process (TraceRequest::config), which a
	 * fork's child and an exec'd image keep. */
	char trace_config[kTraceConfigMax];
	/* Numbers the process closed without a call (a DMABUF's), which the
	 * kernel takes before it serves the process's next call. */
	ClosedNumbers closed;
};
static_assert(offsetof(Header, cache_generation) == 24 && offsetof(Header, trace_generation) == 28);
static_assert(offsetof(Header, work) == 64 && offsetof(Header, trace_config) == 64 + 32 * kWorkEntries);
static_assert(offsetof(Header, closed) == 64 + 32 * kWorkEntries + kTraceConfigMax);
static_assert(sizeof(TraceRequest) == kTraceConfigMax);

/* A slot's futex words come first; the rest is the message. */
struct alignas(64) SlotControl {
	std::atomic<uint32_t> owner;        /* client side: the claiming thread, 0 if free */
	std::atomic<uint32_t> served;       /* kernel side: a worker serves the slot */
	std::atomic<uint32_t> wanted;       /* client side: start a worker, please */
	std::atomic<uint32_t> to_kernel;    /* futex: client posts a message */
	std::atomic<uint32_t> to_client;    /* futex: kernel posts a message */
	/* client side: 1 + the CPU the calling thread ran on when it posted
	 * its request (0: not known), which the slot's worker follows. */
	std::atomic<uint32_t> client_cpu;
	uint32_t reserved[10];
};
static_assert(sizeof(SlotControl) == 64 && offsetof(SlotControl, client_cpu) == 20);

inline constexpr size_t kPayload = kSlotSize - sizeof(SlotControl);

struct alignas(64) Slot {
	SlotControl c;
	unsigned char payload[kPayload];
};
static_assert(sizeof(Slot) == kSlotSize);

struct Mailbox {
	Header header;
	Slot slots[kSlots];
};

inline constexpr size_t kMailboxSize = (sizeof(Mailbox) + 4095) & ~size_t{4095};

static_assert(std::atomic<uint32_t>::is_always_lock_free && std::atomic<uint64_t>::is_always_lock_free,
	      "mailbox words are shared between processes");

/* --- messages in a slot --- */

enum class MsgKind : uint32_t {
	Request = 1,      /* client -> kernel */
	SubReply = 2,     /* client -> kernel, answering a SubRequest */
	SubRequest = 3,   /* kernel -> client, during a call */
	Reply = 4,        /* kernel -> client, the call is over */
};

/* Requests: a system call of the session. Arguments are integers; a
 * pointer is an address in the caller's memory. */
enum class Op : uint32_t {
	Open = 1,          /* path, flags -> fd | -errno | kNotOurs */
	NodeInfo,          /* path, NodeInfoData * -> 1 | 0 (not ours) */
	ListNodes,         /* path, buf, size -> length of the NUL-separated names */
	SysfsRoot,         /* buf, size -> length of the view's path (brought up to date) */
	SysfsWrite,        /* path, buf, count -> count | -errno */
	Ioctl,             /* fd, cmd, arg */
	Read,              /* fd, buf, count */
	Write,             /* fd, buf, count */
	Pread,             /* fd, buf, count, offset */
	Pwrite,            /* fd, buf, count, offset */
	Lseek,             /* fd, offset, whence */
	Mmap,              /* addr, length, prot, flags, fd, offset */
	Munmap,            /* addr, length */
	Mremap,            /* old, old_length, new_length, flags, new_addr */
	Mprotect,          /* addr, length, prot */
	Madvise,           /* addr, length, advice */
	Closed,            /* fd: the client closed it (or a dup replaced it) */
	ClosedRange,       /* first, last: every emulated fd in the range closed */
	Identify,          /* fd -> 1 if it stands in for a file of this session */
	Fcntl,             /* fd, cmd: F_GETFL -> the file's access mode */
	LinkName,          /* fd, buf, size -> length of the /proc/<pid>/fd/<n> link text */
	ForkPrepare,       /* -> record id; extra[0]: the child's mailbox, a kernel fd */
	ExecPrepare,       /* the process is about to exec */
	ExecFailed,        /* the exec failed: bring the mappings up to date */
	Resync,            /* every emulated VMA's state, as State ops */
	Mappings,          /* buf, size -> count; MappingData records in buf */
	BufferOf,          /* fd, BufferData * -> 0 | -EINVAL (not a dma-buf) */
	ForkDone,          /* record, pid (-1: the fork failed) */
	RegisterAccess,    /* addr, width, write, value -> 0 | -errno; extra[0]: the value read */
	kCount,
};

/* Sub-requests: what the kernel asks the calling thread during a call. */
enum class SubOp : uint32_t {
	/* Reserve address space: hint, length, flags, align_offset,
	 * align_for_huge, orders (pmd | pud << 8) -> address | -errno. */
	Reserve = 1,
	/* Create a stand-in: socketpair(AF_UNIX, SOCK_STREAM); a0 = cloexec
	 * -> result 0 | -errno, extra[0] = the fd the program keeps,
	 * extra[1] = the other end, which the kernel takes with
	 * pidfd_getfd; the client closes it at the kernel's next message. */
	NewStandin = 2,
	/* Apply the mm ops that follow (more than a reply holds). */
	ApplyOps = 3,
};

struct MsgHeader {
	uint32_t kind;      /* MsgKind */
	uint32_t op;        /* Op or SubOp */
	uint32_t seq;       /* the call's number, echoed back */
	uint32_t flags;     /* a Request's kRequest*, a Reply's kReply* */
};
static_assert(sizeof(MsgHeader) == 16);

/* A spare pair: a stand-in made ahead. A call that will make a stand-in
 * costs a NewStandin round trip in the middle; when the process expects
 * one (the same question made one last time, see kReplyStandinAsked), it
 * makes the socket pair before the call and offers it in spare[]: the
 * kernel takes it instead of asking (the same checks as an answer to
 * NewStandin), or says it did not and the process closes it. */
inline constexpr uint32_t kRequestSpare = 1u << 0;
/* The spare's kept end is close-on-exec; only a stand-in asked for the
 * same way takes it. */
inline constexpr uint32_t kRequestSpareCloexec = 1u << 1;

struct Request {
	MsgHeader h;
	int64_t a[6];
	/* With kRequestSpare: the end the program keeps, the other end. */
	int32_t spare[2];
};
static_assert(sizeof(Request) == 72);

/* The call took the spare: the process closes only the other end. */
inline constexpr uint32_t kReplySpareTaken = 1u << 0;
/* The call asked for a stand-in with NewStandin: the same question may
 * offer a spare next time. */
inline constexpr uint32_t kReplyStandinAsked = 1u << 1;
/* ... and that stand-in was close-on-exec. */
inline constexpr uint32_t kReplyStandinCloexec = 1u << 2;

/* A reply, or a sub-request's answer. After it: `nops` MmOps, then
 * `data_len` bytes of data. */
struct Reply {
	MsgHeader h;
	int64_t result;
	int64_t extra[2];
	uint32_t nops;
	uint32_t data_len;
};
static_assert(sizeof(Reply) == 48);

/* --- mm ops: changes to the caller's emulated mappings --- */

enum class MmOpKind : uint32_t {
	/* A new VMA [f0, f1) with state seq f2, protection f4, then f3 Run
	 * ops; flags: kLive, kDontfork. The range is reserved already. */
	Create = 1,
	/* One run of the Create before it: f0 vma_offset, f1 length,
	 * f2 file_offset, f3 object (its inode), f4 extent start,
	 * f5 extent length; `flags` is the kernel's fd of the object, which
	 * the process maps once per extent as /proc/<kernel>/fd/<flags>. */
	Run = 2,
	/* VMA `vma` is live (flags kLive) or revoked from state seq f0 on. */
	State = 3,
	/* VMA `vma` splits at address f0; the part above gets id f1. Both
	 * are then in state (flags kLive, seq f2). */
	Split = 4,
	/* Every VMA inside [f0, f1) is gone and so is the memory there. */
	Unmap = 5,
	/* Every VMA inside [f0, f1) is gone; the range stays reserved
	 * (MAP_FIXED is about to replace it). */
	Release = 6,
	/* VMA `vma` gets protection `flags`. */
	Protect = 7,
	/* VMA `vma` moves to address f0, in state (flags kLive, seq f2). */
	Move = 8,
	/* madvise(f0, f1 - f0, flags) on the real memory of the VMAs there;
	 * MADV_DONTFORK / MADV_DOFORK stick to them. */
	Advise = 9,
	/* Close fd `flags`: a stand-in made for a call that failed after. */
	CloseFd = 10,
};

/* MmOp::flags bits of Create, State, Split and Move. */
inline constexpr uint32_t kLive = 1;
inline constexpr uint32_t kDontfork = 2;
/* Create only: device registers, laid PROT_NONE while live so that every
 * access traps (the client emulates it with a RegisterAccess call). */
inline constexpr uint32_t kRegisters = 4;

struct MmOp {
	uint32_t kind;
	uint32_t flags;
	uint64_t vma;
	uint64_t f[6];
};
static_assert(sizeof(MmOp) == 64);

inline constexpr size_t kMaxReplyOps = (kPayload - sizeof(Reply)) / sizeof(MmOp);

/* --- data records --- */

struct NodeInfoData {
	uint32_t directory;
	uint32_t mode;
	uint32_t major;
	uint32_t minor;
	uint32_t exists;
	uint32_t uid;
	uint32_t gid;
	uint32_t reserved;
};
static_assert(sizeof(NodeInfoData) == 32);

/* Op::Mappings: one per emulated VMA. */
struct MappingData {
	uint64_t start;
	uint64_t end;
	uint64_t offset;      /* bytes, as /proc/<pid>/maps shows it */
	uint64_t buffer_id;   /* 0: not a DMABUF's */
	uint32_t prot;
	uint32_t live;
	char path[96];
};

/* Reply data of an Ioctl the process may answer itself next time (a
 * constant query: device, region and irq info): the caller's memory the
 * kernel read and wrote, relative to the argument. Valid while the fd
 * stands for the same file and Header::cache_generation is unchanged. */
struct MemoHeader {
	uint32_t nrec;
	uint32_t reserved;
};
struct MemoRecord {
	uint16_t offset;   /* from the ioctl's argument */
	uint16_t length;
	uint8_t written;   /* 0: the kernel read it (the key), 1: wrote it */
	uint8_t reserved[3];
	/* `length` bytes follow, padded to 8 */
};
inline constexpr size_t kMemoMax = 1024;

/* Op::BufferOf: the DMABUF behind an fd. */
struct BufferData {
	uint64_t id;
	uint64_t size;
	uint64_t references;  /* the session's fds on it and its mappings */
	char name[64];
};

} /* namespace softvfio::session::wire */
