/* SPDX-License-Identifier: MIT */
#include "base/fault_injection.h"

#include <array>
#include <cerrno>
#include <mutex>

namespace softvfio {

namespace {

constexpr size_t kPoints = static_cast<size_t>(FaultPoint::Count);

constexpr std::array<FaultPointInfo, kPoints> kInfo = {{
	{"memfd.create", EMFILE},
	{"memfd.reopen", EMFILE},
	{"vfs.fd_install", EMFILE},
	{"vfs.dup", EMFILE},
	{"vfio.dmabuf_alloc", ENOMEM},
	{"vfio.bar_mmap_alloc", ENOMEM},
	{"vfio.info_cap_alloc", ENOMEM},
	{"vfio.irq_set_alloc", ENOMEM},
	{"vfio.eventfd_ref", ENOMEM},
	{"mm.reserve", ENOMEM},
	{"dmabuf.sync_file", EMFILE},
	{"dmabuf.attach_alloc", ENOMEM},
	{"dmabuf.map_alloc", ENOMEM},
	{"iommufd.object_alloc", ENOMEM},
	{"iommu.map_alloc", ENOMEM},
	{"vfio.irq_ctx_alloc", ENOMEM},
	{"vfio.hot_reset_alloc", ENOMEM},
	{"vfio.ioeventfd_alloc", ENOMEM},
}};

enum class Mode : uint32_t { Off, Count, Nth, Point };

/* Arming is rare and from tests; the slow path is a few atomics and, only
 * when a failure is injected, a mutex for the list of failed points. */
struct State {
	std::atomic<Mode> mode{Mode::Off};
	std::atomic<uint64_t> total{0};
	std::array<std::atomic<uint64_t>, kPoints> per_point{};
	std::atomic<uint64_t> failures{0};
	uint64_t nth = 0;
	FaultPoint point = FaultPoint::Count;
	bool every = false;
	std::mutex failed_lock;
	std::vector<FaultPoint> failed;
};

State &state()
{
	static State s;
	return s;
}

void reset(State &s)
{
	s.total = 0;
	for (auto &c : s.per_point)
		c = 0;
	s.failures = 0;
	std::lock_guard guard(s.failed_lock);
	s.failed.clear();
}

void arm(Mode mode, uint64_t nth, FaultPoint point, bool every)
{
	State &s = state();
	fault_injection::g_armed.store(0);
	s.mode = Mode::Off;
	reset(s);
	s.nth = nth;
	s.point = point;
	s.every = every;
	s.mode = mode;
	fault_injection::g_armed.store(1);
}

int fail(State &s, FaultPoint point)
{
	s.failures++;
	std::lock_guard guard(s.failed_lock);
	s.failed.push_back(point);
	return kInfo[static_cast<size_t>(point)].error;
}

} /* namespace */

const FaultPointInfo &fault_point_info(FaultPoint point)
{
	return kInfo[static_cast<size_t>(point) % kPoints];
}

std::optional<FaultPoint> fault_point_by_name(std::string_view name)
{
	for (size_t i = 0; i < kPoints; i++)
		if (name == kInfo[i].name)
			return static_cast<FaultPoint>(i);
	return std::nullopt;
}

namespace fault_injection {

std::atomic<uint32_t> g_armed{0};

int check_slow(FaultPoint point)
{
	State &s = state();
	const Mode mode = s.mode.load();
	if (mode == Mode::Off || point >= FaultPoint::Count)
		return 0;
	const uint64_t n = ++s.total;
	const uint64_t pn = ++s.per_point[static_cast<size_t>(point)];
	switch (mode) {
	case Mode::Nth:
		return n == s.nth ? fail(s, point) : 0;
	case Mode::Point:
		if (point != s.point)
			return 0;
		return (pn == s.nth || (s.every && pn > s.nth)) ? fail(s, point) : 0;
	default:
		return 0;
	}
}

void count_only() { arm(Mode::Count, 0, FaultPoint::Count, false); }

void fail_nth(uint64_t nth) { arm(Mode::Nth, nth, FaultPoint::Count, false); }

void fail_point(FaultPoint point, uint64_t nth, bool every) { arm(Mode::Point, nth, point, every); }

void disarm()
{
	g_armed.store(0);
	state().mode = Mode::Off;
}

uint64_t hits() { return state().total.load(); }

uint64_t hits(FaultPoint point)
{
	return point < FaultPoint::Count ? state().per_point[static_cast<size_t>(point)].load() : 0;
}

uint64_t failures() { return state().failures.load(); }

std::vector<FaultPoint> failed_points()
{
	State &s = state();
	std::lock_guard guard(s.failed_lock);
	return s.failed;
}

} /* namespace fault_injection */

} /* namespace softvfio */
