/* SPDX-License-Identifier: MIT */
#include "shim/cwd_rules.h"

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "shim/paths.h"
#include "shim/sysfs_route.h"

namespace softvfio::shim {

namespace {

bool is_or_below(std::string_view s, std::string_view prefix)
{
	return s.substr(0, prefix.size()) == prefix && (s.size() == prefix.size() || s[prefix.size()] == '/');
}

} /* namespace */

bool cwd_keeps(std::string_view logical) noexcept
{
	return is_or_below(logical, "/sys") || is_or_below(logical, "/dev/vfio");
}

ChdirPlan plan_chdir(const Resolved &r, const std::optional<NodeInfo> &node)
{
	ChdirPlan plan;
	switch (r.route) {
	case Route::Error:
		plan.error = r.error;
		return plan;
	case Route::SysView:
	case Route::SysMerged:
		if (!r.dir) {
			plan.error = ENOTDIR;
			return plan;
		}
		/* The view's real directory, or the machine's for a merged
		 * one: where calls the shim does not see had best go. */
		plan.real = r.route == Route::SysView ? r.path : r.logical;
		plan.logical = r.logical;
		return plan;
	case Route::Node:
		if (!node)
			break;
		if (!node->exists || !node->directory) {
			plan.error = node->exists ? ENOTDIR : ENOENT;
			return plan;
		}
		/* A served directory has no real one: /dev, as its directory
		 * fds have. */
		plan.real = "/dev";
		plan.logical = r.logical;
		return plan;
	case Route::Real:
		/* The machine's, below /sys, resolved by the walk. */
		if (r.logical.empty())
			break;
		plan.real = r.path;
		plan.logical = r.logical;
		return plan;
	default:
		break;
	}
	plan.learn = true;
	return plan;
}

std::string cwd_from_real(std::string_view real, const std::string &view, const std::string &view_canonical)
{
	std::string sys = spell_as_sys(std::string(real), view, view_canonical);
	return is_or_below(sys, "/sys") ? sys : std::string();
}

std::string cwd_from_pwd(std::string_view real, const char *pwd)
{
	std::string norm;
	if (real != "/dev" || !pwd || pwd[0] != '/' || !normalize_path(pwd, true, norm))
		return {};
	return is_or_below(norm, "/dev/vfio") ? norm : std::string();
}

char *copy_cwd(const std::string &logical, char *buf, size_t size) noexcept
{
	size_t need = logical.size() + 1;
	if (!buf) {
		size_t n = size ? size : need;
		if (n < need) {
			errno = ERANGE;
			return nullptr;
		}
		buf = static_cast<char *>(std::malloc(n));
		if (!buf) {
			errno = ENOMEM;
			return nullptr;
		}
	} else if (size == 0) {
		errno = EINVAL;
		return nullptr;
	} else if (size < need) {
		errno = ERANGE;
		return nullptr;
	}
	std::memcpy(buf, logical.c_str(), need);
	return buf;
}

} /* namespace softvfio::shim */
