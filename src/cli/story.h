/* SPDX-License-Identifier: MIT */
/* Story: prints a demo step by step, each outcome checked. */
#pragma once

#include <string>

#include <fmt/format.h>

namespace softvfio::cli {

class Story
{
public:
	explicit Story(bool colour) : colour_(colour) {}

	void chapter(const std::string &title)
	{
		fmt::print("\n{}\n", paint("1", fmt::format("{}. {}", ++chapter_, title)));
	}
	void say(const std::string &text) { fmt::print("   {}\n", text); }
	/* An outcome the story expects; a wrong one is counted and shown. */
	void expect(bool ok, const std::string &text)
	{
		if (!ok)
			failures_++;
		fmt::print("   {} {}\n", ok ? paint("32", "ok ") : paint("31", "BAD"), text);
	}
	int failures() const { return failures_; }

private:
	std::string paint(const char *code, const std::string &s) const
	{
		return colour_ ? fmt::format("\033[{}m{}\033[0m", code, s) : s;
	}
	bool colour_;
	int chapter_ = 0;
	int failures_ = 0;
};

} /* namespace softvfio::cli */
