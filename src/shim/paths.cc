/* SPDX-License-Identifier: MIT */
#include "shim/paths.h"

#include <vector>

#include "base/lexical_path.h"

namespace softvfio::shim {

namespace {

bool starts_with(std::string_view s, std::string_view prefix) { return s.substr(0, prefix.size()) == prefix; }

/* `s` is prefix, or prefix followed by '/'. */
bool is_or_below(std::string_view s, std::string_view prefix)
{
	return starts_with(s, prefix) && (s.size() == prefix.size() || s[prefix.size()] == '/');
}

bool parse_number(std::string_view s, long &value)
{
	if (s.empty() || s.size() > 9)
		return false;
	value = 0;
	for (char c : s) {
		if (c < '0' || c > '9')
			return false;
		value = value * 10 + (c - '0');
	}
	return true;
}

/* The sysfs trees a software device can appear in (sysfs_root() holds the
 * same layout); everything else below /sys is the machine's alone and never
 * makes the shim create its model. */
bool sys_candidate(std::string_view rel)
{
	if (rel.empty())
		return true;
	for (std::string_view top : {"/bus", "/devices", "/kernel", "/class", "/module", "/dev"})
		if (rel == top)
			return true;
	for (std::string_view tree : {"/bus/pci", "/devices/pci", "/devices/virtual", "/kernel/iommu_groups",
				      "/class/vfio", "/class/vfio-dev", "/class/misc", "/module/vfio", "/module/vfio_pci",
				      "/module/vfio_iommu_type1", "/module/vfio_pci_core", "/module/iommufd",
				      "/dev/char"})
		if (is_or_below(rel, tree))
			return true;
	/* /devices/pci<domain>:<bus> roots. */
	return starts_with(rel, "/devices/pci");
}

/* "/proc/<this process>/<rest>": the rest, else empty. */
std::string_view own_proc_rest(std::string_view norm, pid_t (*self)())
{
	std::string_view p = norm.substr(6); /* after "/proc/" */
	size_t slash = p.find('/');
	if (slash == std::string_view::npos)
		return {};
	std::string_view who = p.substr(0, slash), rest = p.substr(slash + 1);
	long pid;
	if (who == "self" || who == "thread-self") {
		/* ok */
	} else if (parse_number(who, pid)) {
		if (pid != self())
			return {};
	} else {
		return {};
	}
	/* task/<tid>/...: a thread of ours (only ours are listed there). */
	if (who != "thread-self" && starts_with(rest, "task/")) {
		std::string_view t = rest.substr(5);
		size_t s2 = t.find('/');
		long tid;
		if (s2 == std::string_view::npos || !parse_number(t.substr(0, s2), tid))
			return {};
		rest = t.substr(s2 + 1);
	}
	return rest;
}

/* The first name of an absolute path, past "/", "." and ".." (all of
 * which are the root there). */
std::string_view first_name(std::string_view path)
{
	std::string_view name;
	for_each_component(path, [&](std::string_view part) {
		if (part.empty() || part == "." || part == "..")
			return true;
		name = part;
		return false;
	});
	return name;
}

/* "<n>" or "<n>/<rest>" after "fd/": the number and "" or "/<rest>". */
bool dir_of_fd(std::string_view s, long &fd, std::string &rel)
{
	size_t slash = s.find('/');
	if (!parse_number(s.substr(0, slash), fd))
		return false;
	rel = slash == std::string_view::npos ? std::string() : std::string(s.substr(slash));
	return true;
}

} /* namespace */

bool normalize_path(std::string_view path, bool allow_dotdot, std::string &out)
{
	return lexically_normal(path, allow_dotdot, out);
}

std::string tidy_path(std::string_view path, bool &dotdot)
{
	std::string out;
	out.reserve(path.size());
	dotdot = false;
	bool trailing = false;
	for_each_component(path, [&](std::string_view part) {
		trailing = part.empty() || part == ".";
		if (trailing)
			return true;
		if (part == "..") {
			if (out.empty())
				return true; /* "/.." is "/" */
			dotdot = true;
		}
		out += '/';
		out.append(part.data(), part.size());
		return true;
	});
	if (out.empty() || trailing || (!path.empty() && path.back() == '/'))
		out += '/';
	return out;
}

std::string join_path(std::string_view dir, std::string_view rel)
{
	std::string out(dir);
	if (out.empty() || out.back() != '/')
		out += '/';
	out += rel;
	return out;
}

PathClass classify_path(const char *path, pid_t (*self)())
{
	PathClass c;
	/* The cheap test every path takes. */
	if (!path || path[0] != '/')
		return c;
	switch (path[1]) {
	case 'd': case 's': case 'p': case '/': case '.':
		break;
	default:
		return c;
	}
	std::string_view raw(path);
	bool plain = raw.find("//") == std::string_view::npos && raw.find("/.") == std::string_view::npos;
	if (plain && !starts_with(raw, "/dev/vfio") && !starts_with(raw, "/dev/iommu") && !starts_with(raw, "/sys") &&
	    !starts_with(raw, "/proc/"))
		return c;

	bool dotdot = false;
	if (first_name(raw) == "sys") {
		/* Below /sys, ".." and links are the walk's. */
		std::string tidy = tidy_path(raw, dotdot);
		std::string rel = tidy.substr(4);
		if (!dotdot) {
			std::string_view bare(rel);
			if (!bare.empty() && bare.back() == '/')
				bare.remove_suffix(1);
			if (!sys_candidate(bare))
				return c;
		}
		c.kind = PathKind::Sys;
		c.norm = std::move(tidy);
		c.rel = std::move(rel);
		return c;
	}

	std::string norm;
	normalize_path(raw, true, norm);
	if (is_or_below(norm, "/dev/vfio") || norm == "/dev/iommu") {
		c.kind = PathKind::DevNode;
		c.norm = std::move(norm);
		return c;
	}
	if (starts_with(raw, "/dev/vfio/")) {
		/* "/dev/vfio/..": the served directory does not exist for the
		 * C library, so it gets the lexical answer. */
		c.norm = std::move(norm);
		return c;
	}
	/* ".." before /sys (a link may come first): the C library's. */
	if (is_or_below(norm, "/sys"))
		return c;
	if (!starts_with(norm, "/proc/"))
		return c;
	/* /proc is looked at tidied, not folded: "cwd/.." is the parent of
	 * the current directory, not /proc/self. */
	std::string tidy = tidy_path(raw, dotdot);
	if (!starts_with(tidy, "/proc/"))
		return c;
	std::string_view rest = own_proc_rest(tidy, self);
	long fd;
	if (rest == "cwd" || starts_with(rest, "cwd/")) {
		c.kind = PathKind::ProcDir;
		c.rel = std::string(rest.substr(3));
	} else if (starts_with(rest, "fd/") && dir_of_fd(rest.substr(3), fd, c.rel)) {
		c.kind = c.rel.empty() ? PathKind::ProcFd : PathKind::ProcDir;
		c.fd = static_cast<int>(fd);
	} else if (dotdot) {
		return c;
	} else if (rest == "maps") {
		c.kind = PathKind::ProcMaps;
	} else if (starts_with(rest, "fdinfo/") && parse_number(rest.substr(7), fd)) {
		c.kind = PathKind::ProcFdinfo;
		c.fd = static_cast<int>(fd);
	} else {
		return c;
	}
	c.norm = std::move(tidy);
	return c;
}

} /* namespace softvfio::shim */
