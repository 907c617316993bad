/* SPDX-License-Identifier: MIT */
/*
 * `softvfio maps` where no program answers: its exit codes for a process
 * in no session and for bad usage. What it shows of a running program is
 * in maps_e2e_test.cc (it needs the shim that joins the session).
 */
#include <gtest/gtest.h>
#include <unistd.h>

#include "spawn.h"

using softvfio::test::run;

namespace {

TEST(MapsExit, ProcessInNoSessionIs4)
{
	auto o = run({SOFTVFIO_BINARY, "maps", std::to_string(getpid())});
	EXPECT_EQ(o.status, 4) << o.err;
	EXPECT_NE(o.err.find("does not answer: it is in no softvfio session"), std::string::npos) << o.err;
}

TEST(MapsExit, NoSuchProcessIs1)
{
	pid_t gone = fork();
	if (gone == 0)
		_exit(0);
	ASSERT_EQ(softvfio::test::wait_exit(gone), 0);
	auto o = run({SOFTVFIO_BINARY, "maps", std::to_string(gone)});
	EXPECT_EQ(o.status, 1) << o.err;
	EXPECT_NE(o.err.find("no process"), std::string::npos) << o.err;
}

/* --wait is accepted for old scripts, and still checked. */
TEST(MapsExit, NegativeWaitIsUsage)
{
	auto o = run({SOFTVFIO_BINARY, "maps", "--wait", "-1", std::to_string(getpid())});
	EXPECT_EQ(o.status, 2) << o.err;
}

TEST(MapsExit, BadPidIsUsage)
{
	auto o = run({SOFTVFIO_BINARY, "maps", "not-a-pid"});
	EXPECT_EQ(o.status, 2) << o.err;
}

} /* namespace */
