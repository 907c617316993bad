/* SPDX-License-Identifier: MIT */
/*
 * bench_report DIR: reads the Google Benchmark JSON files run.sh wrote,
 * pairs every subject with the baseline measured in the same run of the
 * same program, and prints each figure as a ratio beside its goal (and
 * writes DIR/results.json). Exit status 0 even when a goal is missed: the
 * figures are the output, and docs/performance.md says what they mean.
 */
#include <algorithm>
#include <cstdio>
#include <fstream>
#include <optional>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "report_results.h"

namespace {

using softvfio::bench::report::Json;
using softvfio::bench::report::Results;

/* Which clock a figure is read from. CPU time (user + system of the
 * process) for work done inside the benchmark process: on a machine
 * shared with other jobs, wall time mostly measures the scheduler. Wall
 * time where the work happens elsewhere (the session kernel, other
 * processes, umockdev's thread) or is timed by hand. For process starts,
 * forks and calls whose work is done in other processes (the export, the
 * revocations and their baselines), the fastest single one (counter
 * best_ns): on a machine shared with other jobs their means are mostly
 * waits for a CPU. */
enum class Clock { Cpu, Wall, Fastest };

/* How a figure is judged. */
enum class Goal {
	AtMost,      /* subject / baseline <= goal */
	AtLeast,     /* baseline / subject (a speed ratio) >= goal */
	MsMore,      /* subject - baseline, in ms, < goal */
	Figure,      /* subject / baseline, no goal */
	MsFigure,    /* subject - baseline, no goal */
};

struct Row {
	explicit Row(std::string l, std::string g = {}) : label(std::move(l)), goal(std::move(g)) {}

	std::string label;
	std::string value = "n/a";
	std::string goal;
	std::optional<bool> met;
	Json json = Json::object();
	std::string clock;
};

struct Pair {
	std::string label;
	std::string file, subject;
	std::string base_file, baseline;
	Goal goal;
	double target = 0;
	Clock clock = Clock::Cpu;
};

/* A duration with the unit that suits it. */
std::string duration(double ns)
{
	if (ns >= 1e6)
		return fmt::format("{:.3g} ms", ns / 1e6);
	if (ns >= 1e3)
		return fmt::format("{:.3g} µs", ns / 1e3);
	return fmt::format("{:.3g} ns", ns);
}

std::optional<double> read(Results &r, const std::string &file, const std::string &name, Clock clock)
{
	if (clock == Clock::Fastest)
		return r.min_counter(file, name, "best_ns");
	return r.ns(file, name, clock == Clock::Cpu);
}

Row judge(Results &r, const Pair &p)
{
	Row row(p.label);
	auto s = read(r, p.file, p.subject, p.clock);
	auto b = read(r, p.base_file, p.baseline, p.clock);
	row.clock = p.clock == Clock::Cpu ? "cpu" : p.clock == Clock::Wall ? "wall" : "wall, fastest";
	row.json = {{"label", p.label},
		    {"subject", p.file + ":" + p.subject},
		    {"baseline", p.base_file + ":" + p.baseline},
		    {"clock", row.clock}};
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
	case Goal::MsFigure:
		row.goal = "(figure)";
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
	case Goal::Figure:
		v = *s / *b;
		row.value = fmt::format("{:.3g} ({} / {})", v, duration(*s), duration(*b));
		if (p.goal == Goal::AtMost)
			row.met = v <= p.target;
		break;
	case Goal::AtLeast:
		v = *b / *s;
		row.value = fmt::format("{:.4g} ({} / {})", v, duration(*b), duration(*s));
		row.met = v >= p.target;
		break;
	case Goal::MsMore:
	case Goal::MsFigure:
		v = (*s - *b) / 1e6;
		row.value = fmt::format("{:+.2f} ms ({} / {})", v, duration(*s), duration(*b));
		if (p.goal == Goal::MsMore)
			row.met = v < p.target;
		break;
	}
	row.json["value"] = v;
	if (row.met)
		row.json["met"] = *row.met;
	return row;
}

