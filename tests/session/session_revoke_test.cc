/* SPDX-License-Identifier: MIT */
/*
 * Every kind of revocation, seen from another process: a process of its
 * own (session_helper observer) maps a BAR and a DMABUF of it, and after
 * each call of the driving process has returned, checks what its mappings
 * do: fault with SIGBUS BUS_ADRERR at the exact address, or read the data
 * they held before, intact.
 */
#include <cerrno>
#include <cstring>

#include <softvfio/uapi/vfio.h>

#include "session/session_fixture.h"
#include "session/session_helper.h"

namespace softvfio::test {
namespace {

using session::Connection;
using session::wire::Op;
using namespace helper;

constexpr int64_t kConfig = int64_t(VFIO_PCI_CONFIG_REGION_INDEX) << 40;
constexpr int64_t kBar2 = int64_t(VFIO_PCI_BAR2_REGION_INDEX) << 40;

long config_read(Connection &c, int device, int64_t at, void *v, int64_t n)
{
	return c.call(Op::Pread, {device, reinterpret_cast<int64_t>(v), n, kConfig + at});
}

long config_write(Connection &c, int device, int64_t at, const void *v, int64_t n)
{
	return c.call(Op::Pwrite, {device, reinterpret_cast<int64_t>(v), n, kConfig + at});
}

/* The power management capability's offset in config space, 0 if none. */
int pm_capability(Connection &c, int device)
{
	uint8_t at = 0;
	if (config_read(c, device, 0x34, &at, 1) != 1)
		return 0;
	for (int hops = 0; at && hops < 48; hops++) {
		uint8_t id = 0, next = 0;
		if (config_read(c, device, at, &id, 1) != 1 || config_read(c, device, at + 1, &next, 1) != 1)
			return 0;
		if (id == 0x01)
			return at;
		at = next;
	}
	return 0;
}

/* PMCSR's power state: 0 for D0, 3 for D3hot. */
bool set_power(Connection &c, int device, int pm, uint16_t state)
{
	uint16_t ctrl = 0;
	if (config_read(c, device, pm + 4, &ctrl, 2) != 2)
		return false;
	ctrl = static_cast<uint16_t>((ctrl & ~0x3) | state);
	return config_write(c, device, pm + 4, &ctrl, 2) == 2;
}

TEST_F(SessionTest, EveryRevocationReachesAnotherProcessesMappingsBeforeTheCallReturns)
{
	Shared<ObserverShared> s;
	ASSERT_TRUE(s);
	child::Pipe step, done;

	int status = in_child([&](Connection &c) {
		child::Device d;
		CHILD_CHECK(child::open_device(c, bdf_, d));
		for (uint64_t p = 0; p < kObservedPages; p++) {
			uint32_t v = observed_pattern(p);
			CHILD_CHECK(c.call(Op::Pwrite, {d.device, reinterpret_cast<int64_t>(&v), 4,
							kBar2 + static_cast<int64_t>(p * 4096)}) == 4);
		}
		const long buf = child::export_dmabuf(c, d.device, VFIO_PCI_BAR2_REGION_INDEX, 0, kObservedPages * 4096);
		CHILD_CHECK(buf >= 0);
		const int pm = pm_capability(c, d.device);
		CHILD_CHECK(pm > 0);
		pid_t observer = exec_helper({"observer", dir_, std::to_string(s.fd), std::to_string(d.device),
					      std::to_string(buf), std::to_string(step.fds[0]), std::to_string(done.fds[1])},
					     {s.fd, d.device, static_cast<int>(buf), step.fds[0], done.fds[1]});
		CHILD_CHECK(observer > 0);
		CHILD_CHECK(done.take());
		/* The observer checks only once the call returned here. */
		auto observe = [&](uint32_t expect) {
			s->expect = expect;
			step.post();
			return done.take();
		};
		constexpr uint32_t kLive = kBarLive | kBufLive;

		CHILD_CHECK(observe(kLive));
		CHILD_CHECK(child::set_memory(c, d.device, false));
		CHILD_CHECK(observe(0));
		CHILD_CHECK(child::set_memory(c, d.device, true));
		CHILD_CHECK(observe(kLive));

		CHILD_CHECK(set_power(c, d.device, pm, 3));
		CHILD_CHECK(observe(0));
		CHILD_CHECK(set_power(c, d.device, pm, 0));
		CHILD_CHECK(observe(kLive));

		/* A reset revokes while it runs and restores before it returns. */
		CHILD_CHECK(child::ioctl(c, d.device, VFIO_DEVICE_RESET, 0ul) == 0);
		CHILD_CHECK(observe(kLive));

		CHILD_CHECK(child::revoke_dmabuf(c, d.device, static_cast<int>(buf)) == 0);
		CHILD_CHECK(observe(kBarLive | kBufPermRevoked));
		/* Memory off and on again: the BAR comes back, the buffer does not. */
		CHILD_CHECK(child::set_memory(c, d.device, false));
		CHILD_CHECK(observe(kBufPermRevoked));
		CHILD_CHECK(child::set_memory(c, d.device, true));
		CHILD_CHECK(observe(kBarLive | kBufPermRevoked));

		s->expect = kObserverQuit;
		step.post();
		CHILD_CHECK(child::wait(observer) == 0);
		return 0;
	});
	EXPECT_EQ(status, 0);
	EXPECT_EQ(s->failures.load(), 0u) << s->failure;
	EXPECT_EQ(s->steps.load(), 9u);
}

} /* namespace */
} /* namespace softvfio::test */
