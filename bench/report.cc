/* SPDX-License-Identifier: MIT */
/*
 * bench_report DIR: reads the Google Benchmark JSON files run.sh wrote,
 * pairs every subject with the baseline measured in the same run, and
 * prints each figure as a ratio beside its goal (and writes DIR/results.json).
 * Exit status 0 even when a goal is missed: the figures are the output.
 */
#include <cstdio>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace {

using Json = nlohmann::json;

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

/* A benchmark's name without the timing suffix Google Benchmark adds. */
std::string base_name(std::string name)
{
	for (const char *suffix : {"/real_time", "/manual_time"}) {
		std::string s(suffix);
		if (name.size() > s.size() && name.compare(name.size() - s.size(), s.size(), s) == 0)
			name.resize(name.size() - s.size());
	}
	if (auto at = name.find("/iterations:"); at != std::string::npos)
		name.resize(at);
	return name;
}

/* (file, benchmark name) -> the benchmark's JSON object. */
class Results
{
public:
	explicit Results(const std::string &dir) : dir_(dir) {}

	/* Every repetition of a benchmark (run.sh asks for several). */
	std::vector<const Json *> runs(const std::string &file, const std::string &name)
	{
		std::vector<const Json *> out;
		/* FILE.json, and FILE.2.json ... FILE.4.json when run.sh ran it
		 * in rounds. */
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

	const Json *find(const std::string &file, const std::string &name)
	{
		auto all = runs(file, name);
		return all.empty() ? nullptr : all.front();
	}

	/* The best repetition's real time in nanoseconds: on a machine shared
	 * with other work, the least disturbed run is the one that measures
	 * the code (both sides of every ratio are taken the same way). */
	std::optional<double> ns(const std::string &file, const std::string &name, bool cpu)
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

	/* The smallest value of a counter over the repetitions. */
	std::optional<double> min_counter(const std::string &file, const std::string &name, const std::string &key)
	{
		std::optional<double> best;
		for (const Json *b : runs(file, name))
			if (b->contains(key) && (*b)[key].is_number() && (!best || (*b)[key].get<double>() < *best))
				best = (*b)[key].get<double>();
		return best;
	}

	std::optional<double> counter(const std::string &file, const std::string &name, const std::string &key)
	{
		const Json *b = find(file, name);
		if (!b || !b->contains(key))
			return std::nullopt;
		return (*b)[key].get<double>();
	}

private:
	Json &load(const std::string &file)
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

	std::string dir_;
	std::map<std::string, Json> docs_;
};

/* Which clock a figure is read from. CPU time (user + system of the
 * process) for work done inside the benchmark process: on a machine
 * shared with other jobs, wall time mostly measures the scheduler. Wall
 * time where the work happens elsewhere or is timed by hand: start-up
 * (child processes), the revoke benchmarks (manual time around the call
 * alone), the peer loops (umockdev answers from another thread). */
enum class Clock { Cpu, Wall };

/* How a figure is judged. */
enum class Goal {
	AtMost,      /* subject / baseline <= goal */
	AtLeast,     /* baseline / subject (a speed ratio) >= goal */
	MsMore,      /* subject - baseline, in ms, < goal */
	Figure,      /* just a number */
};

struct Row {
	std::string label;
	std::string value;    /* "0.98", "+1.2 ms" */
	std::string goal;
	std::optional<bool> met;
	Json json;
};

struct Pair {
	std::string label;
	std::string file, subject;
	std::string base_file, baseline;
	Goal goal;
	double target;
	Clock clock = Clock::Cpu;
	std::string counter;   /* read this counter (ns) instead of a time */
};

Row judge(Results &r, const Pair &p)
{
	Row row{p.label, "n/a", "", std::nullopt, Json::object()};
	bool cpu = p.clock == Clock::Cpu;
	auto s = p.counter.empty() ? r.ns(p.file, p.subject, cpu) : r.min_counter(p.file, p.subject, p.counter);
	auto b = p.counter.empty() ? r.ns(p.base_file, p.baseline, cpu) : r.min_counter(p.base_file, p.baseline, p.counter);
	row.json = {{"label", p.label},
		    {"subject", p.file + ":" + p.subject},
		    {"baseline", p.base_file + ":" + p.baseline},
		    {"clock", cpu ? "cpu" : p.counter.empty() ? "wall" : "wall, best start"}};
	switch (p.goal) {
	case Goal::AtMost:
		row.goal = fmt::format("<= {}", p.target);
		break;
	case Goal::AtLeast:
		row.goal = fmt::format(">= {}", p.target);
		break;
	case Goal::MsMore:
		row.goal = fmt::format("< +{} ms", p.target);
		break;
	case Goal::Figure:
		break;
	}
	row.json["goal"] = row.goal;
	if (!s || !b || *s <= 0 || *b <= 0) {
		row.json["missing"] = true;
		return row;
	}
	row.json["subject_ns"] = *s;
	row.json["baseline_ns"] = *b;
	double v = 0;
	switch (p.goal) {
	case Goal::AtMost:
		v = *s / *b;
		row.value = fmt::format("{:.3g} ({:.4g} / {:.4g} ns)", v, *s, *b);
		row.met = v <= p.target;
		break;
	case Goal::AtLeast:
		v = *b / *s;
		row.value = fmt::format("{:.4g} ({:.4g} / {:.4g} ns)", v, *b, *s);
		row.met = v >= p.target;
		break;
	case Goal::MsMore:
		v = (*s - *b) / 1e6;
		row.value = fmt::format("{:+.2f} ms ({:.2f} / {:.2f} ms)", v, *s / 1e6, *b / 1e6);
		row.met = v < p.target;
		break;
	case Goal::Figure:
		v = *s / *b;
		row.value = fmt::format("{:.3g} ({:.4g} / {:.4g} ns)", v, *s, *b);
		row.json["value"] = v;
		return row;
	}
	row.json["value"] = v;
	row.json["met"] = *row.met;
	return row;
}

Pair make(std::string label, std::string file, std::string subject, std::string base_file, std::string baseline,
	  Goal goal, double target, Clock clock = Clock::Cpu, std::string counter = {})
{
	return Pair{std::move(label), std::move(file),	std::move(subject), std::move(base_file), std::move(baseline),
		    goal,		  target,		clock,		    std::move(counter)};
}

std::vector<Pair> pairs()
{
	std::vector<Pair> list;
	for (const char *size : {"4096", "2097152", "268435456"})
		list.push_back(make(fmt::format("BAR memcpy {} B (speed vs shm)", size), "model", fmt::format("Memcpy/Bar/{}", size),
				"model", fmt::format("Memcpy/Shm/{}", size), Goal::AtLeast, 0.95));
	list.push_back(make("GET_REGION_INFO via shim vs FIONREAD", "shim", "RegionInfo/Shim", "shim", "Ioctl/EventfdFionread",
			Goal::AtMost, 1.0));
	list.push_back(make("GET_REGION_INFO in-process vs FIONREAD", "model", "RegionInfo/Model", "model",
			"Ioctl/EventfdFionread", Goal::AtMost, 1.0));
	list.push_back(make("  of which: model with fd identity checks (fstat)", "model", "RegionInfo/ModelVerified", "model",
			"Ioctl/EventfdFionread", Goal::Figure, 0));
	list.push_back(make("  of which: getpid() per call", "model", "Syscall/Getpid", "model", "Ioctl/EventfdFionread",
			Goal::Figure, 0));
	list.push_back(make("DMABUF export+close vs memfd+close", "model", "ExportClose/Dmabuf", "model", "ExportClose/Memfd",
			Goal::AtMost, 3.0));
	for (const char *n : {"1", "10", "100", "1000"})
		list.push_back(make(fmt::format("REVOKE, {} mappings vs {} MAP_FIXED", n, n), "model",
				fmt::format("Revoke/Buffer/{}", n), "model", fmt::format("Revoke/MapFixed/{}", n), Goal::AtMost,
				2.0, Clock::Wall));
	list.push_back(make("memory disable, 1000 buffers vs 1000 MAP_FIXED", "model", "TempRevoke/Device/1000", "model",
			"Revoke/MapFixed/1000", Goal::AtMost, 2.0, Clock::Wall));
	list.push_back(make("start-up: softvfio run -- true vs true", "startup", "Startup/RunTrue", "startup", "Startup/True",
			Goal::MsMore, 5.0, Clock::Wall, "best_ns"));
	for (const char *op : {"Ioctl", "Read", "Open"}) {
		list.push_back(make(fmt::format("tax: {} under the shim", op), "tax_shim", fmt::format("Tax/{}", op), "tax_plain",
				fmt::format("Tax/{}", op), Goal::AtMost, 1.10));
		list.push_back(make(fmt::format("tax: {} under the shim, model up", op), "tax_shim_model",
				fmt::format("Tax/{}", op), "tax_plain", fmt::format("Tax/{}", op), Goal::AtMost, 1.10));
		list.push_back(make(fmt::format("tax: {} under run --maps, model up (server thread)", op), "tax_shim_maps",
				fmt::format("Tax/{}", op), "tax_plain", fmt::format("Tax/{}", op), Goal::Figure, 0));
	}
	list.push_back(make("peer: umockdev ioctl vs softvfio ioctl (x faster)", "peer_softvfio", "Peer/Softvfio",
			"peer_umockdev", "Peer/Umockdev", Goal::AtLeast, 500, Clock::Wall));
	return list;
}

/* Per-mapping revoke cost at N=1000 over that at N=10: 1 is linear. */
Row linearity(Results &r)
{
	Row row{"REVOKE linearity: per-mapping cost N=1000 / N=10", "n/a", "<= 2", std::nullopt, Json::object()};
	auto big = r.ns("model", "Revoke/Buffer/1000", false);
	auto small = r.ns("model", "Revoke/Buffer/10", false);
	row.json = {{"label", row.label}, {"goal", row.goal}};
	if (big && small && *small > 0) {
		double v = (*big / 1000) / (*small / 10);
		row.value = fmt::format("{:.3g}", v);
		row.met = v <= 2.0;
		row.json["value"] = v;
		row.json["met"] = *row.met;
	}
	return row;
}

std::vector<Row> memory(Results &r)
{
	std::vector<Row> rows;
	for (const char *what : {"Buffer", "Mapping"}) {
		std::string name = fmt::format("Memory/{}", what);
		auto heap = r.counter("memory", name, "heap_bytes_each");
		auto rss = r.counter("memory", name, "rss_bytes_each");
		auto fds = r.counter("memory", name, "fds_each");
		Row row{fmt::format("memory per {}", what == std::string("Buffer") ? "DMABUF" : "mapping"), "n/a", "(figure)",
			std::nullopt, Json::object()};
		row.json = {{"label", row.label}};
		if (heap && rss && fds) {
			row.value = fmt::format("{:.0f} B heap, {:.0f} B resident, {:.2f} fds", *heap, *rss, *fds);
			row.json["heap_bytes"] = *heap;
			row.json["rss_bytes"] = *rss;
			row.json["fds"] = *fds;
		}
		rows.push_back(std::move(row));
	}
	return rows;
}

} /* namespace */

int main(int argc, char **argv)
{
	if (argc != 2) {
		std::fprintf(stderr, "usage: bench_report RESULTS_DIR\n");
		return 2;
	}
	Results results(argv[1]);
	std::vector<Row> rows;
	for (const Pair &p : pairs())
		rows.push_back(judge(results, p));
	rows.push_back(linearity(results));
	for (Row &m : memory(results))
		rows.push_back(std::move(m));

	size_t width = 0;
	for (const Row &row : rows)
		width = std::max(width, row.label.size());
	Json out = Json::array();
	for (const Row &row : rows) {
		const char *mark = !row.met ? "    " : *row.met ? "ok  " : "MISS";
		std::string clock = row.json.value("clock", "");
		fmt::print("{} {:<{}}  {:<12} {}{}\n", mark, row.label, width, row.goal, row.value,
			   clock.empty() || row.value == "n/a" ? "" : " [" + clock + "]");
		out.push_back(row.json);
	}
	std::ofstream(std::string(argv[1]) + "/results.json") << out.dump(2) << "\n";
	return 0;
}
