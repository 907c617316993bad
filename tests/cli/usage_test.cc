/* SPDX-License-Identifier: MIT */
/*
 * The command line's paper cuts from issue 16, each as the user met it:
 * usage errors said in words, the --no-color spelling, the program in run's
 * usage line, exit statuses that match softvfio(1), and what info shows.
 */
#include <cstdio>
#include <fstream>
#include <string>
#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "spawn.h"

using softvfio::test::run;

namespace {

bool has(const std::string &text, const std::string &part) { return text.find(part) != std::string::npos; }

/* A file in the test's temporary directory, removed with the object. */
struct TempFile {
	std::string path;
	TempFile(const std::string &name, const std::string &text, mode_t mode)
	{
		const char *dir = std::getenv("TMPDIR");
		path = std::string(dir && *dir ? dir : "/tmp") + "/" + name + "." + std::to_string(getpid());
		std::ofstream(path) << text;
		::chmod(path.c_str(), mode);
	}
	~TempFile() { std::remove(path.c_str()); }
};

TEST(CliUsage, UnknownCommandIsNamedWithTheKnownOnes)
{
	auto o = run({SOFTVFIO_BINARY, "bogus"});
	EXPECT_EQ(o.status, 2);
	EXPECT_TRUE(has(o.err, "'bogus' is not a softvfio command")) << o.err;
	EXPECT_TRUE(has(o.err, "info, demo, presets, run, serve, maps, trace")) << o.err;
	EXPECT_FALSE(has(o.err, "A subcommand is required")) << o.err;
	EXPECT_FALSE(has(o.err, "complete")) << o.err;
}

TEST(CliUsage, NoCommandSaysOneIsRequired)
{
	auto o = run({SOFTVFIO_BINARY});
	EXPECT_EQ(o.status, 2);
	EXPECT_TRUE(has(o.err, "a command is required (commands: info,")) << o.err;
}

TEST(CliUsage, UnknownOptionBeforeACommandIsNamed)
{
	auto o = run({SOFTVFIO_BINARY, "--bogus"});
	EXPECT_EQ(o.status, 2);
	EXPECT_TRUE(has(o.err, "unknown option '--bogus'; a command is required")) << o.err;
}

TEST(CliUsage, OptionWithoutItsValueSaysSo)
{
	auto o = run({SOFTVFIO_BINARY, "info", "--profile"});
	EXPECT_EQ(o.status, 2);
	EXPECT_TRUE(has(o.err, "softvfio info: --profile needs a value (NAME)")) << o.err;
}

TEST(CliUsage, OptionGivenTwiceIsSaidInWords)
{
	auto o = run({SOFTVFIO_BINARY, "info", "--device", "nic", "--device", "edu"});
	EXPECT_EQ(o.status, 2);
	EXPECT_TRUE(has(o.err, "softvfio info: --device was given 2 times, but it takes one value")) << o.err;
	EXPECT_FALSE(has(o.err, "At Most")) << o.err;
}

TEST(CliUsage, ExclusiveOptionsAreNamed)
{
	auto o = run({SOFTVFIO_BINARY, "serve", "--detach", "--stop", "/nonexistent"});
	EXPECT_EQ(o.status, 2);
	EXPECT_TRUE(has(o.err, "--detach and --stop cannot be used together")) << o.err;
}

TEST(CliUsage, MapsWaitOutOfRangeSaysTheRange)
{
	for (const char *bad : {"-1", "1e400", "nan", "soon"}) {
		auto o = run({SOFTVFIO_BINARY, "maps", "--wait", bad, "1"});
		EXPECT_EQ(o.status, 2) << bad;
		EXPECT_TRUE(has(o.err, "is not a number of seconds from 0 to 86400")) << o.err;
		EXPECT_LT(o.err.size(), 200u) << o.err;
	}
}

TEST(CliUsage, NoColorIsAnAliasOfNoColour)
{
	for (const char *cmd : {"info", "demo", "maps"}) {
		auto help = run({SOFTVFIO_BINARY, cmd, "--help"});
		EXPECT_TRUE(has(help.out, "--no-color")) << cmd << ": " << help.out;
	}
	auto o = run({SOFTVFIO_BINARY, "info", "--no-color"}, {"NO_COLOR="}, true);
	EXPECT_EQ(o.status, 0);
	EXPECT_FALSE(has(o.out, "\033[")) << o.out;
}

TEST(CliUsage, RunAndTraceUsageShowTheProgram)
{
	for (const char *cmd : {"run", "trace"}) {
		auto o = run({SOFTVFIO_BINARY, cmd, "--help"});
		EXPECT_EQ(o.status, 0);
		EXPECT_TRUE(has(o.out, std::string("Usage: softvfio ") + cmd + " [OPTIONS] [--] PROGRAM [ARGS...]\n"))
			<< o.out;
	}
}

/* As a shell: 126 for what exists but cannot be executed, said before any
 * session is started. */
TEST(CliExit, RunOfADirectoryIs126)
{
	auto o = run({SOFTVFIO_BINARY, "run", "--", "/tmp"});
	EXPECT_EQ(o.status, 126);
	EXPECT_TRUE(has(o.err, "softvfio run: /tmp: Is a directory")) << o.err;
}

TEST(CliExit, RunOfAFileWithoutExecutePermissionIs126)
{
	TempFile script("softvfio-noexec", "#!/bin/sh\nexit 0\n", 0644);
	auto o = run({SOFTVFIO_BINARY, "run", "--", script.path});
	EXPECT_EQ(o.status, 126);
	EXPECT_TRUE(has(o.err, "Permission denied")) << o.err;
}

/* softvfio(1): 2 bad usage, 3 a description file that does not parse. */
TEST(CliExit, DeviceNamingNothingIsUsage)
{
	auto info = run({SOFTVFIO_BINARY, "info", "--device", "nosuch"});
	EXPECT_EQ(info.status, 2) << info.err;
	EXPECT_TRUE(has(info.err, "no such preset or file")) << info.err;
	auto r = run({SOFTVFIO_BINARY, "run", "--device", "nosuch", "--", "true"});
	EXPECT_EQ(r.status, 2) << r.err;
}

TEST(CliExit, InvalidDescriptionFileIsBadInput)
{
	auto o = run({SOFTVFIO_BINARY, "info", "--device", BAD_DEVICE_TOML});
	EXPECT_EQ(o.status, 3) << o.err;
}

TEST(CliExit, EmptyOrVendorlessDescriptionSaysWhatIsMissing)
{
	TempFile empty("softvfio-empty.toml", "", 0644);
	auto e = run({SOFTVFIO_BINARY, "info", "--device", empty.path});
	EXPECT_EQ(e.status, 3);
	EXPECT_TRUE(has(e.err, "the description is empty (it needs at least vendor_id)")) << e.err;
	TempFile vendorless("softvfio-novendor.toml", "device_id = 0x1234\n", 0644);
	auto v = run({SOFTVFIO_BINARY, "info", "--device", vendorless.path});
	EXPECT_EQ(v.status, 3);
	EXPECT_TRUE(has(v.err, "vendor_id: missing")) << v.err;
	EXPECT_FALSE(has(v.err, "not a valid vendor ID")) << v.err;
}

TEST(CliInfo, FeatureProbesAreNamed)
{
	auto o = run({SOFTVFIO_BINARY, "info", "--no-colour"});
	EXPECT_EQ(o.status, 0);
	EXPECT_TRUE(has(o.out, "  11 DMA_BUF ")) << o.out;
	EXPECT_TRUE(has(o.out, "  13 DMA_BUF_REVOKE ")) << o.out;
	auto v2 = run({SOFTVFIO_BINARY, "info", "--no-colour", "--profile", "series-v2"});
	EXPECT_TRUE(has(v2.out, "  13 DMA_BUF_MEMATTR ")) << v2.out;
	auto j = nlohmann::json::parse(run({SOFTVFIO_BINARY, "info", "--json"}).out, nullptr, false);
	ASSERT_FALSE(j.is_discarded());
	EXPECT_EQ(j["feature_probes"][11]["name"], "DMA_BUF");
}

/* Where lspci -vv puts "Vector table: BAR=4 offset=00000000". */
TEST(CliInfo, MsixTableAndPbaLocationsAreShown)
{
	auto o = run({SOFTVFIO_BINARY, "info", "--no-colour"});
	EXPECT_TRUE(has(o.out, "vector table BAR4 offset 0x00000000, PBA BAR4 offset 0x00002000")) << o.out;
	auto j = nlohmann::json::parse(run({SOFTVFIO_BINARY, "info", "--json"}).out, nullptr, false);
	ASSERT_FALSE(j.is_discarded());
	bool found = false;
	for (const auto &cap : j["config_capabilities"])
		if (cap.contains("msix")) {
			found = true;
			EXPECT_EQ(cap["msix"]["table_bar"], 4);
			EXPECT_EQ(cap["msix"]["pba_offset"], 0x2000);
			EXPECT_EQ(cap["msix"]["count"], 64);
		}
	EXPECT_TRUE(found) << j.dump();
}

} /* namespace */
