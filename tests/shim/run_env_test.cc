/* SPDX-License-Identifier: MIT */
#include <gtest/gtest.h>

#include <cstdlib>
#include <map>
#include <unistd.h>

#include "cli/elf_probe.h"
#include "cli/run_env.h"

namespace softvfio::cli {
namespace {

std::map<std::string, std::string> g_env;

const char *fake_env(const char *name)
{
	auto it = g_env.find(name);
	return it == g_env.end() ? nullptr : it->second.c_str();
}

std::map<std::string, std::string> as_map(const std::vector<std::pair<std::string, std::string>> &v)
{
	return {v.begin(), v.end()};
}

TEST(RunEnv, PreloadOrder)
{
	EXPECT_EQ(merge_preload({"", "/s/libsoftvfio-shim.so"}, nullptr), "/s/libsoftvfio-shim.so");
	EXPECT_EQ(merge_preload({"libasan.so.8", "/s/shim.so"}, "/u/a.so /u/b.so:/s/shim.so"),
		  "libasan.so.8:/s/shim.so:/u/a.so:/u/b.so");
}

TEST(RunEnv, SanitizerOptionsKeepTheUsers)
{
	EXPECT_EQ(merge_sanitizer_options(nullptr, {{"detect_leaks", "0"}, {"allow_user_segv_handler", "1"}}),
		  "detect_leaks=0:allow_user_segv_handler=1");
	EXPECT_EQ(merge_sanitizer_options("detect_leaks=1:abort_on_error=1", {{"detect_leaks", "0"}, {"x", "1"}}),
		  "detect_leaks=1:abort_on_error=1:x=1");
}

TEST(RunEnv, Variables)
{
	g_env = {{"LD_PRELOAD", "/u/mine.so"}, {"ASAN_OPTIONS", "verbosity=1"}};
	RunSettings s;
	s.profile = "linux-6.12";
	s.shim_path = "/s/shim.so";
	auto env = as_map(run_environment(s, fake_env));
	EXPECT_EQ(env["LD_PRELOAD"], "/s/shim.so:/u/mine.so");
	EXPECT_EQ(env["SOFTVFIO_DEVICES"], "nic");
	EXPECT_EQ(env["SOFTVFIO_PROFILE"], "linux-6.12");
	EXPECT_EQ(env["SOFTVFIO_ACCESS"], "group,cdev,iommufd");
	EXPECT_EQ(env.count("ASAN_OPTIONS"), 0u);

	s.devices = {{"edu", "0000:00:05.0"}, {"nic", ""}};
	s.access = AccessPaths{true, true, false, false};
	s.runtime_first = "libasan.so.8";
	s.asan = true;
	env = as_map(run_environment(s, fake_env));
	EXPECT_EQ(env["LD_PRELOAD"], "libasan.so.8:/s/shim.so:/u/mine.so");
	EXPECT_EQ(env["SOFTVFIO_DEVICES"], "edu@0000:00:05.0,nic");
	EXPECT_EQ(env["SOFTVFIO_ACCESS"], "group,noiommu");
	EXPECT_EQ(env["ASAN_OPTIONS"], "verbosity=1:detect_leaks=0:allow_user_segv_handler=1");
}

TEST(RunEnv, SplitsTheProgramOff)
{
	std::vector<std::string> args{"run", "-d", "nic", "--profile", "linux-6.12", "prog", "-d", "x"};
	EXPECT_EQ(split_run_command(args), (std::vector<std::string>{"prog", "-d", "x"}));
	EXPECT_EQ(args, (std::vector<std::string>{"run", "-d", "nic", "--profile", "linux-6.12"}));
	args = {"run", "--device=edu", "--", "-weird", "--", "a"};
	EXPECT_EQ(split_run_command(args), (std::vector<std::string>{"-weird", "--", "a"}));
	EXPECT_EQ(args, (std::vector<std::string>{"run", "--device=edu"}));
	args = {"info", "--device", "nic"};
	EXPECT_TRUE(split_run_command(args).empty());
	EXPECT_EQ(args.size(), 3u);
}

/* The test binary itself: dynamic, built with or without ASan. */
TEST(ElfProbe, ReadsItsOwnExecutable)
{
	auto facts = probe_elf("/proc/self/exe");
	ASSERT_TRUE(facts);
	EXPECT_TRUE(facts->dynamic);
	EXPECT_FALSE(facts->needed.empty());
#if defined(__SANITIZE_ADDRESS__)
	EXPECT_EQ(facts->asan_needed.rfind("libasan.so", 0), 0u);
#else
	EXPECT_TRUE(facts->asan_needed.empty());
#endif
	EXPECT_EQ(script_interpreter("/proc/self/exe"), "");
}

TEST(ElfProbe, Scripts)
{
	char path[] = "/tmp/shim-script-XXXXXX";
	int fd = mkstemp(path);
	ASSERT_GE(fd, 0);
	ASSERT_EQ(write(fd, "#! /bin/sh -e\necho\n", 19), 19);
	close(fd);
	EXPECT_FALSE(probe_elf(path).has_value());
	EXPECT_EQ(script_interpreter(path), "/bin/sh");
	unlink(path);
}

} /* namespace */
} /* namespace softvfio::cli */
