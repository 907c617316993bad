/* SPDX-License-Identifier: MIT */
/*
 * Leak and lifetime checks: after each main scenario, and after its Kernel
 * is destroyed, the process holds exactly the fds and file mappings it held
 * before (/proc/self/fd, /proc/self/maps). Under the asan-ubsan preset
 * LeakSanitizer checks the heap at exit as well.
 */
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/mman.h>

#include <gtest/gtest.h>

#include <softvfio/kernel.h>
#include <softvfio/uapi/vfio.h>

#include "faults/scenarios.h"
#include "leaks/process_snapshot.h"

namespace softvfio::test {

namespace {

void expect_same(const ProcessSnapshot &before, const std::string &where)
{
	for (const auto &d : ProcessSnapshot::diff(before, ProcessSnapshot::take()))
		ADD_FAILURE() << where << ": " << d;
}

class Leaks : public ::testing::TestWithParam<Scenario>
{
protected:
	static void SetUpTestSuite()
	{
		for (const Scenario &s : scenarios()) {
			Kernel kernel;
			ScenarioEnv env(kernel);
			if (add_scenario_devices(kernel, env))
				(void)s.run(env);
		}
	}
};

TEST_P(Leaks, ScenarioLeavesNothing)
{
	const Scenario &s = GetParam();
	const ProcessSnapshot before = ProcessSnapshot::take();
	{
		Kernel kernel;
		ScenarioEnv env(kernel);
		ASSERT_TRUE(add_scenario_devices(kernel, env));
		const ProcessSnapshot with_devices = ProcessSnapshot::take();
		EXPECT_EQ(s.run(env), 0);
		for (const auto &p : env.problems)
			ADD_FAILURE() << s.name << ": " << p;
		kernel.flush_deferred_releases();
		EXPECT_TRUE(kernel.buffers().empty());
		EXPECT_TRUE(kernel.mappings(false).empty());
		/* The scenario undid its own work: only the devices remain. */
		expect_same(with_devices, std::string(s.name) + " (Kernel alive)");
	}
	expect_same(before, std::string(s.name) + " (Kernel destroyed)");
}

INSTANTIATE_TEST_SUITE_P(Scenarios, Leaks, ::testing::ValuesIn(scenarios()),
			 [](const ::testing::TestParamInfo<Scenario> &p) { return std::string(p.param.name); });

/* A program that exits without cleaning up: destroying the Kernel closes
 * every stand-in it handed out and unmaps every emulated mapping, as the
 * kernel does for a dying process. */
TEST(LeaksAbandoned, KernelDestroyedWithEverythingOpen)
{
	const ProcessSnapshot before = ProcessSnapshot::take();
	{
		Kernel kernel;
		ScenarioEnv env(kernel);
		ASSERT_TRUE(add_scenario_devices(kernel, env));
		long fd = kernel.open_device(env.nic);
		ASSERT_GE(fd, 0);
		ASSERT_GE(kernel.dup(static_cast<int>(fd)), 0);
		uint8_t req[sizeof(vfio_device_feature) + sizeof(vfio_device_feature_dma_buf) +
			    sizeof(vfio_region_dma_range)] = {};
		vfio_device_feature hdr{sizeof(req), VFIO_DEVICE_FEATURE_DMA_BUF | VFIO_DEVICE_FEATURE_GET};
		vfio_device_feature_dma_buf dma{2, O_RDWR, 0, 1};
		vfio_region_dma_range range{0, 4096};
		std::memcpy(req, &hdr, sizeof(hdr));
		std::memcpy(req + sizeof(hdr), &dma, sizeof(dma));
		std::memcpy(req + sizeof(hdr) + sizeof(dma), &range, sizeof(range));
		long buf = kernel.ioctl(static_cast<int>(fd), VFIO_DEVICE_FEATURE, req);
		ASSERT_GE(buf, 0);
		ASSERT_GE(kernel.mmap(nullptr, 4096, PROT_READ, MAP_SHARED, static_cast<int>(buf), 0), 0);
		ASSERT_GE(kernel.mmap(nullptr, 4096, PROT_READ, MAP_SHARED, static_cast<int>(fd), 0), 0);
		long ivs = kernel.open_device(env.ivshmem);
		ASSERT_GE(ivs, 0);
	}
	expect_same(before, "abandoned Kernel");
}

} /* namespace */

} /* namespace softvfio::test */
