/* SPDX-License-Identifier: MIT */
#include "shim/trace_calls.h"

#include <algorithm>
#include <cinttypes>
#include <cstdio>
#include <map>

namespace softvfio::shim {

namespace {

using Set = std::vector<std::string_view>;

/* strace's names where the call is the system call a C library makes
 * (stat() is newfstatat on x86-64); opendir and scandir are the library
 * calls themselves: a listing the shim serves makes no getdents64. */
const Set kNames = {"openat",  "close",    "ioctl",      "read",     "write",      "pread64",
		    "pwrite64", "mmap",    "munmap",     "newfstatat", "statx",   "access",
		    "faccessat2", "readlink", "readlinkat", "opendir", "scandir"};

/* Other names of the same calls, as a program's source spells them. */
const std::map<std::string_view, Set> kAliases = {
	{"open", {"openat"}},         {"creat", {"openat"}},       {"stat", {"newfstatat"}},
	{"lstat", {"newfstatat"}},    {"fstatat", {"newfstatat"}}, {"stat64", {"newfstatat"}},
	{"lstat64", {"newfstatat"}},  {"faccessat", {"faccessat2"}}, {"pread", {"pread64"}},
	{"pwrite", {"pwrite64"}},     {"scandirat", {"scandir"}},
};

/* strace's classes, restricted to the calls traced here. */
const std::map<std::string_view, Set> kClasses = {
	{"%file", {"openat", "newfstatat", "statx", "access", "faccessat2", "readlink", "readlinkat", "opendir", "scandir"}},
	{"%desc", {"openat", "close", "ioctl", "read", "write", "pread64", "pwrite64", "mmap"}},
	{"%memory", {"mmap", "munmap"}},
	{"%stat", {"newfstatat", "statx"}},
};

/* The calls one name of a SET stands for; empty when it is no name. */
Set expand(std::string_view name)
{
	if (name == "all")
		return kNames;
	if (std::find(kNames.begin(), kNames.end(), name) != kNames.end())
		return {name};
	if (auto a = kAliases.find(name); a != kAliases.end())
		return a->second;
	if (auto c = kClasses.find(name); c != kClasses.end())
		return c->second;
	return {};
}

} /* namespace */

const std::vector<std::string_view> &trace_call_names() { return kNames; }

bool trace_expr_calls(std::string_view expr, std::set<std::string> &calls, std::string &error)
{
	std::string_view set = expr;
	if (auto eq = expr.find('='); eq != std::string_view::npos) {
		std::string_view qualifier = expr.substr(0, eq);
		if (qualifier != "trace" && qualifier != "t") {
			error = "invalid -e qualifier '" + std::string(qualifier) + "' (trace= and fd= are supported)";
			return false;
		}
		set = expr.substr(eq + 1);
	}
	bool negate = !set.empty() && set[0] == '!';
	if (negate)
		set.remove_prefix(1);
	std::set<std::string> chosen;
	bool none = false;
	while (true) {
		size_t comma = set.find(',');
		std::string_view name = set.substr(0, comma);
		if (name == "none") {
			none = true;
		} else {
			Set calls_of = expand(name);
			if (calls_of.empty()) {
				error = "invalid system call '" + std::string(name) + "'";
				return false;
			}
			chosen.insert(calls_of.begin(), calls_of.end());
		}
		if (comma == std::string_view::npos)
			break;
		set.remove_prefix(comma + 1);
	}
	(void)none;   /* selects nothing: "none" adds no call */
	for (std::string_view n : kNames)
		if (chosen.count(std::string(n)) != negate)
			calls.insert(std::string(n));
	return true;
}

bool trace_expr_is_fds(std::string_view expr)
{
	return expr.substr(0, 3) == "fd=" || expr.substr(0, 10) == "trace-fds=";
}

bool trace_expr_fds(std::string_view expr, std::set<std::string> &fds, std::string &error)
{
	static const std::set<std::string_view> kinds = {"container", "group", "device", "iommufd", "dma-buf", "eventfd"};
	if (!trace_expr_is_fds(expr)) {
		error = "not an fd= expression";
		return false;
	}
	std::string_view set = expr.substr(expr.find('=') + 1);
	while (true) {
		size_t comma = set.find(',');
		std::string_view item = set.substr(0, comma);
		bool number = !item.empty() && item.size() < 10 && item.find_first_not_of("0123456789") == std::string_view::npos;
		if (!number && !kinds.count(item)) {
			error = "invalid file descriptor '" + std::string(item) +
				"' (a number, or container, group, device, iommufd, dma-buf, eventfd)";
			return false;
		}
		fds.insert(std::string(number ? std::to_string(std::stoul(std::string(item))) : item));
		if (comma == std::string_view::npos)
			break;
		set.remove_prefix(comma + 1);
	}
	return true;
}

std::string trace_stat_record(std::string_view name, bool error, int64_t ns)
{
	return std::string(name) + "\t" + (error ? "1" : "0") + "\t" + std::to_string(ns > 0 ? ns : 0) + "\n";
}

std::vector<TraceStat> trace_stats_from_records(std::string_view records)
{
	std::map<std::string, TraceStat, std::less<>> by_name;
	while (!records.empty()) {
		size_t end = records.find('\n');
		std::string_view line = records.substr(0, end);
		records.remove_prefix(end == std::string_view::npos ? records.size() : end + 1);
		size_t t1 = line.find('\t');
		size_t t2 = t1 == std::string_view::npos ? t1 : line.find('\t', t1 + 1);
		if (t2 == std::string_view::npos)
			continue;   /* a record cut short by a process killed mid-write */
		std::string name(line.substr(0, t1));
		TraceStat &s = by_name[name];
		s.name = name;
		s.calls++;
		s.errors += line.substr(t1 + 1, t2 - t1 - 1) == "1";
		s.ns += std::strtoll(std::string(line.substr(t2 + 1)).c_str(), nullptr, 10);
	}
	std::vector<TraceStat> out;
	for (auto &[name, s] : by_name)
		out.push_back(std::move(s));
	return out;
}

namespace {

/* By time spent, then calls, then name: the order strace -c prints. */
void sort_rows(std::vector<TraceStat> &stats)
{
	std::sort(stats.begin(), stats.end(), [](const TraceStat &a, const TraceStat &b) {
		if (a.ns != b.ns)
			return a.ns > b.ns;
		if (a.calls != b.calls)
			return a.calls > b.calls;
		return a.name < b.name;
	});
}

TraceStat total_of(const std::vector<TraceStat> &stats)
{
	TraceStat t{"total"};
	for (const TraceStat &s : stats) {
		t.calls += s.calls;
		t.errors += s.errors;
		t.ns += s.ns;
	}
	return t;
}

uint64_t usecs_per_call(const TraceStat &s) { return s.calls ? static_cast<uint64_t>(s.ns / 1000) / s.calls : 0; }

} /* namespace */

std::string format_summary_text(std::vector<TraceStat> stats)
{
	sort_rows(stats);
	TraceStat total = total_of(stats);
	auto row = [&](const TraceStat &s) {
		double share = total.ns > 0 ? 100.0 * static_cast<double>(s.ns) / static_cast<double>(total.ns) : 0.0;
		if (&s == &total)
			share = 100.0;
		char errors[24] = "";
		if (s.errors)
			std::snprintf(errors, sizeof(errors), "%" PRIu64, s.errors);
		char line[512];
		std::snprintf(line, sizeof(line), "%6.2f %11.6f %11" PRIu64 " %9" PRIu64 " %9s %s\n", share,
			      static_cast<double>(s.ns) / 1e9, usecs_per_call(s), s.calls, errors, s.name.c_str());
		return std::string(line);
	};
	const char *rule = "------ ----------- ----------- --------- --------- ----------------\n";
	std::string out = "% time     seconds  usecs/call     calls    errors call\n";
	out += rule;
	for (const TraceStat &s : stats)
		out += row(s);
	out += rule;
	out += row(total);
	return out;
}

nlohmann::json format_summary_json(std::vector<TraceStat> stats)
{
	sort_rows(stats);
	auto obj = [](const TraceStat &s) {
		return nlohmann::json{{"call", s.name},
				      {"calls", s.calls},
				      {"errors", s.errors},
				      {"seconds", static_cast<double>(s.ns / 1000) / 1e6},
				      {"usecs_per_call", usecs_per_call(s)}};
	};
	nlohmann::json rows = nlohmann::json::array();
	for (const TraceStat &s : stats)
		rows.push_back(obj(s));
	return {{"summary", rows}, {"total", obj(total_of(stats))}};
}

} /* namespace softvfio::shim */
