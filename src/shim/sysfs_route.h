/* SPDX-License-Identifier: MIT */
/*
 * Where a /sys path lives: in the machine's sysfs, in the software devices'
 * view (Kernel::sysfs_root(), a real directory laid out like /sys), or in
 * both.
 *
 * The view is an overlay decided by existence, name by name as the walk
 * (sysfs_walk.h) looks them up: a name the view has is the view's, except
 * a directory that exists in both, whose listing is the union of the two
 * (Merged: /sys/bus/pci/devices, /sys/class, ...). Everything else is the
 * machine's.
 */
#pragma once

#include <string>

#include "shim/sysfs_walk.h"

namespace softvfio::shim {

enum class SysRoute { Real, Overlay, Merged };

/* The trees of the walk on real directories: the view at `view` (none if
 * empty) and the machine's sysfs at `machine` (a test gives a directory of
 * its own). Asks with lstat and readlink: in the shim, from inside a
 * ModelScope, so that those are the C library's. */
class SysfsDirs final : public SysfsTrees
{
public:
	explicit SysfsDirs(std::string view, std::string machine = "/sys")
		: view_(std::move(view)), machine_(std::move(machine))
	{
	}
	NodeType probe(SysSide side, const std::string &rel, int &error) override;
	bool link_text(SysSide side, const std::string &rel, std::string &target) override;

private:
	const std::string *root(SysSide side) const { return side == SysSide::View ? &view_ : &machine_; }

	std::string view_;
	std::string machine_;
};

/* Where a walk that found its node (End::Found) is served from. */
SysRoute route_walk(const SysfsWalk &walk);

/* A real path inside the view at `view` (or at its canonical spelling)
 * spelled as the /sys path it stands for; any other path unchanged. For
 * what the kernel names (readlink, realpath, getcwd): the program must
 * never see where the view really is. */
std::string spell_as_sys(const std::string &path, const std::string &view, const std::string &view_canonical);

} /* namespace softvfio::shim */
