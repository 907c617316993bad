/* SPDX-License-Identifier: MIT */
/*
 * The fault-injection sweep: every main scenario runs once without
 * injection to count the allocation and fd-creation points it passes, then
 * once per point with exactly that hit failing. Each time the scenario must
 * answer the errno the kernel gives for that failure (ENOMEM for an
 * allocation, EMFILE for an fd), and afterwards nothing may be left: no
 * buffer, no mapping, no open device, and once the Kernel is gone the
 * process holds exactly the fds and file mappings it held before.
 */
#include <cstdio>
#include <map>
#include <set>

#include <gtest/gtest.h>

#include <softvfio/kernel.h>

#include "base/fault_injection.h"
#include "faults/scenarios.h"
#include "leaks/process_snapshot.h"

namespace softvfio::test {

namespace {

namespace fi = fault_injection;

struct Outcome {
	long result = 0;
	uint64_t hits = 0;
	std::vector<FaultPoint> failed;
	std::vector<std::string> problems;
};

/* What is left in the Kernel once a scenario has undone its work. */
void expect_nothing_left(Kernel &kernel, const ScenarioEnv &env, const std::string &where)
{
	kernel.flush_deferred_releases();
	EXPECT_TRUE(kernel.buffers().empty()) << where << ": a buffer survived";
	EXPECT_TRUE(kernel.mappings(false).empty()) << where << ": a mapping survived";
	for (const std::string &bdf : {env.nic, env.ivshmem}) {
		auto st = kernel.device_state(bdf);
		ASSERT_TRUE(st) << where;
		EXPECT_EQ(st->open_count, 0u) << where << ": " << bdf << " still open";
		EXPECT_EQ(st->buffers, 0u) << where << ": " << bdf << " still lists buffers";
	}
}

/* One run on a fresh Kernel; `arm` is called after the devices exist. */
template<typename Arm>
Outcome run_once(const Scenario &s, Arm arm, const std::string &where)
{
	Outcome out;
	Kernel kernel;
	ScenarioEnv env(kernel);
	EXPECT_TRUE(add_scenario_devices(kernel, env)) << where;
	{
		fi::Scope scope;
		arm();
		out.result = s.run(env);
		fi::disarm();
		out.hits = fi::hits();
		out.failed = fi::failed_points();
	}
	out.problems = env.problems;
	expect_nothing_left(kernel, env, where);
	return out;
}

class FaultSweep : public ::testing::TestWithParam<Scenario>
{
protected:
	/* Warm up once: the signal guards, the release thread and libc's
	 * lazily opened files exist before the first snapshot. */
	static void SetUpTestSuite()
	{
		for (const Scenario &s : scenarios())
			run_once(s, [] {}, "warm-up");
	}
};

TEST_P(FaultSweep, EveryFailurePointFailsCleanly)
{
	const Scenario &s = GetParam();
	const Outcome dry = run_once(s, [] { fi::count_only(); }, std::string(s.name) + " (no injection)");
	ASSERT_EQ(dry.result, 0) << s.name << " fails without injection";
	for (const auto &p : dry.problems)
		ADD_FAILURE() << s.name << ": " << p;

	std::map<std::string, unsigned> swept;
	for (uint64_t n = 1; n <= dry.hits; n++) {
		const std::string where = std::string(s.name) + ", failing hit " + std::to_string(n);
		const ProcessSnapshot before = ProcessSnapshot::take();
		const Outcome o = run_once(s, [n] { fi::fail_nth(n); }, where);
		const ProcessSnapshot after = ProcessSnapshot::take();
		for (const auto &d : ProcessSnapshot::diff(before, after))
			ADD_FAILURE() << where << ": leaked " << d;
		for (const auto &p : o.problems)
			ADD_FAILURE() << where << ": " << p;
		ASSERT_EQ(o.failed.size(), 1u) << where << ": the sweep is not deterministic";
		const FaultPointInfo &info = fault_point_info(o.failed[0]);
		EXPECT_EQ(o.result, -info.error) << where << " (" << info.name << ")";
		swept[info.name]++;
	}
	std::string summary;
	for (const auto &[name, count] : swept)
		summary += " " + name + "=" + std::to_string(count);
	std::printf("[ sweep    ] %s: %llu failure points:%s\n", s.name, static_cast<unsigned long long>(dry.hits),
		    summary.c_str());
}

/* A point that keeps failing (the fd table is full, memory is gone): the
 * scenario fails at the first hit and still leaves nothing behind. */
TEST_P(FaultSweep, PersistentFailureOfEachPoint)
{
	const Scenario &s = GetParam();
	for (size_t i = 0; i < static_cast<size_t>(FaultPoint::Count); i++) {
		const auto point = static_cast<FaultPoint>(i);
		const FaultPointInfo &info = fault_point_info(point);
		const std::string where = std::string(s.name) + ", " + info.name + " always failing";
		const ProcessSnapshot before = ProcessSnapshot::take();
		const Outcome o = run_once(s, [point] { fi::fail_point(point, 1, true); }, where);
		const ProcessSnapshot after = ProcessSnapshot::take();
		for (const auto &d : ProcessSnapshot::diff(before, after))
			ADD_FAILURE() << where << ": leaked " << d;
		for (const auto &p : o.problems)
			ADD_FAILURE() << where << ": " << p;
		if (o.failed.empty())
			EXPECT_EQ(o.result, 0) << where;
		else
			EXPECT_EQ(o.result, -info.error) << where;
	}
}

INSTANTIATE_TEST_SUITE_P(Scenarios, FaultSweep, ::testing::ValuesIn(scenarios()),
			 [](const ::testing::TestParamInfo<Scenario> &p) { return std::string(p.param.name); });

/* The sweep is only as good as the points it passes: between them, adding
 * the devices and the scenarios hit every failure point the model has. */
TEST(FaultSweepCoverage, ScenariosVisitEveryFailurePoint)
{
	std::vector<uint64_t> per_point(static_cast<size_t>(FaultPoint::Count));
	uint64_t total = 0;
	for (const Scenario &s : scenarios()) {
		Kernel kernel;
		ScenarioEnv env(kernel);
		fi::Scope scope;
		fi::count_only();
		ASSERT_TRUE(add_scenario_devices(kernel, env));
		ASSERT_EQ(s.run(env), 0) << s.name;
		fi::disarm();
		total += fi::hits();
		for (size_t i = 0; i < per_point.size(); i++)
			per_point[i] += fi::hits(static_cast<FaultPoint>(i));
	}
	std::string summary;
	for (size_t i = 0; i < per_point.size(); i++) {
		const char *name = fault_point_info(static_cast<FaultPoint>(i)).name;
		EXPECT_GT(per_point[i], 0u) << name << " is never reached by the scenarios";
		summary += " " + std::string(name) + "=" + std::to_string(per_point[i]);
	}
	std::printf("[ coverage ] %zu points, %llu hits:%s\n", per_point.size(), static_cast<unsigned long long>(total),
		    summary.c_str());
}

/* Adding a device makes its BAR memory: a failure there adds nothing. */
TEST(FaultSweepAddDevice, FailureLeavesNoDevice)
{
	auto nic = preset("nic");
	ASSERT_TRUE(nic);
	uint64_t hits;
	{
		Kernel kernel;
		fi::Scope scope;
		fi::count_only();
		ASSERT_TRUE(kernel.add_device(*nic));
		fi::disarm();
		hits = fi::hits();
	}
	ASSERT_GT(hits, 0u);
	for (uint64_t n = 1; n <= hits; n++) {
		const ProcessSnapshot before = ProcessSnapshot::take();
		{
			Kernel kernel;
			fi::Scope scope;
			fi::fail_nth(n);
			auto bdf = kernel.add_device(*nic);
			fi::disarm();
			ASSERT_EQ(fi::failures(), 1u);
			ASSERT_FALSE(bdf);
			EXPECT_EQ(bdf.error(), fault_point_info(fi::failed_points()[0]).error);
			EXPECT_TRUE(kernel.devices().empty());
		}
		for (const auto &d : ProcessSnapshot::diff(before, ProcessSnapshot::take()))
			ADD_FAILURE() << "add_device, failing hit " << n << ": leaked " << d;
	}
}

/* The knob itself: off costs nothing and counts nothing; a named point
 * fails only where it is hit. */
TEST(FaultInjection, KnobBasics)
{
	fi::disarm();
	EXPECT_EQ(fault_check(FaultPoint::MemfdCreate), 0);
	{
		fi::Scope scope;
		fi::fail_point(FaultPoint::MmReserve, 2);
		EXPECT_EQ(fault_check(FaultPoint::MemfdCreate), 0);
		EXPECT_EQ(fault_check(FaultPoint::MmReserve), 0);
		EXPECT_EQ(fault_check(FaultPoint::MmReserve), ENOMEM);
		EXPECT_EQ(fault_check(FaultPoint::MmReserve), 0);
		EXPECT_EQ(fi::hits(), 4u);
		EXPECT_EQ(fi::hits(FaultPoint::MmReserve), 3u);
		EXPECT_EQ(fi::failures(), 1u);
	}
	EXPECT_EQ(fault_check(FaultPoint::MmReserve), 0);
	EXPECT_EQ(fault_point_by_name("vfs.fd_install"), FaultPoint::FdInstall);
	EXPECT_FALSE(fault_point_by_name("nope"));
	for (size_t i = 0; i < static_cast<size_t>(FaultPoint::Count); i++) {
		const int e = fault_point_info(static_cast<FaultPoint>(i)).error;
		EXPECT_TRUE(e == ENOMEM || e == EMFILE) << fault_point_info(static_cast<FaultPoint>(i)).name;
	}
}

} /* namespace */

} /* namespace softvfio::test */
