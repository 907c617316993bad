/* SPDX-License-Identifier: MIT */
#include "shim/trace_decode.h"

#include <algorithm>
#include <array>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <sys/mman.h>
#include <ctime>

#include <softvfio/uapi/vfio.h>

#include "base/errno_name.h"
#include "shim/trace_decode_util.h"

namespace softvfio::shim {

using namespace trace_detail;

namespace trace_detail {

const Names kRegions = {{VFIO_PCI_BAR0_REGION_INDEX, "BAR0"}, {VFIO_PCI_BAR1_REGION_INDEX, "BAR1"},
			{VFIO_PCI_BAR2_REGION_INDEX, "BAR2"}, {VFIO_PCI_BAR3_REGION_INDEX, "BAR3"},
			{VFIO_PCI_BAR4_REGION_INDEX, "BAR4"}, {VFIO_PCI_BAR5_REGION_INDEX, "BAR5"},
			{VFIO_PCI_ROM_REGION_INDEX, "ROM"},   {VFIO_PCI_CONFIG_REGION_INDEX, "CONFIG"},
			{VFIO_PCI_VGA_REGION_INDEX, "VGA"}};
const Names kIrqs = {{VFIO_PCI_INTX_IRQ_INDEX, "INTX"}, {VFIO_PCI_MSI_IRQ_INDEX, "MSI"},
		     {VFIO_PCI_MSIX_IRQ_INDEX, "MSIX"}, {VFIO_PCI_ERR_IRQ_INDEX, "ERR"},
		     {VFIO_PCI_REQ_IRQ_INDEX, "REQ"}};

} /* namespace trace_detail */

namespace {

#define NAME SOFTVFIO_TRACE_NAME

const Names kProt = {NAME(PROT_READ), NAME(PROT_WRITE), NAME(PROT_EXEC)};
const Names kMapFlags = {NAME(MAP_SHARED),    NAME(MAP_PRIVATE),         NAME(MAP_FIXED),    NAME(MAP_ANONYMOUS),
			 NAME(MAP_NORESERVE), NAME(MAP_POPULATE),        NAME(MAP_LOCKED),   NAME(MAP_HUGETLB),
			 NAME(MAP_FIXED_NOREPLACE), NAME(MAP_SHARED_VALIDATE)};
const Names kOpenFlags = {NAME(O_CREAT),   NAME(O_EXCL),     NAME(O_NOCTTY),    NAME(O_TRUNC), NAME(O_APPEND),
			  NAME(O_NONBLOCK), NAME(O_DSYNC),   NAME(O_DIRECTORY), NAME(O_NOFOLLOW),
			  NAME(O_CLOEXEC), NAME(O_PATH)};

#undef NAME

} /* namespace */

TraceFdKind trace_fd_kind(std::string_view link)
{
	/* The names the kernel's own /proc/self/fd links give each object. */
	auto starts = [&](std::string_view p) { return link.substr(0, p.size()) == p; };
	if (link == "/dev/vfio/vfio")
		return TraceFdKind::Container;
	if (link == "/dev/iommu")
		return TraceFdKind::Iommufd;
	if (link == "anon_inode:[vfio-device]" || starts("/dev/vfio/devices/"))
		return TraceFdKind::Device;
	if (starts("/dev/vfio/"))
		return TraceFdKind::Group;
	if (starts("/dmabuf:"))
		return TraceFdKind::DmaBuf;
	if (link == "anon_inode:[eventfd]")
		return TraceFdKind::Eventfd;
	return TraceFdKind::Unknown;
}

const char *trace_fd_kind_name(TraceFdKind kind)
{
	switch (kind) {
	case TraceFdKind::Container:
		return "container";
	case TraceFdKind::Group:
		return "group";
	case TraceFdKind::Device:
		return "device";
	case TraceFdKind::Iommufd:
		return "iommufd";
	case TraceFdKind::DmaBuf:
		return "dma-buf";
	case TraceFdKind::Eventfd:
		return "eventfd";
	case TraceFdKind::Unknown:
		break;
	}
	return "unknown";
}

std::string flag_names(uint64_t value, const Names &names)
{
	std::string out;
	uint64_t left = value;
	for (const auto &[bit, name] : names)
		if (bit && (left & bit) == bit) {
			out += (out.empty() ? "" : "|") + std::string(name);
			left &= ~bit;
		}
	if (left)
		out += (out.empty() ? "" : "|") + hex_text(left);
	return out.empty() ? "0" : out;
}

TraceArg fd_arg(const char *name, int fd, const std::string &what)
{
	json j = {{"fd", fd}};
	if (!what.empty())
		j["path"] = what;
	return {name, what.empty() ? std::to_string(fd) : std::to_string(fd) + "<" + what + ">", j};
}

TraceArg number_arg(const char *name, long long value) { return {name, std::to_string(value), json(value)}; }

TraceArg hex_arg(const char *name, unsigned long long value) { return {name, hex_text(value), json(value)}; }

TraceArg address_arg(const char *name, uintptr_t value)
{
	return {name, value ? hex_text(value) : "NULL", json(value)};
}

TraceArg text_arg(const char *name, const std::string &value)
{
	std::string quoted = "\"";
	for (char c : value) {
		if (c == '"' || c == '\\')
			quoted += '\\';
		if (static_cast<unsigned char>(c) < 0x20) {
			char esc[8];
			std::snprintf(esc, sizeof(esc), "\\x%02x", static_cast<unsigned char>(c));
			quoted += esc;
		} else {
			quoted += c;
		}
	}
	return {name, quoted + "\"", json(value)};
}

TraceArg open_flags_arg(const char *name, int flags)
{
	static const std::array<const char *, 3> modes{"O_RDONLY", "O_WRONLY", "O_RDWR"};
	int mode = flags & O_ACCMODE;
	std::string text = mode < 3 ? modes[static_cast<size_t>(mode)] : "O_ACCMODE";
	if (int rest = flags & ~O_ACCMODE)
		text += "|" + flag_names(static_cast<unsigned>(rest), kOpenFlags);
	return {name, text, json(text)};
}

TraceArg mmap_prot_arg(const char *name, int prot)
{
	std::string text = prot ? flag_names(static_cast<unsigned>(prot), kProt) : "PROT_NONE";
	return {name, text, json(text)};
}

TraceArg mmap_flags_arg(const char *name, int flags)
{
	/* MAP_SHARED_VALIDATE is SHARED|PRIVATE: name it before its bits. */
	Names ordered = kMapFlags;
	std::rotate(ordered.begin(), ordered.end() - 1, ordered.end());
	std::string text = flag_names(static_cast<unsigned>(flags), ordered);
	return {name, text, json(text)};
}

TraceArg region_offset_arg(const char *name, unsigned long long offset)
{
	uint64_t index = offset >> VFIO_PCI_OFFSET_SHIFT;
	uint64_t within = offset & VFIO_PCI_OFFSET_MASK;
	std::string region = enum_text(index, kRegions);
	return {name, hex_text(offset) + " /* " + region + "+" + hex_text(within) + " */",
		json{{"offset", offset}, {"region", region}, {"region_offset", within}}};
}

namespace {

/* "SECONDS.uuuuuu" of a count of nanoseconds (microseconds, as strace). */
std::string seconds_text(int64_t ns)
{
	char buf[40];
	std::snprintf(buf, sizeof(buf), "%lld.%06lld", static_cast<long long>(ns / 1000000000),
		      static_cast<long long>(ns % 1000000000 / 1000));
	return buf;
}

std::string timestamp_text(int64_t wall_ns, int level)
{
	if (level >= 3)
		return seconds_text(wall_ns);
	time_t secs = static_cast<time_t>(wall_ns / 1000000000);
	struct tm tm {};
	localtime_r(&secs, &tm);
	char buf[40];
	if (level == 2)
		std::snprintf(buf, sizeof(buf), "%02d:%02d:%02d.%06lld", tm.tm_hour, tm.tm_min, tm.tm_sec,
			      static_cast<long long>(wall_ns % 1000000000 / 1000));
	else
		std::snprintf(buf, sizeof(buf), "%02d:%02d:%02d", tm.tm_hour, tm.tm_min, tm.tm_sec);
	return buf;
}

} /* namespace */

std::string format_text(const TraceEvent &e, const TraceFormat &format)
{
	std::string line = format.timestamps ? timestamp_text(e.wall_ns, format.timestamps) + " " : std::string();
	line += e.call + "(";
	for (size_t i = 0; i < e.args.size(); i++)
		line += (i ? ", " : "") + e.args[i].text;
	line += ") = ";
	if (e.result < 0 && e.result > -4096) {
		int code = static_cast<int>(-e.result);
		line += "-1 " + errno_name(code) + " (" + std::strerror(code) + ")";
	} else if (e.hex_result) {
		line += hex_text(static_cast<unsigned long>(e.result));
	} else {
		line += std::to_string(e.result);
	}
	if (format.durations)
		line += " <" + seconds_text(e.duration_ns > 0 ? e.duration_ns : 0) + ">";
	return line;
}

json format_json(const TraceEvent &e, const TraceFormat &format)
{
	json args = json::object();
	for (const TraceArg &a : e.args)
		args[a.name] = a.json;
	json j = {{"call", e.call}, {"args", args}};
	if (e.result < 0 && e.result > -4096) {
		j["result"] = -1;
		j["errno"] = errno_name(static_cast<int>(-e.result));
	} else {
		j["result"] = e.result;
	}
	/* Whole microseconds, so that the numbers read as the text's do. */
	if (format.timestamps)
		j["time"] = static_cast<double>(e.wall_ns / 1000) / 1e6;
	if (format.durations)
		j["duration"] = static_cast<double>(e.duration_ns > 0 ? e.duration_ns / 1000 : 0) / 1e6;
	return j;
}

} /* namespace softvfio::shim */
