/* SPDX-License-Identifier: MIT */
/*
 * Extended attributes, which `ls -l` asks for every file (ACLs, security
 * labels): a served device node has none, a sysfs view path has those of
 * the file it is. Not in docs/semantics-client.md §4, but without them tools that
 * list /dev/vfio or /sys report the paths missing.
 */
#include <sys/xattr.h>

#include "shim/dev_nodes.h"
#include "shim/real.h"
#include "shim/resolve.h"
#include "shim/state.h"

using namespace softvfio;
using namespace softvfio::shim;

#define SHIM_EXPORT extern "C" __attribute__((visibility("default")))

namespace {

/* The path to ask instead, "" for a served node (answer `node_answer`),
 * or null for the caller's own. */
template<typename Real>
ssize_t xattr_call(const char *path, bool follow, long node_answer, Real real)
{
	if (in_model())
		return real(path);
	Resolved r = resolve_path(AT_FDCWD, path, follow);
	switch (r.route) {
	case Route::Node:
		if (auto info = served_node(r.logical))
			return syscall_result<ssize_t>(info->exists ? node_answer : -ENOENT);
		break;
	case Route::SysView:
		return real(r.path.c_str());
	case Route::SysMerged:
		return real(r.logical.c_str());
	default:
		break;
	}
	return real(r.path.empty() ? path : r.path.c_str());
}

} /* namespace */

SHIM_EXPORT ssize_t getxattr(const char *path, const char *name, void *value, size_t size)
{
	return xattr_call(path, true, -ENODATA, [&](const char *p) { return REAL(getxattr)(p, name, value, size); });
}

SHIM_EXPORT ssize_t lgetxattr(const char *path, const char *name, void *value, size_t size)
{
	return xattr_call(path, false, -ENODATA, [&](const char *p) { return REAL(lgetxattr)(p, name, value, size); });
}

SHIM_EXPORT ssize_t listxattr(const char *path, char *list, size_t size)
{
	return xattr_call(path, true, 0, [&](const char *p) { return REAL(listxattr)(p, list, size); });
}

SHIM_EXPORT ssize_t llistxattr(const char *path, char *list, size_t size)
{
	return xattr_call(path, false, 0, [&](const char *p) { return REAL(llistxattr)(p, list, size); });
}
