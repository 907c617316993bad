/* SPDX-License-Identifier: MIT */
/*
 * chdir, fchdir and getcwd: the current directory inside /sys and
 * /dev/vfio is logical (cwd.h). A chdir there resolves its path as every
 * other path is resolved and moves the real current directory to where the
 * directory really is (the view's, the machine's, or /dev for a served
 * one); getcwd answers the logical path the kernel would have given.
 */
#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <unistd.h>

#include "shim/cwd.h"
#include "shim/cwd_rules.h"
#include "shim/dev_nodes.h"
#include "shim/real.h"
#include "shim/resolve.h"
#include "shim/stat_path.h"
#include "shim/state.h"

using namespace softvfio;
using namespace softvfio::shim;

#define SHIM_EXPORT extern "C" __attribute__((visibility("default")))

extern "C" void __chk_fail(void) __attribute__((noreturn));

namespace {

int chdir_impl(const char *path)
{
	Resolved r = resolve_path(AT_FDCWD, path, true);
	std::optional<NodeInfo> node;
	if (r.route == Route::Node)
		node = served_node(r.logical);
	ChdirPlan plan = plan_chdir(r, node);
	if (plan.error)
		return syscall_result<int>(-plan.error);
	const char *to = !plan.real.empty() ? plan.real.c_str() : !r.path.empty() ? r.path.c_str() : path;
	int rc = real_chdir(to);
	if (rc == 0) {
		if (plan.learn)
			cwd_learn();
		else
			cwd_set(plan.logical);
	}
	return rc;
}

int fchdir_impl(int fd)
{
	int rc = real_fchdir(fd);
	if (rc < 0)
		return rc;
	std::optional<std::string> logical;
	if (fd_cache().get(fd).kind == FdKind::Dir)
		logical = note_get(fd);
	if (logical)
		cwd_set(*logical);
	else
		cwd_learn();
	return rc;
}

using getwd_t = char *(*)(char *);
using current_dir_t = char *(*)();
std::atomic<getwd_t> g_getwd{nullptr};
std::atomic<current_dir_t> g_current_dir{nullptr};

} /* namespace */

SHIM_EXPORT int chdir(const char *path)
{
	if (in_model() || !path || !kernel_if_created())
		return real_chdir(path);
	return no_throw(-1, [&] { return chdir_impl(path); });
}

SHIM_EXPORT int fchdir(int fd)
{
	if (in_model() || !kernel_if_created())
		return real_fchdir(fd);
	return no_throw(-1, [&] { return fchdir_impl(fd); });
}

SHIM_EXPORT char *getcwd(char *buf, size_t size)
{
	if (in_model() || !cwd_tracked())
		return real_getcwd(buf, size);
	auto logical = cwd_logical();
	if (!logical)
		return real_getcwd(buf, size);
	return copy_cwd(*logical, buf, size);
}

SHIM_EXPORT char *__getcwd_chk(char *buf, size_t size, size_t buflen)
{
	if (size > buflen)
		__chk_fail();
	return getcwd(buf, size);
}

SHIM_EXPORT char *getwd(char *buf)
{
	if (in_model() || !cwd_tracked())
		return real::get(g_getwd, "getwd")(buf);
	auto logical = cwd_logical();
	if (!logical)
		return real::get(g_getwd, "getwd")(buf);
	if (logical->size() >= PATH_MAX) {
		/* getwd writes its error message where the path would go. */
		std::strncpy(buf, std::strerror(ENAMETOOLONG), PATH_MAX - 1);
		buf[PATH_MAX - 1] = '\0';
		return nullptr;
	}
	std::memcpy(buf, logical->c_str(), logical->size() + 1);
	return buf;
}

/* glibc answers $PWD when it names the current directory (same device
 * and inode), else getcwd's: the same here, both seen through the shim. */
SHIM_EXPORT char *get_current_dir_name(void)
{
	if (in_model() || !cwd_tracked())
		return real::get(g_current_dir, "get_current_dir_name")();
	auto logical = cwd_logical();
	if (!logical)
		return real::get(g_current_dir, "get_current_dir_name")();
	const char *pwd = std::getenv("PWD");
	struct stat named, here;
	if (pwd && pwd[0] == '/' && stat_path(AT_FDCWD, pwd, &named, 0) == 0 && stat_path(AT_FDCWD, ".", &here, 0) == 0 &&
	    named.st_dev == here.st_dev && named.st_ino == here.st_ino)
		return strdup(pwd);
	return strdup(logical->c_str());
}
