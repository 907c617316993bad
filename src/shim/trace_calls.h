/* SPDX-License-Identifier: MIT */
/*
 * What `softvfio trace` can show and count: the names of the traced calls,
 * strace's `-e trace=` expressions over them, and the `-c` summary table.
 * Pure functions, shared by the command (which checks the expressions and
 * passes the resulting set on) and the shim (which filters and counts).
 */
#pragma once

#include <cstdint>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace softvfio::shim {

/* Every call name a trace line can start with, in the order the manual
 * lists them. */
const std::vector<std::string_view> &trace_call_names();

/* The calls `-e EXPR` selects, added to `calls`. EXPR is strace's:
 * "trace=SET" or a bare SET, SET a comma list of call names, aliases
 * ("open" is openat, "stat", "lstat" and "fstatat" are newfstatat, ...) and
 * classes (%file, %desc, %memory, %stat), "all" or "none"; a leading "!"
 * selects every call but SET. False with `error` set ("invalid system call
 * 'x'") for anything else. */
bool trace_expr_calls(std::string_view expr, std::set<std::string> &calls, std::string &error);

/* The fds `-e fd=SET` (or strace's `-e trace-fds=SET`) selects, added
 * to `fds`: SET a comma list of fd numbers and kinds of fd (container,
 * group, device, iommufd, dma-buf, eventfd: trace_decode.h). False with
 * `error` set for anything else, or for an expression of another
 * qualifier. Only the calls on a selected fd are then shown. */
bool trace_expr_fds(std::string_view expr, std::set<std::string> &fds, std::string &error);

/* Whether `expr` is an fd= (trace-fds=) expression rather than trace=. */
bool trace_expr_is_fds(std::string_view expr);

/* One row of the summary: the call, ioctls by their request's name
 * ("ioctl(VFIO_IOMMU_MAP_DMA)"). */
struct TraceStat {
	std::string name;
	uint64_t calls = 0;
	uint64_t errors = 0;
	int64_t ns = 0;      /* total time in the calls */
};

/* The summary's record of one call, one line each ("NAME\tERRNO\tNS\n"),
 * appended by every traced process, and the rows they add up to. */
std::string trace_stat_record(std::string_view name, bool error, int64_t ns);
std::vector<TraceStat> trace_stats_from_records(std::string_view records);

/* strace -c's table: "% time  seconds  usecs/call  calls  errors  call",
 * rows by time spent (then by name), then the total. */
std::string format_summary_text(std::vector<TraceStat> stats);
/* {"summary": [{"call": ..., "calls": n, "errors": n, "seconds": s,
 * "usecs_per_call": n}, ...], "total": {...}} */
nlohmann::json format_summary_json(std::vector<TraceStat> stats);

} /* namespace softvfio::shim */
