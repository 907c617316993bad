/* SPDX-License-Identifier: MIT */
/*
 * Reading what run.sh wrote: one Google Benchmark JSON file per program
 * run (FILE.json, and FILE.2.json ... FILE.4.json for a program run in
 * alternated rounds), looked up by benchmark name without the suffixes
 * Google Benchmark adds. Every query answers over all repetitions of all
 * rounds, so the report can take the best.
 */
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace softvfio::bench::report {

using Json = nlohmann::json;

/* A benchmark's name without "/real_time", "/manual_time" or
 * "/iterations:N". */
std::string base_name(std::string name);

class Results
{
public:
	explicit Results(std::string dir) : dir_(std::move(dir)) {}

	/* Every repetition of `name` in `file` (and its rounds) that ran
	 * without error. */
	std::vector<const Json *> runs(const std::string &file, const std::string &name);

	/* The best repetition's time in nanoseconds, CPU or real (for a
	 * manually timed benchmark, real time is the manual time): on a
	 * machine shared with other work, the least disturbed run is the one
	 * that measures the code, and both sides of every ratio are taken the
	 * same way. */
	std::optional<double> ns(const std::string &file, const std::string &name, bool cpu);

	/* The smallest value of a counter over the repetitions. */
	std::optional<double> min_counter(const std::string &file, const std::string &name, const std::string &key);

	/* A counter of the first repetition (single-iteration figures). */
	std::optional<double> counter(const std::string &file, const std::string &name, const std::string &key);

private:
	Json &load(const std::string &file);

	std::string dir_;
	std::map<std::string, Json> docs_;
};

} /* namespace softvfio::bench::report */
