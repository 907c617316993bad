/* SPDX-License-Identifier: MIT */
/*
 * conformance-compare: compares the record of a real 6.12 kernel with the
 * record of softvfio and prints the comparison as a table.
 *
 *   conformance-compare [--all] KERNEL.jsonl SOFTVFIO.jsonl ALLOWLIST [ONLY.jsonl...]
 *
 * Every (scenario, key) is one row. A row whose values differ, or that one
 * side lacks, is a difference unless an allow-list entry (a glob over
 * "scenario/key", then the reason) covers it. Records marked
 * "only":"softvfio" (scenarios a 6.12 kernel cannot run), from either file
 * or the extra files, are listed but not compared. Self-checks
 * ("check:..." keys) must pass on both sides.
 *
 * Exit status: 0 when there is no unexplained difference and no failed
 * check, 1 otherwise, 2 on bad input. Without --all only rows that are not
 * plain matches are printed, then the totals.
 */
#include <fnmatch.h>

#include <cstdio>
#include <fstream>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace {

struct Record {
	std::string scenario, key, value;
	bool only = false;
	std::string id() const { return scenario + "/" + key; }
};

struct Allow {
	std::string pattern, reason;
	bool used = false;
};

/* Ordered by first appearance; values by side. */
struct Table {
	std::vector<std::string> order;
	std::map<std::string, std::pair<std::optional<std::string>, std::optional<std::string>>> values;
	std::map<std::string, bool> only;
};

std::optional<std::vector<Record>> load(const std::string &path)
{
	std::ifstream in(path);
	if (!in) {
		std::fprintf(stderr, "conformance-compare: cannot read %s\n", path.c_str());
		return std::nullopt;
	}
	std::vector<Record> out;
	std::string line;
	for (unsigned n = 1; std::getline(in, line); n++) {
		if (line.empty())
			continue;
		auto j = nlohmann::json::parse(line, nullptr, false);
		if (j.is_discarded() || !j.contains("scenario") || !j.contains("key") || !j.contains("value")) {
			std::fprintf(stderr, "conformance-compare: %s:%u: not a record\n", path.c_str(), n);
			return std::nullopt;
		}
		out.push_back({j["scenario"], j["key"], j["value"], j.value("only", "") == "softvfio"});
	}
	return out;
}

std::optional<std::vector<Allow>> load_allowlist(const std::string &path)
{
	std::ifstream in(path);
	if (!in) {
		std::fprintf(stderr, "conformance-compare: cannot read %s\n", path.c_str());
		return std::nullopt;
	}
	std::vector<Allow> out;
	std::string line;
	while (std::getline(in, line)) {
		size_t start = line.find_first_not_of(" \t");
		if (start == std::string::npos || line[start] == '#')
			continue;
		size_t end = line.find_first_of(" \t", start);
		size_t reason = end == std::string::npos ? end : line.find_first_not_of(" \t", end);
		out.push_back({line.substr(start, end - start), reason == std::string::npos ? "" : line.substr(reason)});
	}
	return out;
}

Allow *allowed(std::vector<Allow> &list, const std::string &id)
{
	for (auto &a : list)
		if (::fnmatch(a.pattern.c_str(), id.c_str(), 0) == 0) {
			a.used = true;
			return &a;
		}
	return nullptr;
}

void add(Table &t, const std::vector<Record> &records, bool softvfio_side)
{
	for (const auto &r : records) {
		std::string id = r.id();
		auto [it, fresh] = t.values.try_emplace(id);
		if (fresh)
			t.order.push_back(id);
		(softvfio_side ? it->second.second : it->second.first) = r.value;
		if (r.only)
			t.only[id] = true;
	}
}

std::string shorten(const std::optional<std::string> &v, size_t width)
{
	if (!v)
		return "(absent)";
	return v->size() <= width ? *v : v->substr(0, width - 3) + "...";
}

} /* namespace */

int main(int argc, char **argv)
{
	bool all = false;
	std::vector<std::string> args;
	for (int i = 1; i < argc; i++) {
		std::string a = argv[i];
		if (a == "--all")
			all = true;
		else
			args.push_back(a);
	}
	if (args.size() < 3) {
		std::fprintf(stderr, "usage: conformance-compare [--all] KERNEL.jsonl SOFTVFIO.jsonl ALLOWLIST "
				     "[ONLY.jsonl...]\n");
		return 2;
	}
	auto kernel = load(args[0]);
	auto softvfio = load(args[1]);
	auto allow = load_allowlist(args[2]);
	if (!kernel || !softvfio || !allow)
		return 2;
	Table t;
	add(t, *kernel, false);
	add(t, *softvfio, true);
	for (size_t i = 3; i < args.size(); i++) {
		auto extra = load(args[i]);
		if (!extra)
			return 2;
		add(t, *extra, true);
	}

	unsigned same = 0, allowed_n = 0, diff = 0, only = 0, failed = 0;
	constexpr const char *row = "{:<18} {:<44} {:<30} {:<30} {}\n";
	fmt::print(row, "scenario", "key", "linux-6.12", "softvfio", "verdict");
	for (const auto &id : t.order) {
		const auto &[k, s] = t.values[id];
		size_t slash = id.find('/');
		std::string scenario = id.substr(0, slash), key = id.substr(slash + 1);
		std::string verdict;
		bool is_check = key.rfind("check:", 0) == 0;
		if (is_check && ((k && *k != "pass") || (s && *s != "pass"))) {
			verdict = "FAILED CHECK";
			failed++;
		} else if (t.only.count(id)) {
			verdict = "softvfio only";
			only++;
		} else if (k == s) {
			verdict = "same";
			same++;
		} else if (Allow *a = allowed(*allow, id)) {
			verdict = "allowed: " + a->reason;
			allowed_n++;
		} else {
			verdict = "DIFFERENT";
			diff++;
		}
		if (all || verdict != "same")
			fmt::print(row, scenario, shorten(key, 44), t.only.count(id) ? "-" : shorten(k, 30), shorten(s, 30),
				   verdict);
	}
	for (const auto &a : *allow)
		if (!a.used)
			fmt::print("note: allow-list entry '{}' matched no difference\n", a.pattern);
	fmt::print("\n{} observables: {} same, {} allowed, {} softvfio only, {} different, {} failed checks\n",
		   t.order.size(), same, allowed_n, only, diff, failed);
	return diff || failed ? 1 : 0;
}
