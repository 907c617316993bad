/* SPDX-License-Identifier: MIT */
#include "shim/sysfs_route.h"

#include <sys/stat.h>

namespace softvfio::shim {

SysRoute route_sys(const std::string &overlay, const std::string &rel, bool follow)
{
	if (overlay.empty())
		return SysRoute::Real;
	std::string in_view = overlay + rel;
	struct stat view;
	if ((follow ? ::stat(in_view.c_str(), &view) : ::lstat(in_view.c_str(), &view)) < 0) {
		/* A dangling or looping link is still the view's. */
		if (follow && ::lstat(in_view.c_str(), &view) == 0)
			return SysRoute::Overlay;
		return SysRoute::Real;
	}
	if (!S_ISDIR(view.st_mode))
		return SysRoute::Overlay;
	std::string machine = "/sys" + rel;
	struct stat real;
	if ((follow ? ::stat(machine.c_str(), &real) : ::lstat(machine.c_str(), &real)) == 0 && S_ISDIR(real.st_mode))
		return SysRoute::Merged;
	return SysRoute::Overlay;
}

} /* namespace softvfio::shim */