Pair make(std::string label, std::string file, std::string subject, std::string base_file, std::string baseline,
	  Goal goal, double target = 0, Clock clock = Clock::Cpu)
{
	return Pair{std::move(label), std::move(file),	std::move(subject), std::move(base_file), std::move(baseline),
		    goal,		  target,		clock};
}

/* Programs under `softvfio run`, then the in-process model, then the
 * peer. */
std::vector<Pair> pairs()
{
	std::vector<Pair> list;
	for (const char *size : {"4096", "2097152", "268435456"})
		list.push_back(make(fmt::format("BAR memcpy {} B (speed vs shm)", size), "shim",
				fmt::format("Memcpy/Bar/{}", size), "shim", fmt::format("Memcpy/Shm/{}", size),
				Goal::AtLeast, 0.95));
	list.push_back(make("GET_REGION_INFO via shim vs FIONREAD", "shim", "RegionInfo/Shim", "shim",
			"Ioctl/EventfdFionread", Goal::AtMost, 0.5));
	list.push_back(make("DMABUF export+close via shim vs memfd+close", "shim", "ExportClose/Shim", "shim",
			"ExportClose/Memfd", Goal::AtMost, 10, Clock::Fastest));
	for (const char *k : {"1", "4", "16"})
		list.push_back(make(fmt::format("REVOKE, mapped in {} processes vs {} signal round trips", k, k), "revoke",
				fmt::format("Revoke/Processes/{}", k), "revoke", fmt::format("Signal/RoundTrip/{}", k),
				Goal::AtMost, 3, Clock::Fastest));
	for (const char *k : {"1", "4", "16"})
		list.push_back(make(fmt::format("memory off, mapped in {} processes vs {} round trips", k, k), "revoke",
				fmt::format("MemoryOff/Processes/{}", k), "revoke", fmt::format("Signal/RoundTrip/{}", k),
				Goal::AtMost, 3, Clock::Fastest));
	list.push_back(make("  REVOKE mapped in no other process vs 1 round trip", "revoke", "Revoke/Processes/0",
			"revoke", "Signal/RoundTrip/1", Goal::Figure, 0, Clock::Fastest));
	list.push_back(make("  memory off, mapped in no other process vs 1 round trip", "revoke",
			"MemoryOff/Processes/0", "revoke", "Signal/RoundTrip/1", Goal::Figure, 0, Clock::Fastest));
	list.push_back(make("  one session call (config read) vs 1 round trip", "revoke", "Call/ConfigRead", "revoke",
			"Signal/RoundTrip/1", Goal::Figure, 0, Clock::Fastest));
	for (const char *k : {"1", "16"})
		list.push_back(make(fmt::format("  {} round trips, the handler remapping, vs {} round trips", k, k), "revoke",
				fmt::format("Signal/RoundTripRemap/{}", k), "revoke", fmt::format("Signal/RoundTrip/{}", k),
				Goal::Figure, 0, Clock::Fastest));
	for (const char *k : {"4", "16"})
		list.push_back(make(fmt::format("  {} signals at once vs {} round trips", k, k), "revoke",
				fmt::format("Signal/Broadcast/{}", k), "revoke", fmt::format("Signal/RoundTrip/{}", k),
				Goal::Figure, 0, Clock::Fastest));
	list.push_back(make("start-up: softvfio run -- true vs true", "startup", "Startup/RunTrue", "startup",
			"Startup/True", Goal::MsMore, 5.0, Clock::Fastest));
	list.push_back(make("start-up: run -- true in a running session vs true", "startup", "Startup/RunJoin", "startup",
			"Startup/True", Goal::MsFigure, 0, Clock::Fastest));
	list.push_back(make("  of which: softvfio --version vs true", "startup", "Startup/SoftvfioVersion", "startup",
			"Startup/True", Goal::MsFigure, 0, Clock::Fastest));
	list.push_back(make("  of which: true with the shim loaded, no session, vs true", "startup", "Startup/ShimTrue",
			"startup", "Startup/True", Goal::MsFigure, 0, Clock::Fastest));
	list.push_back(make("fork+exit+wait in a session vs raw clone", "fork", "Fork/Session", "fork", "Fork/Plain",
			Goal::Figure, 0, Clock::Fastest));
	for (const char *op : {"Ioctl", "Read", "Open"}) {
		list.push_back(make(fmt::format("tax: {} under the shim", op), "tax_shim", fmt::format("Tax/{}", op),
				"tax_plain", fmt::format("Tax/{}", op), Goal::AtMost, 1.10));
		list.push_back(make(fmt::format("tax: {} under the shim, VFIO fd open", op), "tax_shim_vfio",
				fmt::format("Tax/{}", op), "tax_plain", fmt::format("Tax/{}", op), Goal::AtMost, 1.10));
	}
	/* The trap-and-emulate core on its own (src/trap), and behind the
	 * session client's fault handler with the model in the session kernel. */
	list.push_back(make("trap: 4-byte register read emulated vs bare fault round trip", "trap",
			"Trap/Read4/Emulated", "trap", "Trap/Fault/Bare", Goal::AtMost, 1.5));
	list.push_back(make("trap: edu register read through the session vs bare fault round trip", "trap_session",
			"Trap/Session/Read4", "trap_session", "Trap/Session/FaultBare", Goal::AtMost, 1.5));
	list.push_back(make("in-process: GET_REGION_INFO vs FIONREAD", "model", "RegionInfo/Model", "model",
			"Ioctl/EventfdFionread", Goal::AtMost, 1.0));
	list.push_back(make("in-process: DMABUF export+close vs memfd+close", "model", "ExportClose/Dmabuf", "model",
			"ExportClose/Memfd", Goal::AtMost, 3.0));
	for (const char *n : {"1", "10", "100", "1000"})
		list.push_back(make(fmt::format("in-process: REVOKE, {} mappings vs {} MAP_FIXED", n, n), "model",
				fmt::format("Revoke/Buffer/{}", n), "model", fmt::format("Revoke/MapFixed/{}", n),
				Goal::AtMost, 2.0, Clock::Wall));
	list.push_back(make("in-process: memory off, 1000 buffers vs 1000 MAP_FIXED", "model", "TempRevoke/Device/1000",
			"model", "Revoke/MapFixed/1000", Goal::AtMost, 2.0, Clock::Wall));
	list.push_back(make("peer: umockdev ioctl vs softvfio ioctl (x faster)", "peer_softvfio", "Peer/Softvfio",
			"peer_umockdev", "Peer/Umockdev", Goal::AtLeast, 500, Clock::Wall));
	return list;
}

