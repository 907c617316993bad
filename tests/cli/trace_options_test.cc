/* SPDX-License-Identifier: MIT */
/*
 * `softvfio trace`'s strace options: -e trace= (names, aliases, classes,
 * negation, refusals), -c and -C (the summary table, in text and JSON,
 * over every process of the program), -f (accepted), and the path calls
 * the shim answers (shown) next to those it does not (not shown).
 */
#include <dirent.h>
#include <fstream>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <sys/stat.h>
#include <unistd.h>

#include "spawn.h"

using softvfio::test::Outcome;
using softvfio::test::run;

namespace {

constexpr const char *kBdf = "5f00:00:01.0";

bool has(const std::string &text, const std::string &what) { return text.find(what) != std::string::npos; }

std::vector<std::string> lines_of(const std::string &text)
{
	std::vector<std::string> out;
	std::istringstream in(text);
	std::string line;
	while (std::getline(in, line))
		out.push_back(line);
	return out;
}

/* The call a trace line is of: "ioctl" of "ioctl(4</dev/vfio/vfio>, ...". */
std::string call_of(const std::string &line) { return line.substr(0, line.find('(')); }

class TraceOptions : public ::testing::Test
{
protected:
	void SetUp() override
	{
		char dir[] = "/tmp/softvfio-trace-opt-XXXXXX";
		ASSERT_NE(mkdtemp(dir), nullptr);
		dir_ = dir;
		file_ = dir_ + "/trace";
	}
	void TearDown() override
	{
		unlink(file_.c_str());
		rmdir(dir_.c_str());
	}

	/* The trace of `command` (TRACE_PROG by default) with `options`;
	 * TMPDIR is this test's directory, so the summary's records show. */
	std::string trace(std::vector<std::string> options, std::vector<std::string> command = {TRACE_PROG, kBdf},
			  int status = 0)
	{
		std::vector<std::string> argv{SOFTVFIO_BINARY, "trace", "-o", file_};
		argv.insert(argv.end(), options.begin(), options.end());
		argv.push_back("--");
		argv.insert(argv.end(), command.begin(), command.end());
		outcome_ = run(argv, {"TMPDIR=" + dir_});
		EXPECT_EQ(outcome_.status, status) << outcome_.err;
		std::ifstream in(file_);
		std::stringstream ss;
		ss << in.rdbuf();
		return ss.str();
	}

	/* Files left in the test's directory besides the trace. */
	std::set<std::string> leftovers() const
	{
		std::set<std::string> names;
		if (DIR *d = opendir(dir_.c_str())) {
			while (dirent *e = readdir(d))
				if (e->d_name[0] != '.' && std::string(e->d_name) != "trace")
					names.insert(e->d_name);
			closedir(d);
		}
		return names;
	}

