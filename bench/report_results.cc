/* SPDX-License-Identifier: MIT */
#include "report_results.h"

#include <fstream>
#include <sstream>

namespace softvfio::bench::report {

namespace {

/* Google Benchmark writes NaN and inf (a coefficient of variation of
 * zeros), which JSON has no words for: they become null. */
std::string json_numbers(std::string text)
{
	for (const char *word : {": -NaN", ": NaN", ": -nan", ": nan", ": -inf", ": inf"}) {
		std::string w(word);
		for (size_t at = text.find(w); at != std::string::npos; at = text.find(w, at))
			text.replace(at, w.size(), ": null");
	}
	return text;
}

} /* namespace */

std::string base_name(std::string name)
{
	if (auto at = name.find("/iterations:"); at != std::string::npos)
		name.resize(at);
	for (const char *suffix : {"/real_time", "/manual_time"}) {
		std::string s(suffix);
		if (name.size() > s.size() && name.compare(name.size() - s.size(), s.size(), s) == 0)
			name.resize(name.size() - s.size());
	}
	return name;
}

std::vector<const Json *> Results::runs(const std::string &file, const std::string &name)
{
	std::vector<const Json *> out;
	for (const std::string &f : {file, file + ".2", file + ".3", file + ".4"}) {
		auto &doc = load(f);
		if (!doc.contains("benchmarks"))
			continue;
		for (const auto &b : doc["benchmarks"])
			if (base_name(b.value("name", "")) == name && b.value("run_type", "iteration") == "iteration" &&
			    !b.value("error_occurred", false))
				out.push_back(&b);
	}
	return out;
}

std::optional<double> Results::ns(const std::string &file, const std::string &name, bool cpu)
{
	std::optional<double> best;
	for (const Json *b : runs(file, name)) {
		double t = b->value(cpu ? "cpu_time" : "real_time", 0.0);
		std::string unit = b->value("time_unit", "ns");
		double scale = unit == "us" ? 1e3 : unit == "ms" ? 1e6 : unit == "s" ? 1e9 : 1.0;
		if (!best || t * scale < *best)
			best = t * scale;
	}
	return best;
}

std::optional<double> Results::min_counter(const std::string &file, const std::string &name, const std::string &key)
{
	std::optional<double> best;
	for (const Json *b : runs(file, name))
		if (b->contains(key) && (*b)[key].is_number() && (!best || (*b)[key].get<double>() < *best))
			best = (*b)[key].get<double>();
	return best;
}

std::optional<double> Results::counter(const std::string &file, const std::string &name, const std::string &key)
{
	auto all = runs(file, name);
	if (all.empty() || !all.front()->contains(key) || !(*all.front())[key].is_number())
		return std::nullopt;
	return (*all.front())[key].get<double>();
}

Json &Results::load(const std::string &file)
{
	auto it = docs_.find(file);
	if (it != docs_.end())
		return it->second;
	Json doc = Json::object();
	std::ifstream in(dir_ + "/" + file + ".json");
	if (in) {
		std::stringstream text;
		text << in.rdbuf();
		doc = Json::parse(json_numbers(text.str()), nullptr, false);
	}
	if (doc.is_discarded())
		doc = Json::object();
	return docs_[file] = std::move(doc);
}

} /* namespace softvfio::bench::report */