/* Cost per unit at `big` over that at `small` (best wall times): 1 is
 * linear, less is a fixed cost being spread. */
Row linearity(Results &r, const std::string &label, const std::string &file, const std::string &prefix, unsigned big,
	      unsigned small, Clock clock)
{
	Row row(label, "<= 2");
	row.json = {{"label", label}, {"goal", row.goal}};
	auto b = read(r, file, fmt::format("{}/{}", prefix, big), clock);
	auto s = read(r, file, fmt::format("{}/{}", prefix, small), clock);
	if (b && s && *s > 0) {
		double each_big = *b / big, each_small = *s / small;
		double v = each_big / each_small;
		row.value = fmt::format("{:.3g} ({} / {} each)", v, duration(each_big), duration(each_small));
		row.met = v <= 2.0;
		row.clock = clock == Clock::Fastest ? "wall, fastest" : "wall";
		row.json["value"] = v;
		row.json["met"] = *row.met;
		row.json["clock"] = row.clock;
	}
	return row;
}

std::vector<Row> linearities(Results &r)
{
	return {
		linearity(r, "REVOKE per process: K=16 / K=1", "revoke", "Revoke/Processes", 16, 1, Clock::Fastest),
		linearity(r, "REVOKE per process: K=16 / K=4", "revoke", "Revoke/Processes", 16, 4, Clock::Fastest),
		linearity(r, "memory off per process: K=16 / K=1", "revoke", "MemoryOff/Processes", 16, 1, Clock::Fastest),
		linearity(r, "memory off per process: K=16 / K=4", "revoke", "MemoryOff/Processes", 16, 4, Clock::Fastest),
		linearity(r, "in-process REVOKE per mapping: N=1000 / N=10", "model", "Revoke/Buffer", 1000, 10, Clock::Wall),
	};
}

