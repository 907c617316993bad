/* SPDX-License-Identifier: MIT */
/* The environment `softvfio run` builds for a program joining a session,
 * new or existing (the rest of run_env is tested in tests/shim). */
#include <gtest/gtest.h>

#include <map>

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

TEST(RunEnvSession, ANewSessionIsNamedWithItsConfiguration)
{
	g_env = {};
	RunSettings s;
	s.profile = "linux-6.12";
	s.shim_path = "/s/shim.so";
	s.session = "/run/user/1/softvfio-1/s1-0";
	auto env = as_map(run_environment(s, fake_env));
	EXPECT_EQ(env["SOFTVFIO_SESSION"], "/run/user/1/softvfio-1/s1-0");
	EXPECT_EQ(env["LD_PRELOAD"], "/s/shim.so");
	/* Harmless for the session's members; kept for whoever reads them. */
	EXPECT_EQ(env["SOFTVFIO_DEVICES"], "nic");
	EXPECT_EQ(env["SOFTVFIO_PROFILE"], "linux-6.12");
}

TEST(RunEnvSession, JoiningLeavesTheSessionsVariablesAlone)
{
	g_env = {{"LD_PRELOAD", "/u/mine.so"}, {"SOFTVFIO_SESSION", "/d"}, {"SOFTVFIO_DEVICES", "edu"}};
	RunSettings s;
	s.shim_path = "/s/shim.so";
	s.join = true;
	auto env = as_map(run_environment(s, fake_env));
	EXPECT_EQ(env["LD_PRELOAD"], "/s/shim.so:/u/mine.so");
	EXPECT_EQ(env.count("SOFTVFIO_SESSION"), 0u);
	EXPECT_EQ(env.count("SOFTVFIO_DEVICES"), 0u);
	EXPECT_EQ(env.count("SOFTVFIO_PROFILE"), 0u);
	EXPECT_EQ(env.count("SOFTVFIO_ACCESS"), 0u);
}

TEST(RunEnvSession, TheDefaultDeviceWhenNoneIsGiven)
{
	RunSettings s;
	ASSERT_EQ(session_devices(s).size(), 1u);
	EXPECT_EQ(session_devices(s)[0].source, "nic");
	s.devices = {{"edu", ""}};
	EXPECT_EQ(session_devices(s), s.devices);
}

} /* namespace */
} /* namespace softvfio::cli */
