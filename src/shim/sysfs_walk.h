/* SPDX-License-Identifier: MIT */
/*
 * Path resolution below /sys the way the kernel walks it (namei.c), over
 * two trees: the software devices' view and the machine's sysfs.
 *
 * Almost everything in sysfs that a program names is reached through a
 * symlink (bus/pci/devices/<bdf> -> ../../../devices/pci<dom>:<bus>/<bdf>),
 * and ".." goes to the parent of what the link led to, not of the link. So
 * a path is walked component by component from "/": each name is looked up
 * in the view when the directory it is in is the view's, in the machine's
 * sysfs when the directory is the machine's (both when both have it: the
 * view wins, as routing does), a symlink is replaced by its target (relative
 * to the directory holding it, or from "/" if absolute), ".." pops to the
 * directory reached before (at "/" it stays: the kernel clamps there too).
 * The walk is logical: a link of the view never resolves inside the view's
 * real directory, so nothing leads to the session directory around it.
 *
 * The walk only knows /sys. Once it leaves (a ".." above /sys, a link to
 * elsewhere), what is left of the path goes to the rest of the system
 * unresolved (End::Outside): the caller classifies it again, and outside
 * the device nodes it is the C library's.
 *
 * Pure: the trees are asked through SysfsTrees, so tests need no session.
 */
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace softvfio::shim {

enum class NodeType : uint8_t { Missing, Dir, Link, File };
enum class SysSide : uint8_t { View, Machine };

/* The two trees, by path below /sys: "" for /sys itself, else "/bus/pci". */
class SysfsTrees
{
public:
	virtual ~SysfsTrees() = default;
	/* What `rel` is on `side`, a final link not followed (lstat); Missing
	 * with `error` set (ENOENT, EACCES, ...) when the lookup fails. */
	virtual NodeType probe(SysSide side, const std::string &rel, int &error) = 0;
	/* The text of the link at `rel` on `side`; false if unreadable. */
	virtual bool link_text(SysSide side, const std::string &rel, std::string &target) = 0;
};

struct SysfsWalk {
	enum class End : uint8_t {
		Found,    /* path: the resolved /sys path of an existing node */
		Missing,  /* path: resolved parent + the missing last name */
		Outside,  /* path: absolute, where the rest of the walk goes */
		Error,    /* error: the errno the kernel would give */
	};
	End end = End::Error;
	int error = 0;
	std::string path;
	/* Found: what the node is (a final link not followed is a Link). */
	NodeType type = NodeType::Missing;
	/* Found: the node is the view's / the machine's; both only for a
	 * directory that both have (a merged one). Missing: the same for the
	 * directory that lacks the name. */
	bool view = false;
	bool machine = false;
};

/* The kernel follows at most this many links in one lookup (MAXSYMLINKS). */
inline constexpr int kMaxSymlinks = 40;

/*
 * Resolve the absolute `path`. `follow`: whether a link in the last
 * component is followed (stat, open) or not (lstat, readlink, O_NOFOLLOW).
 * A trailing '/' follows it anyway and requires a directory, as in the
 * kernel (ENOTDIR otherwise). A name missing before the last is an error
 * (ENOENT, or the lookup's own errno); a missing last name is End::Missing,
 * for the caller to decide (the machine's directory may let it be created).
 */
SysfsWalk walk_sysfs(std::string_view path, bool follow, SysfsTrees &trees);

} /* namespace softvfio::shim */
