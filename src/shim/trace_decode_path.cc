/* SPDX-License-Identifier: MIT */
/*
 * The arguments of the path calls the trace shows (openat, newfstatat,
 * statx, access, readlink, opendir, scandir on the paths the shim
 * answers), in strace's abbreviated spelling.
 */
#include <cstdio>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "shim/trace_decode_util.h"

namespace softvfio::shim {

using namespace trace_detail;

namespace {

#define NAME SOFTVFIO_TRACE_NAME

const Names kAtFlags = {NAME(AT_SYMLINK_NOFOLLOW), NAME(AT_EACCESS), NAME(AT_SYMLINK_FOLLOW),
			NAME(AT_NO_AUTOMOUNT), NAME(AT_EMPTY_PATH), NAME(AT_STATX_FORCE_SYNC),
			NAME(AT_STATX_DONT_SYNC)};
const Names kAccess = {NAME(R_OK), NAME(W_OK), NAME(X_OK)};
const Names kStatxMask = {NAME(STATX_BASIC_STATS), NAME(STATX_TYPE),  NAME(STATX_MODE),  NAME(STATX_NLINK),
			  NAME(STATX_UID),         NAME(STATX_GID),   NAME(STATX_ATIME), NAME(STATX_MTIME),
			  NAME(STATX_CTIME),       NAME(STATX_INO),   NAME(STATX_SIZE),  NAME(STATX_BLOCKS),
			  NAME(STATX_BTIME)};

#undef NAME

/* "S_IFCHR|0666" */
std::string mode_text(unsigned mode)
{
	static const Names types = {{S_IFREG, "S_IFREG"}, {S_IFDIR, "S_IFDIR"}, {S_IFCHR, "S_IFCHR"},
				    {S_IFBLK, "S_IFBLK"}, {S_IFIFO, "S_IFIFO"}, {S_IFLNK, "S_IFLNK"},
				    {S_IFSOCK, "S_IFSOCK"}};
	char perm[16];
	std::snprintf(perm, sizeof(perm), "%04o", mode & 07777);
	const char *type = lookup(mode & S_IFMT, types);
	return type ? std::string(type) + "|" + perm : perm;
}

std::string makedev_text(unsigned maj, unsigned min)
{
	return "makedev(" + hex_text(maj) + ", " + hex_text(min) + ")";
}

} /* namespace */

TraceArg dirfd_arg(const char *name, int dirfd, const std::string &what)
{
	if (dirfd == AT_FDCWD)
		return {name, "AT_FDCWD", "AT_FDCWD"};
	return fd_arg(name, dirfd, what);
}

TraceArg path_arg(const char *name, const char *path)
{
	if (!path)
		return {name, "NULL", nullptr};
	return text_arg(name, path);
}

TraceArg stat_arg(const char *name, const struct stat &st)
{
	std::string mode = mode_text(st.st_mode);
	json j = {{"st_mode", mode}};
	std::string text = "{st_mode=" + mode + ", ";
	if (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode)) {
		text += "st_rdev=" + makedev_text(major(st.st_rdev), minor(st.st_rdev));
		j["st_rdev"] = {{"major", major(st.st_rdev)}, {"minor", minor(st.st_rdev)}};
	} else {
		text += "st_size=" + std::to_string(st.st_size);
		j["st_size"] = st.st_size;
	}
	return {name, text + ", ...}", j};
}

TraceArg statx_arg(const char *name, const struct statx &st)
{
	std::string mode = mode_text(st.stx_mode);
	std::string mask = flag_names(st.stx_mask, kStatxMask);
	json j = {{"stx_mask", mask}, {"stx_mode", mode}};
	std::string text = "{stx_mask=" + mask + ", stx_mode=" + mode + ", ";
	if (S_ISCHR(st.stx_mode) || S_ISBLK(st.stx_mode)) {
		text += "stx_rdev_major=" + std::to_string(st.stx_rdev_major) + ", stx_rdev_minor=" +
			std::to_string(st.stx_rdev_minor);
		j["stx_rdev_major"] = st.stx_rdev_major;
		j["stx_rdev_minor"] = st.stx_rdev_minor;
	} else {
		text += "stx_size=" + std::to_string(st.stx_size);
		j["stx_size"] = st.stx_size;
	}
	return {name, text + ", ...}", j};
}

TraceArg statx_mask_arg(const char *name, unsigned mask)
{
	std::string text = flag_names(mask, kStatxMask);
	return {name, text, text};
}

TraceArg at_flags_arg(const char *name, int flags)
{
	std::string text = flag_names(static_cast<unsigned>(flags), kAtFlags);
	return {name, text, text};
}

TraceArg access_mode_arg(const char *name, int mode)
{
	std::string text = mode == F_OK ? "F_OK" : flag_names(static_cast<unsigned>(mode), kAccess);
	return {name, text, text};
}

} /* namespace softvfio::shim */
