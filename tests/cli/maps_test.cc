/* SPDX-License-Identifier: MIT */
/*
 * `softvfio maps` on a running child under `softvfio run`: what it shows,
 * its JSON, its exit codes, that the shim's server leaves no trace
 * (socket file gone at exit, nothing inherited across exec), and that a
 * child started without --maps answers through its mailbox at its next
 * ioctl, with no thread of ours in it.
 */
#include <dirent.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <signal.h>
#include <sys/stat.h>
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
	/* mode: "" (wait in read), "exec" or "tick" (maps_child.c). */
	void start(std::string mode = "", std::vector<std::string> env = {})
	{
		std::vector<std::string> argv{SOFTVFIO_BINARY, "run"};
		if (maps_)
			argv.push_back("--maps");
		argv.insert(argv.end(), {"--", MAPS_CHILD, kBdf});
		if (!mode.empty())
			argv.push_back(mode);
		child_ = spawn(argv, env);
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

	json maps_json()
	{
		auto o = run({SOFTVFIO_BINARY, "maps", "--json", std::to_string(child_.pid)});
		EXPECT_EQ(o.status, 0) << o.err;
		json j = json::parse(o.out, nullptr, false);
		EXPECT_FALSE(j.is_discarded()) << o.out;
		return j;
	}

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
	bool maps_ = true;
};

TEST_F(MapsTest, JsonShowsEveryMappingOfTheChild)
{
	start();
	json j = maps_json();
	EXPECT_EQ(j["pid"], child_.pid);
	EXPECT_EQ(j["mappings"].size(), 3u);
	ASSERT_EQ(j["devices"].size(), 1u);
	EXPECT_EQ(j["devices"][0]["bdf"], kBdf);
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
	bool found = false;
	for (const auto &p : j)
		found |= p["pid"] == child_.pid;
	EXPECT_TRUE(found) << o.out;
}

TEST_F(MapsTest, SocketFileIsRemovedAtExit)
{
	start();
	std::string dir = "/proc/" + std::to_string(child_.pid);
	auto before = run({SOFTVFIO_BINARY, "maps", "--json"});
	ASSERT_NE(before.out.find(std::to_string(child_.pid)), std::string::npos);
	pid_t pid = child_.pid;
	ASSERT_EQ(finish(), 0);
	auto o = run({SOFTVFIO_BINARY, "maps", std::to_string(pid)});
	EXPECT_EQ(o.status, 1) << o.out << o.err;   /* no such process */
	const char *xdg = getenv("XDG_RUNTIME_DIR");
	std::string sock = (xdg && *xdg == '/' ? std::string(xdg) + "/softvfio" : "/tmp/softvfio-" + std::to_string(getuid())) +
			   "/" + std::to_string(pid) + ".sock";
	struct stat st;
	EXPECT_NE(stat(sock.c_str(), &st), 0) << sock;
}

/* After exec, the new image (cat, never touching a device) holds no socket. */
/* The child's fds whose link starts with `prefix`. */
int count_links(pid_t pid, const std::string &prefix)
{
	int n = 0;
	std::string dir = "/proc/" + std::to_string(pid) + "/fd";
	if (DIR *d = opendir(dir.c_str())) {
		while (dirent *e = readdir(d)) {
			char link[256];
			ssize_t len = readlinkat(dirfd(d), e->d_name, link, sizeof(link) - 1);
			if (len > 0 && std::string(link, static_cast<size_t>(len)).rfind(prefix, 0) == 0)
				n++;
		}
		closedir(d);
	}
	return n;
}

/* How many threads `pid` has. */
int count_threads(pid_t pid)
{
	int n = 0;
	if (DIR *d = opendir(("/proc/" + std::to_string(pid) + "/task").c_str())) {
		while (dirent *e = readdir(d))
			n += e->d_name[0] != '.';
		closedir(d);
	}
	return n;
}

/* After exec, the new image (cat, never touching a device) holds no socket
 * and no mailbox. */
