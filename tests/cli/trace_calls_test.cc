/* SPDX-License-Identifier: MIT */
/*
 * The trace's call names, strace's -e trace= expressions over them, and
 * the -c table (src/shim/trace_calls.h), on their own.
 */
#include <gtest/gtest.h>

#include <fcntl.h>
#include <set>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>
#include <string>

#include "shim/trace_calls.h"
#include "shim/trace_decode.h"

using softvfio::shim::format_summary_json;
using softvfio::shim::format_summary_text;
using softvfio::shim::trace_call_names;
using softvfio::shim::trace_expr_calls;
using softvfio::shim::trace_stat_record;
using softvfio::shim::trace_stats_from_records;
using softvfio::shim::TraceStat;

namespace {

using Calls = std::set<std::string>;

Calls calls_of(const std::string &expr)
{
	Calls calls;
	std::string error;
	EXPECT_TRUE(trace_expr_calls(expr, calls, error)) << expr << ": " << error;
	return calls;
}

std::string error_of(const std::string &expr)
{
	Calls calls;
	std::string error;
	EXPECT_FALSE(trace_expr_calls(expr, calls, error)) << expr;
	return error;
}

TEST(TraceCalls, NamesAndTheBareForm)
{
	EXPECT_EQ(calls_of("trace=ioctl,mmap"), (Calls{"ioctl", "mmap"}));
	EXPECT_EQ(calls_of("ioctl,mmap"), (Calls{"ioctl", "mmap"}));
	EXPECT_EQ(calls_of("t=close"), (Calls{"close"}));
}

TEST(TraceCalls, AliasesAreTheCallsShown)
{
	EXPECT_EQ(calls_of("open,creat"), (Calls{"openat"}));
	EXPECT_EQ(calls_of("stat,lstat,fstatat"), (Calls{"newfstatat"}));
	EXPECT_EQ(calls_of("faccessat,pread,pwrite,scandirat"), (Calls{"faccessat2", "pread64", "pwrite64", "scandir"}));
}

TEST(TraceCalls, Classes)
{
	EXPECT_EQ(calls_of("%memory"), (Calls{"mmap", "munmap"}));
	EXPECT_EQ(calls_of("%stat"), (Calls{"newfstatat", "statx"}));
	EXPECT_EQ(calls_of("%file"), (Calls{"openat", "newfstatat", "statx", "access", "faccessat2", "readlink", "readlinkat",
					    "opendir", "scandir"}));
	EXPECT_EQ(calls_of("%desc"), (Calls{"openat", "close", "ioctl", "read", "write", "pread64", "pwrite64", "mmap"}));
}

TEST(TraceCalls, AllNoneAndNegation)
{
	Calls all(trace_call_names().begin(), trace_call_names().end());
	EXPECT_EQ(calls_of("all"), all);
	EXPECT_EQ(calls_of("none"), Calls{});
	EXPECT_EQ(calls_of("!none"), all);
	Calls but = all;
	but.erase("ioctl");
	but.erase("mmap");
	but.erase("munmap");
	EXPECT_EQ(calls_of("!ioctl,%memory"), but);
}

TEST(TraceCalls, ExpressionsAddUp)
{
	Calls calls;
	std::string error;
	ASSERT_TRUE(trace_expr_calls("ioctl", calls, error));
	ASSERT_TRUE(trace_expr_calls("trace=close", calls, error));
	EXPECT_EQ(calls, (Calls{"ioctl", "close"}));
}

TEST(TraceCalls, WhatStraceRefuses)
{
	EXPECT_EQ(error_of("trace=ioctl,bogus"), "invalid system call 'bogus'");
	EXPECT_EQ(error_of("trace="), "invalid system call ''");
	EXPECT_EQ(error_of("ioctl,"), "invalid system call ''");
	EXPECT_EQ(error_of("%net"), "invalid system call '%net'");
	EXPECT_EQ(error_of("signal=SIGBUS"), "invalid -e qualifier 'signal' (trace= and fd= are supported)");
}

TEST(TraceCalls, FdExpressions)
{
	using softvfio::shim::trace_expr_fds;
	using softvfio::shim::trace_expr_is_fds;
	EXPECT_TRUE(trace_expr_is_fds("fd=3"));
	EXPECT_TRUE(trace_expr_is_fds("trace-fds=device"));
	EXPECT_FALSE(trace_expr_is_fds("trace=ioctl"));
	Calls fds;
	std::string error;
	ASSERT_TRUE(trace_expr_fds("fd=container,007,device", fds, error)) << error;
	ASSERT_TRUE(trace_expr_fds("trace-fds=dma-buf", fds, error)) << error;
	EXPECT_EQ(fds, (Calls{"container", "7", "device", "dma-buf"}));
	EXPECT_FALSE(trace_expr_fds("fd=socket", fds, error));
	EXPECT_EQ(error, "invalid file descriptor 'socket' (a number, or container, group, device, iommufd, dma-buf, eventfd)");
	EXPECT_FALSE(trace_expr_fds("fd=-1", fds, error));
	EXPECT_FALSE(trace_expr_fds("fd=", fds, error));
}

TEST(TraceSummary, RecordsAddUpByName)
{
	std::string records = trace_stat_record("ioctl(VFIO_IOMMU_MAP_DMA)", false, 3000) +
			      trace_stat_record("ioctl(VFIO_IOMMU_MAP_DMA)", true, 1000) + trace_stat_record("openat", false, 500) +
			      "openat\t0";   /* cut short: a process killed mid-write */
	auto stats = trace_stats_from_records(records);
	ASSERT_EQ(stats.size(), 2u);
	for (const TraceStat &s : stats) {
		if (s.name == "openat") {
			EXPECT_EQ(s.calls, 1u);
			EXPECT_EQ(s.ns, 500);
		} else {
			EXPECT_EQ(s.name, "ioctl(VFIO_IOMMU_MAP_DMA)");
			EXPECT_EQ(s.calls, 2u);
			EXPECT_EQ(s.errors, 1u);
			EXPECT_EQ(s.ns, 4000);
		}
	}
}

TEST(TraceSummary, TheTableAsStraceWritesIt)
{
	std::vector<TraceStat> stats = {{"openat", 1, 0, 1000000}, {"ioctl(VFIO_IOMMU_MAP_DMA)", 4, 1, 3000000}};
	EXPECT_EQ(format_summary_text(stats),
		  "% time     seconds  usecs/call     calls    errors call\n"
		  "------ ----------- ----------- --------- --------- ----------------\n"
		  " 75.00    0.003000         750         4         1 ioctl(VFIO_IOMMU_MAP_DMA)\n"
		  " 25.00    0.001000        1000         1           openat\n"
		  "------ ----------- ----------- --------- --------- ----------------\n"
		  "100.00    0.004000         800         5         1 total\n");
}

TEST(TraceSummary, AnEmptyTable)
{
	EXPECT_EQ(format_summary_text({}),
		  "% time     seconds  usecs/call     calls    errors call\n"
		  "------ ----------- ----------- --------- --------- ----------------\n"
		  "------ ----------- ----------- --------- --------- ----------------\n"
		  "100.00    0.000000           0         0           total\n");
}

TEST(TraceSummary, TheTableInJson)
{
	auto j = format_summary_json({{"openat", 2, 1, 1500000}});
	ASSERT_EQ(j["summary"].size(), 1u);
	EXPECT_EQ(j["summary"][0]["call"], "openat");
	EXPECT_EQ(j["summary"][0]["calls"], 2);
	EXPECT_EQ(j["summary"][0]["errors"], 1);
	EXPECT_DOUBLE_EQ(j["summary"][0]["seconds"].get<double>(), 0.0015);
	EXPECT_EQ(j["summary"][0]["usecs_per_call"], 750);
	EXPECT_EQ(j["total"]["calls"], 2);
}

/* The path calls' arguments, as strace abbreviates them. */
TEST(TracePathArgs, StatShowsTypeModeAndDeviceOrSize)
{
	struct stat st {};
	st.st_mode = S_IFCHR | 0666;
	st.st_rdev = makedev(10, 196);
	EXPECT_EQ(softvfio::shim::stat_arg("statbuf", st).text, "{st_mode=S_IFCHR|0666, st_rdev=makedev(0xa, 0xc4), ...}");
	st.st_mode = S_IFDIR | 0755;
	st.st_size = 0;
	auto dir = softvfio::shim::stat_arg("statbuf", st);
	EXPECT_EQ(dir.text, "{st_mode=S_IFDIR|0755, st_size=0, ...}");
	EXPECT_EQ(dir.json["st_mode"], "S_IFDIR|0755");
}

TEST(TracePathArgs, FlagsModesAndDirfds)
{
	using namespace softvfio::shim;
	EXPECT_EQ(at_flags_arg("flags", 0).text, "0");
	EXPECT_EQ(at_flags_arg("flags", AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH).text, "AT_SYMLINK_NOFOLLOW|AT_EMPTY_PATH");
	EXPECT_EQ(access_mode_arg("mode", F_OK).text, "F_OK");
	EXPECT_EQ(access_mode_arg("mode", R_OK | W_OK).text, "R_OK|W_OK");
	EXPECT_EQ(statx_mask_arg("mask", STATX_BASIC_STATS | STATX_BTIME).text, "STATX_BASIC_STATS|STATX_BTIME");
	EXPECT_EQ(dirfd_arg("dirfd", AT_FDCWD, "").text, "AT_FDCWD");
	EXPECT_EQ(dirfd_arg("dirfd", 5, "/sys/bus/pci/devices").text, "5</sys/bus/pci/devices>");
	EXPECT_EQ(path_arg("path", nullptr).text, "NULL");
	EXPECT_EQ(path_arg("path", "/dev/vfio").text, "\"/dev/vfio\"");
}

} /* namespace */
