/* SPDX-License-Identifier: MIT */
#include "shim/cwd.h"

#include <climits>
#include <cstdlib>
#include <mutex>
#include <pthread.h>
#include <unistd.h>

#include "shim/cwd_rules.h"
#include "shim/dev_nodes.h"
#include "shim/real.h"
#include "shim/state.h"

namespace softvfio::shim {

namespace cwd_detail {
std::atomic<bool> g_tracked{false};
} /* namespace cwd_detail */

namespace {

using chdir_t = int (*)(const char *);
using fchdir_t = int (*)(int);
using getcwd_t = char *(*)(char *, size_t);
std::atomic<chdir_t> g_chdir{nullptr};
std::atomic<fchdir_t> g_fchdir{nullptr};
std::atomic<getcwd_t> g_getcwd{nullptr};

/* The logical path; written under the lock, by chdir-like calls only.
 * Made on first use, not by a static initialiser, which may run after
 * cwd_init (the order of a file's initialisers and its constructors is
 * not fixed); never freed: another thread may be reading it at exit. */
std::mutex g_lock;

std::string &logical_path()
{
	static std::string *path = new std::string;
	return *path;
}

void fork_prepare() { g_lock.lock(); }
void fork_release() { g_lock.unlock(); }

/* A process started in a directory of the view (a shell under `softvfio
 * run` did cd there, then ran a program) or of /sys: keep it from the
 * start. The shim's constructor (state.cc, earlier in the link order) has
 * joined the session by now. */
__attribute__((constructor)) void cwd_init()
{
	pthread_atfork(fork_prepare, fork_release, fork_release);
	if (!kernel_if_created())
		return;
	char buf[PATH_MAX];
	if (!real_getcwd(buf, sizeof(buf)))
		return;
	std::string_view here(buf);
	/* Only a directory in /sys or in the session's directory (where the
	 * view is) asks the session for its view: others cost nothing. */
	const char *session = std::getenv("SOFTVFIO_SESSION");
	auto below = [&](std::string_view top) {
		return here.substr(0, top.size()) == top && (here.size() == top.size() || here[top.size()] == '/');
	};
	if (below("/sys") || (session && *session == '/' && below(session))) {
		cwd_learn();
		return;
	}
	std::string served = cwd_from_pwd(here, std::getenv("PWD"));
	if (served.empty())
		return;
	auto node = served_node(served);
	if (node && node->exists && node->directory)
		cwd_set(served);
}

} /* namespace */

int real_chdir(const char *path) noexcept { return real::get(g_chdir, "chdir")(path); }
int real_fchdir(int fd) noexcept { return real::get(g_fchdir, "fchdir")(fd); }
char *real_getcwd(char *buf, size_t size) noexcept { return real::get(g_getcwd, "getcwd")(buf, size); }

std::optional<std::string> cwd_logical() noexcept
{
	if (!cwd_tracked())
		return std::nullopt;
	try {
		std::lock_guard lock(g_lock);
		return logical_path();
	} catch (...) {
		return std::nullopt;
	}
}

void cwd_set(std::string_view logical) noexcept
{
	std::lock_guard lock(g_lock);
	bool keep = cwd_keeps(logical) && kernel_if_created();
	try {
		if (keep)
			logical_path().assign(logical);
	} catch (...) {
		keep = false;
	}
	if (!keep)
		logical_path().clear();
	cwd_detail::g_tracked.store(keep, std::memory_order_release);
}

void cwd_learn() noexcept
{
	char buf[PATH_MAX];
	if (!kernel_if_created() || !real_getcwd(buf, sizeof(buf))) {
		cwd_set("");
		return;
	}
	try {
		SysfsRoot root = sysfs_root();
		cwd_set(cwd_from_real(buf, root.path, root.canonical));
	} catch (...) {
		cwd_set("");
	}
}

} /* namespace softvfio::shim */
