/* SPDX-License-Identifier: MIT */
/* What every informational command shares: --json, --help, exit codes, colour. */
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "spawn.h"

using softvfio::test::run;

namespace {

TEST(Cli, PresetsJsonNamesTheDefault)
{
	auto o = run({SOFTVFIO_BINARY, "presets", "--json"});
	ASSERT_EQ(o.status, 0);
	auto j = nlohmann::json::parse(o.out, nullptr, false);
	ASSERT_TRUE(j.is_array()) << o.out;
	int defaults = 0;
	bool nic = false;
	for (const auto &p : j) {
		defaults += p["default"].get<bool>();
		nic |= p["name"] == "nic";
	}
	EXPECT_EQ(defaults, 1);
	EXPECT_TRUE(nic);
}

TEST(Cli, InfoJsonParses)
{
	auto o = run({SOFTVFIO_BINARY, "info", "--json"});
	ASSERT_EQ(o.status, 0);
	auto j = nlohmann::json::parse(o.out, nullptr, false);
	ASSERT_FALSE(j.is_discarded());
	EXPECT_EQ(j["description"], "nic");
}

TEST(Cli, HelpEverywhere)
{
	for (const char *cmd : {"info", "demo", "presets", "run", "serve", "maps", "trace"}) {
		auto o = run({SOFTVFIO_BINARY, cmd, "--help"});
		EXPECT_EQ(o.status, 0) << cmd;
		EXPECT_NE(o.out.find("Usage"), std::string::npos) << cmd << ": " << o.out;
	}
}

TEST(Cli, UnknownSubcommandIsUsage)
{
	EXPECT_EQ(run({SOFTVFIO_BINARY, "frobnicate"}).status, 2);
}

TEST(Cli, ColourOnATerminal)
{
	auto o = run({SOFTVFIO_BINARY, "info"}, {"NO_COLOR="}, true);
	EXPECT_EQ(o.status, 0);
	EXPECT_NE(o.out.find("\033["), std::string::npos);
}

TEST(Cli, NoColorIsHonoured)
{
	auto o = run({SOFTVFIO_BINARY, "info"}, {"NO_COLOR=1"}, true);
	EXPECT_EQ(o.status, 0);
	EXPECT_FALSE(o.out.empty());
	EXPECT_EQ(o.out.find("\033["), std::string::npos);
}

TEST(Cli, NoColourFlagOnATerminal)
{
	auto o = run({SOFTVFIO_BINARY, "info", "--no-colour"}, {"NO_COLOR="}, true);
	EXPECT_EQ(o.status, 0);
	EXPECT_EQ(o.out.find("\033["), std::string::npos);
}

} /* namespace */
