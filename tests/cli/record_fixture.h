/* SPDX-License-Identifier: MIT */
/*
 * What `softvfio record`'s decoding tests share: a fabricated sysfs tree
 * (record_tree.h), a function of it read and decoded, and a recording's
 * TOML parsed back with the description parser.
 */
#pragma once

#include <string>
#include <variant>
#include <vector>

#include <gtest/gtest.h>

#include <softvfio/device_description.h>

#include "cli/record_decode.h"
#include "cli/record_sysfs.h"
#include "cli/record_toml.h"
#include "cli/record_tree.h"

namespace softvfio::test {

class RecordFixture : public ::testing::Test
{
protected:
	/* Reads and decodes `bdf`: its recording, or what went wrong. */
	std::variant<cli::record::Recording, std::string> decode(const std::string &bdf)
	{
		auto read = cli::record::read_sysfs_function(tree_.root(), bdf);
		if (auto *e = std::get_if<cli::record::ReadError>(&read))
			return e->message;
		fn_ = std::get<cli::record::SysfsFunction>(read);
		return cli::record::decode_function(fn_);
	}
	/* decode(), failing the test on an error. */
	cli::record::Recording record_of(const std::string &bdf)
	{
		auto decoded = decode(bdf);
		if (auto *e = std::get_if<std::string>(&decoded)) {
			ADD_FAILURE() << *e;
			return {};
		}
		return std::get<cli::record::Recording>(decoded);
	}
	/* The recording's TOML (kept in text_), parsed back. */
	DeviceDescription reparsed(const cli::record::Recording &rec)
	{
		text_ = cli::record::recording_toml(rec);
		auto parsed = parse_device_description(text_, "recorded.toml");
		if (auto *e = std::get_if<DescriptionError>(&parsed)) {
			ADD_FAILURE() << e->message() << "\n" << text_;
			return {};
		}
		return std::get<DeviceDescription>(parsed);
	}
	static bool mentions(const std::vector<std::string> &lines, const std::string &word)
	{
		for (const auto &l : lines)
			if (l.find(word) != std::string::npos)
				return true;
		return false;
	}

	FakeSysfs tree_;
	cli::record::SysfsFunction fn_;
	std::string text_;
};

} /* namespace softvfio::test */
