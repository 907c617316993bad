/* SPDX-License-Identifier: MIT */
/*
 * END TO END: these need the shim that joins the session
 * (SOFTVFIO_SESSION); their label is `shim-e2e` (picked by -L shim and by
 * -L e2e), not `cli`.
 *
 * `softvfio maps` on a running child under `softvfio run`: what it shows,
 * its JSON and its list, answered by the session kernel whatever the
 * child is doing (here: blocked in read), for a forked child too, and for
 * a new image after exec.
 */
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <signal.h>
#include <unistd.h>

#include "spawn.h"

using nlohmann::json;
using softvfio::test::Child;
using softvfio::test::run;
using softvfio::test::spawn;

namespace {

constexpr const char *kBdf = "5f00:00:01.0";

/* maps_child under softvfio run, stopped at READY. */
class MapsTest : public ::testing::Test
{
protected:
	/* mode: "" (wait in read), "exec" or "forktick" (maps_child.c). */
	void start(std::string mode = "")
	{
		std::vector<std::string> argv{SOFTVFIO_BINARY, "run", "--", MAPS_CHILD, kBdf};
		if (!mode.empty())
			argv.push_back(mode);
		child_ = spawn(argv);
		ASSERT_GT(child_.pid, 0);
		ASSERT_EQ(softvfio::test::read_line(child_.out), "READY");
	}

	/* Close the child's stdin; its exit status. */
	int finish()
	{
		close(child_.in);
		child_.in = -1;
		int status = softvfio::test::wait_exit(child_.pid);
		child_.pid = -1;
		return status;
	}

	void TearDown() override
	{
		if (child_.pid > 0) {
			kill(child_.pid, SIGKILL);
			softvfio::test::wait_exit(child_.pid);
		}
		if (child_.in >= 0)
			close(child_.in);
		if (child_.out >= 0)
			close(child_.out);
	}

	json maps_json(pid_t pid)
	{
		auto o = run({SOFTVFIO_BINARY, "maps", "--json", std::to_string(pid)});
		EXPECT_EQ(o.status, 0) << o.err;
		json j = json::parse(o.out, nullptr, false);
		EXPECT_FALSE(j.is_discarded()) << o.out;
		return j;
	}
	json maps_json() { return maps_json(child_.pid); }

	/* The mapping of `size` bytes whose buffer is (not) hidden. */
	static const json *mapping_of(const json &j, bool hidden, uint64_t size)
	{
		for (const auto &m : j["mappings"]) {
			if (m["end"].get<uint64_t>() - m["start"].get<uint64_t>() != size || m["buffer_id"].is_null())
				continue;
			for (const auto &b : j["buffers"])
				if (b["id"] == m["buffer_id"] && b["hidden"] == hidden)
					return &m;
		}
		return nullptr;
	}

	Child child_;
};

TEST_F(MapsTest, JsonShowsEveryMappingOfTheChild)
{
	start();
	json j = maps_json();
	EXPECT_EQ(j["pid"], child_.pid);
	EXPECT_EQ(j["mappings"].size(), 3u);
	ASSERT_EQ(j["devices"].size(), 1u);
	EXPECT_EQ(j["devices"][0]["bdf"], kBdf);
	/* Asked again: every request gets its own answer. */
	EXPECT_EQ(maps_json()["mappings"].size(), 3u);
	EXPECT_EQ(finish(), 0);
}

TEST_F(MapsTest, BarMappingGoesThroughAHiddenBufferAndLosesHugePages)
{
	start();
	json j = maps_json();
	const json *bar = mapping_of(j, true, 4u << 20);
	ASSERT_NE(bar, nullptr) << j.dump(1);
	const json &a = (*bar)["analysis"];
	EXPECT_EQ(a["bar"], 2);
	EXPECT_EQ(a["bar_offset"], 0);
	EXPECT_EQ(a["best"], "PTE");
	EXPECT_EQ(a["ideal_order"], 9);
	EXPECT_EQ(a["paddr"], 0x8000000000u);
	EXPECT_NE(a["advice"].get<std::string>().find("PMD"), std::string::npos);
}

TEST_F(MapsTest, DmabufMappingShowsItsBarRangeAndPmds)
{
	start();
	json j = maps_json();
	const json *buf = mapping_of(j, false, 2u << 20);
	ASSERT_NE(buf, nullptr) << j.dump(1);
	const json &a = (*buf)["analysis"];
	EXPECT_EQ(a["bar"], 2);
	EXPECT_EQ(a["bar_offset"], 2u << 20);
	EXPECT_EQ(a["status"], "OK");
	EXPECT_EQ(a["ideal_order"], 9);
	/* Where mmap put it decides; the advice must agree with the order. */
	EXPECT_EQ(a["advice"].get<std::string>().empty(), a["best_order"] == 9);
}

TEST_F(MapsTest, TextDrawsTheBarWithoutColourOffATerminal)
{
	start();
	auto o = run({SOFTVFIO_BINARY, "maps", std::to_string(child_.pid)});
	EXPECT_EQ(o.status, 0) << o.err;
	EXPECT_NE(o.out.find("BAR2 4 GiB"), std::string::npos) << o.out;
	EXPECT_NE(o.out.find("|A"), std::string::npos) << o.out;
	EXPECT_NE(o.out.find("advice:"), std::string::npos) << o.out;
	EXPECT_NE(o.out.find("hidden buffer"), std::string::npos) << o.out;
	EXPECT_NE(o.out.find("exported buffer"), std::string::npos) << o.out;
	EXPECT_EQ(o.out.find('\033'), std::string::npos);
}

TEST_F(MapsTest, ListWithoutPidNamesTheChild)
{
	start();
	auto o = run({SOFTVFIO_BINARY, "maps", "--json"});
	EXPECT_EQ(o.status, 0) << o.err;
	json j = json::parse(o.out, nullptr, false);
	ASSERT_TRUE(j.is_array()) << o.out;
	const json *entry = nullptr;
	for (const auto &p : j)
		if (p["pid"] == child_.pid)
			entry = &p;
	ASSERT_NE(entry, nullptr) << o.out;
	EXPECT_EQ((*entry)["mappings"], 3);
	EXPECT_NE((*entry)["program"].get<std::string>().find("maps_child"), std::string::npos) << o.out;
	EXPECT_EQ(finish(), 0);
}

/* A fork's child is a process of the session with its own copy of the
 * parent's mappings; the parent still answers for itself. */
TEST_F(MapsTest, AForkedChildAnswersForItself)
{
	start("forktick");
	std::string line = softvfio::test::read_line(child_.out);
	ASSERT_EQ(line.rfind("FORKED ", 0), 0u) << line;
	pid_t forked = std::stoi(line.substr(7));
	json j = maps_json(forked);
	EXPECT_EQ(j["pid"], forked);
	EXPECT_EQ(j["mappings"].size(), 3u) << "the child inherited the mappings";
	EXPECT_EQ(maps_json()["pid"], child_.pid);
	EXPECT_EQ(finish(), 0);
}

/* After exec the new image (cat) is in the session with no mapping. */
TEST_F(MapsTest, AfterExecTheNewImageHasNoMappings)
{
	start("exec");
	ASSERT_EQ(write(child_.in, "exec\nping\n", 10), 10);
	/* cat echoes: the exec happened, and cat is waiting for more. */
	EXPECT_EQ(softvfio::test::read_line(child_.out), "ping");
	EXPECT_EQ(maps_json()["mappings"].size(), 0u);
	EXPECT_EQ(finish(), 0);
}

} /* namespace */