/* The export's CPU in both processes: per repetition, the client's CPU
 * time plus the session kernel's (counter kernel_cpu_ns), the best
 * repetition; against memfd_create + close's CPU time. */
Row export_cpu(Results &r)
{
	Row row("  of which CPU, client + session kernel, vs memfd+close", "(figure)");
	row.json = {{"label", row.label}, {"goal", row.goal}, {"clock", "cpu, both processes"}};
	std::optional<double> best;
	for (const Json *b : r.runs("shim", "ExportClose/Shim")) {
		if (!b->contains("kernel_cpu_ns") || !(*b)["kernel_cpu_ns"].is_number())
			continue;
		double ns = b->value("cpu_time", 0.0) + (*b)["kernel_cpu_ns"].get<double>();
		if (!best || ns < *best)
			best = ns;
	}
	auto base = r.ns("shim", "ExportClose/Memfd", true);
	if (best && base && *base > 0) {
		row.value = fmt::format("{:.3g} ({} / {})", *best / *base, duration(*best), duration(*base));
		row.clock = "cpu, both processes";
		row.json["value"] = *best / *base;
	}
	return row;
}

/* The export+close figure's two halves, each its fastest iteration
 * (counters export_best_ns, close_best_ns) in the best repetition. */
Row export_halves(Results &r)
{
	Row row("  the export, the close, each vs memfd+close", "(figure)");
	row.json = {{"label", row.label}, {"goal", row.goal}, {"clock", "wall, fastest"}};
	std::optional<double> exp, cls;
	for (const Json *b : r.runs("shim", "ExportClose/Shim")) {
		if (!b->contains("export_best_ns") || !b->contains("close_best_ns"))
			continue;
		double e = (*b)["export_best_ns"].get<double>(), c = (*b)["close_best_ns"].get<double>();
		if (!exp || e < *exp)
			exp = e;
		if (!cls || c < *cls)
			cls = c;
	}
	auto base = read(r, "shim", "ExportClose/Memfd", Clock::Fastest);
	if (exp && cls && base && *base > 0) {
		row.value = fmt::format("{:.3g} + {:.3g} ({} + {} / {})", *exp / *base, *cls / *base, duration(*exp),
					duration(*cls), duration(*base));
		row.clock = "wall, fastest";
		row.json["value"] = {*exp / *base, *cls / *base};
	}
	return row;
}

/* What a call costs per process beyond its own cost: (T(K) - T(0)) / K,
 * against one signal round trip of the K in the baseline. */
Row per_process(Results &r, const std::string &label, const std::string &prefix, unsigned k)
{
	Row row(label, "(figure)");
	row.json = {{"label", label}, {"goal", row.goal}, {"clock", "wall, fastest"}};
	auto t = read(r, "revoke", fmt::format("{}/{}", prefix, k), Clock::Fastest);
	auto t0 = read(r, "revoke", fmt::format("{}/0", prefix), Clock::Fastest);
	auto rt = read(r, "revoke", fmt::format("Signal/RoundTrip/{}", k), Clock::Fastest);
	if (t && t0 && rt && *rt > 0 && *t > *t0) {
		double each = (*t - *t0) / k, base = *rt / k;
		row.value = fmt::format("{:.3g} ({} / {} each)", each / base, duration(each), duration(base));
		row.clock = "wall, fastest";
		row.json["value"] = each / base;
	}
	return row;
}

/* Bytes, with the unit that suits them. */
std::string bytes(double b)
{
	if (b >= 1 << 20 || b <= -(1 << 20))
		return fmt::format("{:.3g} MiB", b / (1 << 20));
	if (b >= 4096 || b <= -4096)
		return fmt::format("{:.3g} KiB", b / 1024);
	return fmt::format("{:.0f} B", b);
}

