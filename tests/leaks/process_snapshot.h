/* SPDX-License-Identifier: MIT */
/*
 * ProcessSnapshot: the fds and the file-backed mappings the process holds,
 * as /proc/self/fd and /proc/self/maps show them, for "nothing leaked"
 * checks: take one, run a scenario on its own Kernel, destroy the Kernel,
 * take another, compare.
 *
 * Anonymous mappings are left out: malloc arenas, thread stacks and
 * sanitizer shadow come and go on their own. Every mapping the model makes
 * is file-backed (a BAR memfd, a stand-in, the empty revoked memfd), so none
 * of them can hide there.
 */
#pragma once

#include <set>
#include <string>
#include <utility>
#include <vector>

namespace softvfio::test {

struct ProcessSnapshot {
	/* fd number -> what it refers to (readlink of /proc/self/fd/N). */
	std::set<std::pair<int, std::string>> fds;
	/* "start-end perms offset path" of every file-backed mapping. */
	std::multiset<std::string> maps;

	static ProcessSnapshot take();
	/* Human-readable differences, empty when none: "+fd 7 memfd:dmabuf"
	 * for what `after` has in addition, "-..." for what it lost. */
	static std::vector<std::string> diff(const ProcessSnapshot &before, const ProcessSnapshot &after);
};

} /* namespace softvfio::test */
