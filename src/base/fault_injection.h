/* SPDX-License-Identifier: MIT */
/*
 * Fault injection: make any allocation or fd creation inside the model fail.
 *
 * The kernel can answer almost any call with ENOMEM (an allocation failed) or
 * EMFILE/ENFILE (no fd left), and it undoes what it had half made before it
 * returns. The model does its allocations and fd creations through points
 * marked with a one-line hook:
 *
 *     if (int e = fault_check(FaultPoint::MemfdCreate)) return err(e);
 *
 * fault_check() is one relaxed atomic load while injection is off (always,
 * outside tests). A test arms it process-wide: fail the Nth hit of any point
 * (a sweep runs a scenario once per hit), or the Nth hit of one named point;
 * or only count hits. The errno a failing point answers is the one the
 * kernel gives for that failure (ENOMEM for allocations, EMFILE for fds).
 *
 * The knob is process-wide, like a kernel's fault-injection debugfs: hits
 * from every thread count (the release thread included).
 */
#pragma once

#include <atomic>
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

namespace softvfio {

enum class FaultPoint : uint8_t {
	MemfdCreate,      /* base/memfd: a new memfd (stand-ins, BAR memory) */
	FdReopen,         /* base/memfd: a new description of a memfd */
	FdInstall,        /* vfs: an fd number for a new File (get_unused_fd) */
	FdDup,            /* vfs: dup / dup3 / F_DUPFD of an emulated fd */
	DmaBufAlloc,      /* vfio: an exported buffer's priv (kzalloc) */
	BarMmapAlloc,     /* vfio: the hidden buffer behind a BAR mmap */
	InfoCapAlloc,     /* vfio: growing an info ioctl's capability chain */
	IrqSetAlloc,      /* vfio: SET_IRQS payload copy (memdup_user) */
	EventfdRef,       /* vfio: taking a caller's eventfd (irq context) */
	MmReserve,        /* mm: reserving the address range of a new VMA */
	SyncFileCreate,   /* dmabuf: EXPORT_SYNC_FILE's new fd */
	AttachAlloc,      /* dmabuf: an importer attachment */
	MapAlloc,         /* dmabuf: an importer mapping's sg table */
	IommufdObjAlloc,  /* iommufd: a new object (IOAS, HWPT, bound device) */
	IoMapAlloc,       /* type1 / iommufd: a new DMA mapping (vfio_dma, area) */
	IrqCtxAlloc,      /* vfio: MSI/MSI-X vector contexts at enable */
	HotResetAlloc,    /* vfio: hot reset's device report or group array */
	IoeventfdAlloc,   /* vfio: a new ioeventfd record */
	Count
};

struct FaultPointInfo {
	const char *name;
	int error;        /* what the failing call answers */
};

const FaultPointInfo &fault_point_info(FaultPoint point);
std::optional<FaultPoint> fault_point_by_name(std::string_view name);

namespace fault_injection {
/* Non-zero while injection (or counting) is armed. */
extern std::atomic<uint32_t> g_armed;
int check_slow(FaultPoint point);
} /* namespace fault_injection */

/* The hook: 0 to go on, else the errno to fail with. */
inline int fault_check(FaultPoint point)
{
	if (__builtin_expect(fault_injection::g_armed.load(std::memory_order_relaxed) == 0, 1))
		return 0;
	return fault_injection::check_slow(point);
}

namespace fault_injection {

/* Count hits, fail nothing. Resets the counters. */
void count_only();
/* Fail the nth hit (1-based) of any point, once. Resets the counters. */
void fail_nth(uint64_t nth);
/* Fail the nth hit of `point`, once; with `every`, that hit and every
 * later one. Resets the counters. */
void fail_point(FaultPoint point, uint64_t nth = 1, bool every = false);
/* Off: hooks go back to one relaxed load. Counters are kept for reading. */
void disarm();

/* Hits since the last arming, in total and per point. */
uint64_t hits();
uint64_t hits(FaultPoint point);
/* Injected failures since the last arming, and the points that failed. */
uint64_t failures();
std::vector<FaultPoint> failed_points();

/* Disarms when destroyed, so a failing test cannot leave the knob armed
 * for the next one. */
class Scope
{
public:
	Scope() = default;
	~Scope() { disarm(); }
	Scope(const Scope &) = delete;
	Scope &operator=(const Scope &) = delete;
};

} /* namespace fault_injection */

} /* namespace softvfio */