/* The memory figures: what one object costs the session kernel and this
 * client (bench_memory's counters). */
std::vector<Row> memory(Results &r)
{
	std::vector<Row> rows;
	struct Kind {
		const char *name, *label;
	};
	for (Kind k : {Kind{"Buffer", "DMABUF held open"}, Kind{"BufferMapping", "mapping of a DMABUF"},
		       Kind{"BarMapping", "mapping of the BAR"}, Kind{"Process", "process in the session"}}) {
		std::string name = fmt::format("Memory/{}", k.name);
		Row row(fmt::format("memory per {}", k.label), "(figure)");
		row.json = {{"label", row.label}};
		/* Each measured in a session of its own (run.sh). */
		std::string file = fmt::format("memory_{}", k.name);
		auto kp = r.counter(file, name, "kernel_private_each");
		auto kf = r.counter(file, name, "kernel_fds_each");
		auto cp = r.counter(file, name, "client_private_each");
		auto cf = r.counter(file, name, "client_fds_each");
		/* A process's own cost is its mailbox (below): the parent's
		 * figures say nothing about its children. */
		bool process = std::string(k.name) == "Process";
		if (kp && kf && process) {
			row.value = fmt::format("kernel {} private, {:.2f} fds", bytes(*kp), *kf);
			row.json.update({{"kernel_private_bytes", *kp}, {"kernel_fds", *kf}});
		} else if (kp && kf && cp && cf) {
			row.value = fmt::format("kernel {} private, {:.2f} fds; client {} private, {:.2f} fds", bytes(*kp),
						*kf, bytes(*cp), *cf);
			row.json.update({{"kernel_private_bytes", *kp},
					 {"kernel_fds", *kf},
					 {"client_private_bytes", *cp},
					 {"client_fds", *cf}});
		}
		rows.push_back(std::move(row));
	}
	Row mailbox("  client's mailbox (mapped size, resident)", "(figure)");
	mailbox.json = {{"label", mailbox.label}};
	auto size = r.counter("memory_Process", "Memory/Process", "mailbox_bytes");
	auto rss = r.counter("memory_Process", "Memory/Process", "mailbox_rss_bytes");
	if (size && rss) {
		mailbox.value = fmt::format("{}, {}", bytes(*size), bytes(*rss));
		mailbox.json.update({{"mailbox_bytes", *size}, {"mailbox_rss_bytes", *rss}});
	}
	rows.push_back(std::move(mailbox));
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
	for (const Pair &p : pairs()) {
		rows.push_back(judge(results, p));
		/* The breakdowns go right under the figure they explain. */
		if (p.subject == "ExportClose/Shim") {
			rows.push_back(export_halves(results));
			rows.push_back(export_cpu(results));
		}
		if (p.subject == "Call/ConfigRead") {
			rows.push_back(per_process(results, "  REVOKE per process beyond the call, K=16, vs 1 round trip",
						   "Revoke/Processes", 16));
			rows.push_back(per_process(results, "  memory off per process beyond the call, K=16, vs 1 round trip",
						   "MemoryOff/Processes", 16));
		}
	}
	for (Row &l : linearities(results))
		rows.push_back(std::move(l));
	for (Row &m : memory(results))
		rows.push_back(std::move(m));

	size_t width = 0;
	for (const Row &row : rows)
		width = std::max(width, row.label.size());
	Json out = Json::array();
	for (const Row &row : rows) {
		const char *mark = !row.met ? "    " : *row.met ? "ok  " : "MISS";
		fmt::print("{} {:<{}}  {:<12} {}{}\n", mark, row.label, width, row.goal, row.value,
			   row.clock.empty() || row.value == "n/a" ? "" : " [" + row.clock + "]");
		out.push_back(row.json);
	}
	std::ofstream(std::string(argv[1]) + "/results.json") << out.dump(2) << "\n";
	return 0;
}
