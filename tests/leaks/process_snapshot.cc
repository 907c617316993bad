/* SPDX-License-Identifier: MIT */
#include "leaks/process_snapshot.h"

#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <dirent.h>
#include <string_view>
#include <unistd.h>

namespace softvfio::test {

namespace {

/* A file replaced while mapped or open (a test binary rebuilt under a
 * running fuzzer) gains " (deleted)": the same file all the same. Memfds
 * keep their "/memfd:name" and stay visible. */
void strip_deleted(std::string &path)
{
	constexpr std::string_view kDeleted = " (deleted)";
	if (path.size() >= kDeleted.size() && path.compare(path.size() - kDeleted.size(), kDeleted.size(), kDeleted) == 0)
		path.erase(path.size() - kDeleted.size());
}

void take_fds(ProcessSnapshot &s)
{
	DIR *dir = ::opendir("/proc/self/fd");
	if (!dir)
		return;
	/* The directory's own fd is in the listing; leave it out. */
	const int own = ::dirfd(dir);
	while (struct dirent *e = ::readdir(dir)) {
		if (e->d_name[0] == '.')
			continue;
		const int fd = std::atoi(e->d_name);
		if (fd == own)
			continue;
		char path[64], target[512];
		std::snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
		ssize_t n = ::readlink(path, target, sizeof(target) - 1);
		target[n < 0 ? 0 : n] = '\0';
		std::string what = target;
		strip_deleted(what);
		s.fds.emplace(fd, what);
	}
	::closedir(dir);
}

void take_maps(ProcessSnapshot &s)
{
	FILE *f = std::fopen("/proc/self/maps", "re");
	if (!f)
		return;
	char line[1024];
	while (std::fgets(line, sizeof(line), f)) {
		/* Most lines are anonymous memory (all the more under a
		 * sanitizer): a file's line names a path, which has a '/'. */
		if (!std::strchr(line, '/'))
			continue;
		uintptr_t start, end;
		char perms[8] = {};
		uint64_t offset, inode;
		int path_at = 0;
		if (std::sscanf(line, "%" SCNxPTR "-%" SCNxPTR " %7s %" SCNx64 " %*s %" SCNu64 " %n", &start, &end,
				perms, &offset, &inode, &path_at) < 5)
			continue;
		std::string path = path_at ? std::string(line + path_at) : "";
		path.erase(path.find_last_not_of('\n') + 1);
		/* Anonymous memory, and the kernel's own areas, are not ours. */
		if (inode == 0 || path.empty() || path[0] == '[')
			continue;
		std::string text = line;
		text.erase(text.find_last_not_of('\n') + 1);
		strip_deleted(text);
		s.maps.insert(text);
	}
	std::fclose(f);
}

} /* namespace */

ProcessSnapshot ProcessSnapshot::take()
{
	ProcessSnapshot s;
	take_fds(s);
	take_maps(s);
	return s;
}

std::vector<std::string> ProcessSnapshot::diff(const ProcessSnapshot &before, const ProcessSnapshot &after)
{
	std::vector<std::string> out;
	for (const auto &fd : after.fds)
		if (!before.fds.count(fd))
			out.push_back("+fd " + std::to_string(fd.first) + " " + fd.second);
	for (const auto &fd : before.fds)
		if (!after.fds.count(fd))
			out.push_back("-fd " + std::to_string(fd.first) + " " + fd.second);
	std::multiset<std::string> added = after.maps, lost = before.maps;
	for (const auto &m : before.maps)
		if (auto it = added.find(m); it != added.end())
			added.erase(it);
	for (const auto &m : after.maps)
		if (auto it = lost.find(m); it != lost.end())
			lost.erase(it);
	for (const auto &m : added)
		out.push_back("+map " + m);
	for (const auto &m : lost)
		out.push_back("-map " + m);
	return out;
}

} /* namespace softvfio::test */