TEST_F(MapsTest, NothingSurvivesExec)
{
	start("exec");
	EXPECT_GE(count_links(child_.pid, "socket:"), 1);   /* the server's listener at least */
	EXPECT_EQ(count_links(child_.pid, "/memfd:softvfio-maps"), 1);
	ASSERT_EQ(write(child_.in, "exec\nping\n", 10), 10);
	/* cat echoes: the exec happened, and cat is waiting for more. */
	EXPECT_EQ(softvfio::test::read_line(child_.out), "ping");
	EXPECT_EQ(count_links(child_.pid, "socket:"), 0);
	EXPECT_EQ(count_links(child_.pid, "/memfd:softvfio-maps"), 0);
	EXPECT_EQ(finish(), 0);
}

/* Without --maps: no thread and no socket, only the mailbox; a program in
 * a loop that makes ioctls answers at the next one. */
TEST_F(MapsTest, WithoutMapsFlagTheNextIoctlAnswers)
{
	maps_ = false;
	start("tick");
	EXPECT_EQ(count_threads(child_.pid), 1);
	EXPECT_EQ(count_links(child_.pid, "socket:"), 0);
	json j = maps_json();
	EXPECT_EQ(j["pid"], child_.pid);
	EXPECT_EQ(j["mappings"].size(), 3u);
	EXPECT_NE(mapping_of(j, true, 4u << 20), nullptr) << j.dump(1);
	/* Asked again: every request gets its own answer. */
	EXPECT_EQ(maps_json()["mappings"].size(), 3u);
	EXPECT_EQ(finish(), 0);
}

/* A forked child has a mailbox of its own and answers for its own copy of
 * the model; the parent still answers for itself. */
TEST_F(MapsTest, AForkedChildAnswersForItself)
{
	maps_ = false;
	start("forktick");
	std::string line = softvfio::test::read_line(child_.out);
	ASSERT_EQ(line.rfind("FORKED ", 0), 0u) << line;
	pid_t forked = std::stoi(line.substr(7));
	auto o = run({SOFTVFIO_BINARY, "maps", "--json", std::to_string(forked)});
	ASSERT_EQ(o.status, 0) << o.err;
	json j = json::parse(o.out, nullptr, false);
	EXPECT_EQ(j["pid"], forked);
	EXPECT_EQ(j["mappings"].size(), 3u) << "the child inherited the mappings";
	EXPECT_EQ(maps_json()["pid"], child_.pid);
	EXPECT_EQ(finish(), 0);
}

/* Without --maps, a program that makes no call (here: blocked in read)
 * does not answer within --wait, and the message says what would help. */
TEST_F(MapsTest, WithoutMapsFlagAnIdleProgramDoesNotAnswer)
{
	maps_ = false;
	start();
	auto o = run({SOFTVFIO_BINARY, "maps", "--wait", "0.2", std::to_string(child_.pid)});
	EXPECT_EQ(o.status, 4) << o.out << o.err;
	EXPECT_NE(o.err.find("--maps"), std::string::npos) << o.err;
	EXPECT_NE(o.err.find("ioctl or mmap"), std::string::npos) << o.err;
	/* The request stays pending and is answered once it makes a call:
	 * the child still exits normally. */
	EXPECT_EQ(finish(), 0);
}

/* The list names a program without --maps too, idle or not. */
TEST_F(MapsTest, ListNamesAnIdleProgramWithoutMapsFlag)
{
	maps_ = false;
	start();
	auto o = run({SOFTVFIO_BINARY, "maps", "--json", "--wait", "0.1"});
	EXPECT_EQ(o.status, 0) << o.err;
	json j = json::parse(o.out, nullptr, false);
	ASSERT_TRUE(j.is_array()) << o.out;
	const json *entry = nullptr;
	for (const auto &p : j)
		if (p["pid"] == child_.pid)
			entry = &p;
	ASSERT_NE(entry, nullptr) << o.out;
	EXPECT_EQ((*entry)["answered"], false);
	EXPECT_NE((*entry)["program"].get<std::string>().find("maps_child"), std::string::npos) << o.out;
	EXPECT_EQ(finish(), 0);
}

TEST(MapsExit, ProcessWithoutModelIs4)
{
	auto o = run({SOFTVFIO_BINARY, "maps", std::to_string(getpid())});
	EXPECT_EQ(o.status, 4) << o.err;
	EXPECT_NE(o.err.find("does not answer"), std::string::npos) << o.err;
}

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
