/* SPDX-License-Identifier: MIT */
/*
 * END TO END: these need the shim that joins the session
 * (SOFTVFIO_SESSION); their label is `shim-e2e` (picked by -L shim and by
 * -L e2e), not `cli`.
 *
 * A harness: `softvfio serve` in the background with two devices, two
 * programs joining it with `softvfio run` (one device each: a group is
 * one process's at a time, as on a real kernel), `softvfio maps` seeing
 * both in the one session, then the programs end and the session is
 * stopped.
 */
#include <csignal>
#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "spawn.h"

using nlohmann::json;
using softvfio::test::Child;
using softvfio::test::read_line;
using softvfio::test::run;
using softvfio::test::spawn;

namespace {

constexpr const char *kPrefix = "SOFTVFIO_SESSION=";

class SessionHarness : public ::testing::Test
{
protected:
	void SetUp() override
	{
		serve_ = spawn({SOFTVFIO_BINARY, "serve", "--device", "nic", "--device", "nic"});
		ASSERT_GT(serve_.pid, 0);
		std::string line = read_line(serve_.out);
		ASSERT_EQ(line.rfind(kPrefix, 0), 0u) << line;
		env_ = line;
		dir_ = line.substr(std::string(kPrefix).size());
	}

	void TearDown() override
	{
		for (Child *c : {&a_, &b_, &serve_}) {
			if (c->pid > 0) {
				::kill(c->pid, SIGKILL);
				softvfio::test::wait_exit(c->pid);
			}
			if (c->in >= 0)
				::close(c->in);
			if (c->out >= 0)
				::close(c->out);
		}
	}

	/* maps_child on `bdf`, in the session, stopped at READY. */
	Child program(const char *bdf)
	{
		Child c = spawn({SOFTVFIO_BINARY, "run", "--", MAPS_CHILD, bdf}, {env_});
		EXPECT_GT(c.pid, 0);
		EXPECT_EQ(read_line(c.out), "READY");
		return c;
	}

	static int finish(Child &c)
	{
		::close(c.in);
		c.in = -1;
		int status = softvfio::test::wait_exit(c.pid);
		c.pid = -1;
		return status;
	}

	Child serve_, a_, b_;
	std::string env_, dir_;
};

TEST_F(SessionHarness, TwoProgramsShareOneSessionKernel)
{
	a_ = program("5f00:00:01.0");
	b_ = program("5f00:00:02.0");

	auto o = run({SOFTVFIO_BINARY, "maps", "--json"}, {env_});
	ASSERT_EQ(o.status, 0) << o.err;
	json list = json::parse(o.out, nullptr, false);
	ASSERT_TRUE(list.is_array()) << o.out;
	int found = 0;
	for (const auto &p : list) {
		EXPECT_EQ(p["session"], dir_);
		found += p["pid"] == a_.pid || p["pid"] == b_.pid;
	}
	EXPECT_EQ(found, 2) << o.out;

	for (pid_t pid : {a_.pid, b_.pid}) {
		auto m = run({SOFTVFIO_BINARY, "maps", "--json", std::to_string(pid)});
		ASSERT_EQ(m.status, 0) << m.err;
		json j = json::parse(m.out, nullptr, false);
		EXPECT_EQ(j["mappings"].size(), 3u) << m.out;
		/* One kernel: each sees both devices, and the other's open. */
		ASSERT_EQ(j["devices"].size(), 2u) << m.out;
		EXPECT_EQ(j["devices"][0]["open_count"], 1);
		EXPECT_EQ(j["devices"][1]["open_count"], 1);
	}

	EXPECT_EQ(finish(a_), 0);
	EXPECT_EQ(finish(b_), 0);
	EXPECT_EQ(run({SOFTVFIO_BINARY, "serve", "--stop", dir_}).status, 0);
	EXPECT_EQ(softvfio::test::wait_exit(serve_.pid), 0);
	serve_.pid = -1;
	struct stat st;
	EXPECT_NE(::stat(dir_.c_str(), &st), 0);
}

/* The group of a device is one process's at a time, session-wide. */
TEST_F(SessionHarness, ASecondProgramCannotTakeAGroupInUse)
{
	a_ = program("5f00:00:01.0");
	auto o = run({SOFTVFIO_BINARY, "run", "--", MAPS_CHILD, "5f00:00:01.0"}, {env_});
	EXPECT_NE(o.status, 0) << o.out;
	EXPECT_EQ(finish(a_), 0);
}

} /* namespace */