	std::string dir_, file_;
	Outcome outcome_;
};

TEST_F(TraceOptions, FilterShowsOnlyTheNamedCalls)
{
	auto lines = lines_of(trace({"-e", "trace=ioctl"}));
	ASSERT_GT(lines.size(), 5u);
	for (const auto &l : lines)
		EXPECT_EQ(call_of(l), "ioctl") << l;
}

TEST_F(TraceOptions, FilterTakesSeveralNamesAndBareSets)
{
	/* strace's -e SET is -e trace=SET; repeated -e add up. */
	std::set<std::string> calls;
	for (const auto &l : lines_of(trace({"-e", "mmap,munmap", "-e", "trace=close"})))
		calls.insert(call_of(l));
	EXPECT_EQ(calls, (std::set<std::string>{"mmap", "munmap", "close"}));
}

TEST_F(TraceOptions, OpenIsAnAliasOfOpenat)
{
	auto lines = lines_of(trace({"-e", "trace=open"}));
	ASSERT_FALSE(lines.empty());
	for (const auto &l : lines)
		EXPECT_EQ(call_of(l), "openat") << l;
}

TEST_F(TraceOptions, FileClassIsThePathCalls)
{
	std::set<std::string> calls;
	for (const auto &l : lines_of(trace({"-e", "trace=%file"})))
		calls.insert(call_of(l));
	/* trace_prog: readlink of the group, the opens of the nodes. */
	EXPECT_EQ(calls, (std::set<std::string>{"readlink", "openat"}));
}

TEST_F(TraceOptions, NegationTracesEverythingElse)
{
	auto lines = lines_of(trace({"-e", "trace=!ioctl,read,pread64"}));
	ASSERT_GT(lines.size(), 3u);
	for (const auto &l : lines) {
		EXPECT_NE(call_of(l), "ioctl") << l;
		EXPECT_NE(call_of(l), "pread64") << l;
	}
}

TEST_F(TraceOptions, NoneShowsNothing)
{
	EXPECT_EQ(trace({"-e", "trace=none"}), "");
}

TEST_F(TraceOptions, AnUnknownCallIsUsage)
{
	auto o = run({SOFTVFIO_BINARY, "trace", "-e", "trace=ioctl,bogus", "--", "/bin/true"});
	EXPECT_EQ(o.status, 2);
	EXPECT_TRUE(has(o.err, "softvfio trace: invalid system call 'bogus'")) << o.err;
	EXPECT_TRUE(has(o.err, "traced calls: openat,close,ioctl,")) << o.err;
}

TEST_F(TraceOptions, AnUnknownQualifierIsUsage)
{
	auto o = run({SOFTVFIO_BINARY, "trace", "-e", "signal=SIGBUS", "--", "/bin/true"});
	EXPECT_EQ(o.status, 2);
	EXPECT_TRUE(has(o.err, "invalid -e qualifier 'signal'")) << o.err;
}

/* -e fd=KIND: the calls on fds of that kind, by their links. */
TEST_F(TraceOptions, FdFilterByKind)
{
	auto lines = lines_of(trace({"-e", "fd=container"}));
	ASSERT_GT(lines.size(), 3u);
	for (const auto &l : lines)
		EXPECT_TRUE(std::regex_search(l, std::regex(R"(^(ioctl|close)\(\d+(</dev/vfio/vfio>)?[,)])"))) << l;
	std::string t;
	for (const auto &l : lines)
		t += l + "\n";
	EXPECT_TRUE(has(t, "VFIO_IOMMU_MAP_DMA")) << t;
	EXPECT_FALSE(has(t, "VFIO_DEVICE_")) << t;
}

TEST_F(TraceOptions, FdFilterAndCallFilterTogether)
{
	auto lines = lines_of(trace({"-e", "trace-fds=device", "-e", "trace=pread64"}));
	ASSERT_EQ(lines.size(), 1u);
	EXPECT_EQ(lines[0].rfind("pread64(", 0), 0u) << lines[0];
}

TEST_F(TraceOptions, AnUnknownFdKindIsUsage)
{
	auto o = run({SOFTVFIO_BINARY, "trace", "-e", "fd=socket", "--", "/bin/true"});
	EXPECT_EQ(o.status, 2);
	EXPECT_TRUE(has(o.err, "softvfio trace: invalid file descriptor 'socket'")) << o.err;
}

TEST_F(TraceOptions, FollowForksIsAccepted)
{
	std::string t = trace({"-f"});
	EXPECT_TRUE(has(t, "VFIO_IOMMU_MAP_DMA")) << t;
}

/* One summary row: "% time, seconds, usecs/call, calls, errors, name". */
struct Row {
	unsigned long calls = 0;
	unsigned long errors = 0;
	bool found = false;
};

Row row_of(const std::string &table, const std::string &name)
{
	std::regex re(R"(^ *\d+\.\d\d +\d+\.\d{6} +\d+ +(\d+) +(\d*) )" + std::regex_replace(name, std::regex(R"([()])"), R"(\$&)") + "$");
	for (const auto &l : lines_of(table)) {
		std::smatch m;
		if (std::regex_match(l, m, re))
			return {std::stoul(m[1]), m[2].length() ? std::stoul(m[2]) : 0, true};
	}
	return {};
}

TEST_F(TraceOptions, SummaryOnlyIsTheTable)
{
	std::string t = trace({"-c"});
	auto lines = lines_of(t);
	ASSERT_GT(lines.size(), 4u) << t;
	EXPECT_EQ(lines[0], "% time     seconds  usecs/call     calls    errors call") << t;
	EXPECT_EQ(lines[1], "------ ----------- ----------- --------- --------- ----------------") << t;
	/* Ioctls by request; the refused region (index 99) is the error. */
	Row region = row_of(t, "ioctl(VFIO_DEVICE_GET_REGION_INFO)");
	EXPECT_TRUE(region.found) << t;
	EXPECT_EQ(region.calls, 3u) << t;
	EXPECT_EQ(region.errors, 1u) << t;
	EXPECT_EQ(row_of(t, "ioctl(VFIO_IOMMU_MAP_DMA)").calls, 1u) << t;
	EXPECT_TRUE(row_of(t, "openat").found) << t;
	Row total = row_of(t, "total");
	EXPECT_TRUE(total.found) << t;
	EXPECT_EQ(total.errors, 1u) << t;
	EXPECT_TRUE(has(lines.back(), "total")) << t;
	/* No lines of calls. */
	EXPECT_FALSE(has(t, ") = ")) << t;
	/* The records are gone with the table written. */
	EXPECT_TRUE(leftovers().empty());
}

TEST_F(TraceOptions, SummaryCountsOnlyTheFilteredCalls)
{
	std::string t = trace({"-c", "-e", "trace=mmap,munmap"});
	EXPECT_EQ(row_of(t, "mmap").calls, 1u) << t;
	EXPECT_EQ(row_of(t, "munmap").calls, 1u) << t;
	EXPECT_EQ(row_of(t, "total").calls, 2u) << t;
}

TEST_F(TraceOptions, SummaryWithTheLines)
{
	std::string t = trace({"-C"});
	EXPECT_TRUE(has(t, "VFIO_IOMMU_MAP_DMA, {argsz=32")) << t;
	EXPECT_TRUE(has(t, "% time     seconds  usecs/call     calls    errors call\n")) << t;
	EXPECT_TRUE(row_of(t, "ioctl(VFIO_IOMMU_MAP_DMA)").found) << t;
}

TEST_F(TraceOptions, SummaryInJson)
{
	std::string t = trace({"-c", "--json"});
	auto j = nlohmann::json::parse(t, nullptr, false);
	ASSERT_FALSE(j.is_discarded()) << t;
	bool region = false;
	for (const auto &r : j["summary"])
		if (r["call"] == "ioctl(VFIO_DEVICE_GET_REGION_INFO)") {
			region = true;
			EXPECT_EQ(r["calls"], 3) << r;
			EXPECT_EQ(r["errors"], 1) << r;
		}
	EXPECT_TRUE(region) << t;
	EXPECT_EQ(j["total"]["call"], "total");
}

/* Every process of the program adds up in the one table: a shell runs
 * the program twice. */
TEST_F(TraceOptions, SummaryAddsUpEveryProcess)
{
	std::string prog = std::string(TRACE_PROG) + " " + kBdf;
	std::string t = trace({"-c"}, {"/bin/sh", "-c", prog + " && " + prog});
	EXPECT_EQ(row_of(t, "ioctl(VFIO_IOMMU_MAP_DMA)").calls, 2u) << t;
	EXPECT_EQ(row_of(t, "ioctl(VFIO_DEVICE_GET_REGION_INFO)").errors, 2u) << t;
}

TEST_F(TraceOptions, SummaryOfAProgramThatNeverStartedLeavesNothing)
{
	trace({"-c"}, {"/nonexistent/program"}, 127);
	EXPECT_TRUE(leftovers().empty());
}

/* Path calls the shim answers are shown with their result; the C
 * library's own are not. */
TEST_F(TraceOptions, PathCallsOnEmulatedPaths)
{
	std::string t = trace({}, {"/bin/sh", "-c", "test -e /dev/vfio/99; test -e /dev/vfio/vfio; test -e /etc/hostname; "
						 "cat /sys/bus/pci/devices/5f00:00:01.0/vendor > /dev/null"});
	EXPECT_TRUE(has(t, "newfstatat(AT_FDCWD, \"/dev/vfio/99\", 0x")) << t;
	EXPECT_TRUE(has(t, ", 0) = -1 ENOENT (No such file or directory)\n")) << t;
	EXPECT_TRUE(std::regex_search(t, std::regex(R"(newfstatat\(AT_FDCWD, "/dev/vfio/vfio", \{st_mode=S_IFCHR\|0666, st_rdev=makedev\(0xa, 0x[0-9a-f]+\), \.\.\.\}, 0\) = 0)")))
		<< t;
	EXPECT_TRUE(std::regex_search(t, std::regex(R"(openat\(AT_FDCWD, "/sys/bus/pci/devices/5f00:00:01.0/vendor", O_RDONLY\) = \d+)")))
		<< t;
	EXPECT_FALSE(has(t, "/etc/hostname")) << t;
}

TEST_F(TraceOptions, ReadlinkOfTheIommuGroup)
{
	std::string t = trace({"-e", "trace=readlink"});
	EXPECT_TRUE(std::regex_search(
		t, std::regex(R"(^readlink\("/sys/bus/pci/devices/5f00:00:01.0/iommu_group", "[./]*kernel/iommu_groups/\d+", 255\) = \d+$)",
			      std::regex::multiline)))
		<< t;
}

TEST_F(TraceOptions, DirectoryListings)
{
	std::string t = trace({"-e", "trace=opendir,scandir"}, {"/bin/ls", "/dev/vfio", "/sys/bus/pci/devices/5f00:00:01.0/vfio-dev"});
	EXPECT_TRUE(std::regex_search(t, std::regex(R"(opendir\("/dev/vfio"\) = 0x[0-9a-f]+)"))) << t;
	EXPECT_TRUE(has(t, "opendir(\"/sys/bus/pci/devices/5f00:00:01.0/vfio-dev\") = 0x")) << t;
}

} /* namespace */
