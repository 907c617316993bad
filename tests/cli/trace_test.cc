/* SPDX-License-Identifier: MIT */
/* `softvfio trace`: a C program's uAPI calls, decoded, as text and JSON. */
#include <cstdio>
#include <fstream>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>
#include <ctime>
#include <unistd.h>

#include "spawn.h"

using softvfio::test::run;

namespace {

constexpr const char *kBdf = "5f00:00:01.0";

class TraceTest : public ::testing::Test
{
protected:
	void SetUp() override
	{
		char name[] = "/tmp/softvfio-trace-XXXXXX";
		int fd = mkstemp(name);
		ASSERT_GE(fd, 0);
		close(fd);
		file_ = name;
	}
	void TearDown() override { unlink(file_.c_str()); }

	std::string trace(std::vector<std::string> extra = {})
	{
		std::vector<std::string> argv{SOFTVFIO_BINARY, "trace", "-o", file_};
		argv.insert(argv.end(), extra.begin(), extra.end());
		argv.insert(argv.end(), {"--", TRACE_PROG, kBdf});
		auto o = run(argv);
		EXPECT_EQ(o.status, 0) << o.err;
		std::ifstream in(file_);
		std::stringstream ss;
		ss << in.rdbuf();
		return ss.str();
	}

	std::string file_;
};

bool has(const std::string &text, const std::string &what) { return text.find(what) != std::string::npos; }

TEST_F(TraceTest, OpensAreShownWithFlagsAndFds)
{
	std::string t = trace();
	EXPECT_TRUE(has(t, "openat(AT_FDCWD, \"/dev/vfio/vfio\", O_RDWR|O_CLOEXEC) = ")) << t;
}

TEST_F(TraceTest, RegionInfoIsDecoded)
{
	std::string t = trace();
	EXPECT_TRUE(has(t, "VFIO_DEVICE_GET_REGION_INFO, {argsz=32, flags=VFIO_REGION_INFO_FLAG_READ|"
			   "VFIO_REGION_INFO_FLAG_WRITE|VFIO_REGION_INFO_FLAG_MMAP")) << t;
	EXPECT_TRUE(has(t, "index=BAR2, cap_offset=")) << t;
	EXPECT_TRUE(has(t, "size=0x100000000, offset=0x20000000000}) = 0")) << t;
}

TEST_F(TraceTest, ErrorsShowTheErrnoName)
{
	std::string t = trace();
	EXPECT_TRUE(has(t, "index=99, cap_offset=0, size=0, offset=0}) = -1 EINVAL (Invalid argument)")) << t;
}

TEST_F(TraceTest, SetupIoctlsAreNamed)
{
	std::string t = trace();
	EXPECT_TRUE(has(t, "VFIO_GROUP_SET_CONTAINER, [")) << t;
	EXPECT_TRUE(has(t, "VFIO_SET_IOMMU, VFIO_TYPE1v2_IOMMU) = 0")) << t;
	EXPECT_TRUE(has(t, "VFIO_GROUP_GET_DEVICE_FD, \"5f00:00:01.0\") = ")) << t;
}

/* 0x3b70 and 0x3b71 are also device commands (GET_PCI_HOT_RESET_INFO,
 * PCI_HOT_RESET): on a container they are the IOMMU's. */
TEST_F(TraceTest, ContainerCommandsAreNamedAsTheContainers)
{
	std::string t = trace();
	EXPECT_TRUE(has(t, "</dev/vfio/vfio>, VFIO_IOMMU_GET_INFO, {argsz=")) << t;
	EXPECT_TRUE(has(t, "flags=VFIO_IOMMU_INFO_PGSIZES")) << t;
	EXPECT_TRUE(has(t, "</dev/vfio/vfio>, VFIO_IOMMU_MAP_DMA, {argsz=32, flags=VFIO_DMA_MAP_FLAG_READ|"
			   "VFIO_DMA_MAP_FLAG_WRITE, vaddr=0x")) << t;
	EXPECT_TRUE(has(t, "iova=0x100000, size=0x10000}) = 0")) << t;
	EXPECT_TRUE(has(t, "</dev/vfio/vfio>, VFIO_IOMMU_UNMAP_DMA, {argsz=24, flags=0, iova=0x100000, size=0x10000}) = 0"))
		<< t;
	EXPECT_FALSE(has(t, "HOT_RESET")) << t;
}

TEST_F(TraceTest, ContainerCommandsAreNamedAsTheContainersInJson)
{
	std::string t = trace({"--json"});
	std::istringstream in(t);
	std::string line;
	int info = 0, map = 0;
	while (std::getline(in, line)) {
		auto j = nlohmann::json::parse(line, nullptr, false);
		ASSERT_FALSE(j.is_discarded()) << line;
		if (j["call"] != "ioctl")
			continue;
		EXPECT_EQ(j["args"]["request"].get<std::string>().find("HOT_RESET"), std::string::npos) << line;
		if (j["args"]["request"] == "VFIO_IOMMU_GET_INFO") {
			info++;
			EXPECT_EQ(j["args"]["fd"]["kind"], "container") << line;
			/* After the call: the kernel asks for room for its capabilities. */
			EXPECT_GE(j["args"]["arg"]["argsz"].get<int>(), 24) << line;
			EXPECT_EQ(j["args"]["arg"]["flags"], "VFIO_IOMMU_INFO_PGSIZES|VFIO_IOMMU_INFO_CAPS") << line;
		}
		if (j["args"]["request"] == "VFIO_IOMMU_MAP_DMA") {
			map++;
			EXPECT_EQ(j["args"]["fd"]["kind"], "container") << line;
			EXPECT_EQ(j["args"]["arg"]["iova"], 0x100000) << line;
			EXPECT_EQ(j["args"]["arg"]["size"], 0x10000) << line;
			EXPECT_EQ(j["args"]["arg"]["flags"], "VFIO_DMA_MAP_FLAG_READ|VFIO_DMA_MAP_FLAG_WRITE") << line;
			EXPECT_EQ(j["result"], 0) << line;
		}
	}
	EXPECT_EQ(info, 1) << t;
	EXPECT_EQ(map, 1) << t;
}

TEST_F(TraceTest, DmabufExportShowsItsRanges)
{
	std::string t = trace();
	EXPECT_TRUE(has(t, "VFIO_DEVICE_FEATURE, {argsz=40, flags=VFIO_DEVICE_FEATURE_GET|VFIO_DEVICE_FEATURE_DMA_BUF, "
			   "region_index=BAR2, open_flags=O_RDWR|O_CLOEXEC, flags=0, nr_ranges=1, "
			   "dma_ranges=[{offset=0, length=0x200000}]})")) << t;
}

TEST_F(TraceTest, ConfigReadShowsRegionAndValue)
{
	std::string t = trace();
	/* The nic preset's vendor ID. */
	EXPECT_TRUE(has(t, "pread64(")) << t;
	EXPECT_TRUE(has(t, "[0x5356], 2, 0x70000000000 /* CONFIG+0 */) = 2")) << t;
}

TEST_F(TraceTest, MmapAndMunmapOfTheBuffer)
{
	std::string t = trace();
	EXPECT_TRUE(has(t, "mmap(NULL, 2097152, PROT_READ|PROT_WRITE, MAP_SHARED, ")) << t;
	EXPECT_TRUE(has(t, "munmap(0x")) << t;
	EXPECT_TRUE(has(t, "close(")) << t;
}

TEST_F(TraceTest, JsonIsOneObjectPerCall)
{
	std::string t = trace({"--json"});
	std::istringstream in(t);
	std::string line;
	int lines = 0, einval = 0;
	while (std::getline(in, line)) {
		auto j = nlohmann::json::parse(line, nullptr, false);
		ASSERT_FALSE(j.is_discarded()) << line;
		ASSERT_TRUE(j.contains("call") && j.contains("args") && j.contains("result") && j.contains("pid")) << line;
		if (j.value("errno", "") == "EINVAL") {
			einval++;
			EXPECT_EQ(j["args"]["arg"]["index"], 99) << line;
		}
		lines++;
	}
	EXPECT_GT(lines, 10);
	EXPECT_EQ(einval, 1);
}

/* strace's -tt (time of day, microseconds) and -T (time in the call). */
TEST_F(TraceTest, TimeOfDayAndDurations)
{
	std::string t = trace({"-tt", "-T"});
	std::istringstream in(t);
	std::string line;
	std::regex shape(R"(^\d\d:\d\d:\d\d\.\d{6} [a-z0-9]+\(.*\) = .* <\d+\.\d{6}>$)");
	int lines = 0;
	while (std::getline(in, line)) {
		EXPECT_TRUE(std::regex_match(line, shape)) << line;
		lines++;
	}
	EXPECT_GT(lines, 10);
	EXPECT_TRUE(has(t, " VFIO_IOMMU_MAP_DMA, ")) << t;
}

TEST_F(TraceTest, EpochTimestampsAndDurationsInJson)
{
	std::string t = trace({"--json", "-ttt", "-T"});
	std::istringstream in(t);
	std::string line;
	double now = static_cast<double>(time(nullptr));
	while (std::getline(in, line)) {
		auto j = nlohmann::json::parse(line, nullptr, false);
		ASSERT_FALSE(j.is_discarded()) << line;
		ASSERT_TRUE(j.contains("time") && j.contains("duration")) << line;
		EXPECT_NEAR(j["time"].get<double>(), now, 120) << line;
		EXPECT_GE(j["duration"].get<double>(), 0) << line;
		EXPECT_LT(j["duration"].get<double>(), 60) << line;
	}
}

TEST_F(TraceTest, NoTimesUnlessAsked)
{
	std::string t = trace();
	/* The first call (the group's link in sysfs) starts the first line. */
	EXPECT_TRUE(t.rfind("readlink(", 0) == 0) << t;
	EXPECT_FALSE(has(t, "> <")) << t;
	std::string j = trace({"--json"});
	EXPECT_FALSE(has(j, "\"duration\"")) << j;
	EXPECT_FALSE(has(j, "\"time\"")) << j;
}

TEST(TraceCli, DefaultsToStderr)
{
	auto o = run({SOFTVFIO_BINARY, "trace", "--", TRACE_PROG, kBdf});
	EXPECT_EQ(o.status, 0);
	EXPECT_TRUE(has(o.err, "VFIO_DEVICE_GET_REGION_INFO")) << o.err;
	EXPECT_EQ(o.out, "");
}

TEST(TraceCli, ExitStatusIsTheProgramsOwn)
{
	auto o = run({SOFTVFIO_BINARY, "trace", "--", "/bin/sh", "-c", "exit 3"});
	EXPECT_EQ(o.status, 3);
}

TEST(TraceCli, NoProgramIsUsage)
{
	auto o = run({SOFTVFIO_BINARY, "trace"});
	EXPECT_EQ(o.status, 2);
}

TEST(TraceCli, ProgramNotFoundIs127)
{
	auto o = run({SOFTVFIO_BINARY, "trace", "--", "/nonexistent/program"});
	EXPECT_EQ(o.status, 127);
}

} /* namespace */
