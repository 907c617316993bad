/* SPDX-License-Identifier: MIT */
#include "shim/dev_nodes.h"

#include <atomic>
#include <cstring>
#include <mutex>
#include <sys/eventfd.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "shim/real.h"
#include "shim/state.h"

namespace softvfio::shim {

namespace {

struct Identities {
	dev_t dev_fs = 0;
	unsigned anon_major = 0, anon_minor = 0;
	uint64_t anon_ino = 0;
	struct timespec born {};
};

const Identities &identities()
{
	static const Identities ids = [] {
		Identities i;
		struct stat st;
		if (REAL(stat)("/dev", &st) == 0)
			i.dev_fs = st.st_dev;
		int fd = REAL(eventfd)(0, EFD_CLOEXEC);
		if (fd >= 0) {
			if (REAL(fstat)(fd, &st) == 0) {
				i.anon_major = major(st.st_dev);
				i.anon_minor = minor(st.st_dev);
				i.anon_ino = st.st_ino;
			}
			REAL(close)(fd);
		}
		clock_gettime(CLOCK_REALTIME, &i.born);
		return i;
	}();
	return ids;
}

} /* namespace */

uint64_t node_inode(const std::string &path)
{
	/* devtmpfs numbers are small; keep ours recognisable and stable. */
	uint32_t h = 2166136261u;
	for (char c : path)
		h = (h ^ static_cast<unsigned char>(c)) * 16777619u;
	return 0x5f000000u | (h & 0xffffffu);
}

void fill_node_stat(const std::string &path, const NodeInfo &info, size_t entries, struct stat &st)
{
	const Identities &ids = identities();
	std::memset(&st, 0, sizeof(st));
	st.st_dev = ids.dev_fs;
	st.st_ino = node_inode(path);
	st.st_mode = info.mode;
	if (info.directory) {
		if (!S_ISDIR(st.st_mode))
			st.st_mode = S_IFDIR | (st.st_mode & 07777 ? st.st_mode & 07777 : 0755);
		st.st_nlink = 2;
		/* tmpfs (devtmpfs) directory size: 20 bytes per entry, "." and
		 * ".." included. */
		st.st_size = static_cast<off_t>(20 * (entries + 2));
	} else {
		if (!S_ISCHR(st.st_mode))
			st.st_mode = S_IFCHR | (st.st_mode & 07777);
		st.st_nlink = 1;
		st.st_rdev = makedev(info.major, info.minor);
	}
	st.st_uid = info.uid;
	st.st_gid = info.gid;
	st.st_blksize = 4096;
	st.st_atim = st.st_mtim = st.st_ctim = ids.born;
}

std::optional<NodeInfo> served_node(const std::string &path)
{
	KernelCalls *k = kernel();
	if (!k)
		return std::nullopt;
	return model_call([&] { return k->node_info(path); }, std::optional<NodeInfo>());
}

int node_stat(const std::string &path, struct stat &st)
{
	auto info = served_node(path);
	if (!info)
		return 1;
	if (!info->exists)
		return -ENOENT;
	size_t entries = 0;
	if (info->directory) {
		KernelCalls *k = kernel_if_created();
		entries = model_call([&] { return k->list_nodes(path).size(); }, size_t{0});
	}
	fill_node_stat(path, *info, entries, st);
	return 0;
}

int node_access(const NodeInfo &info, int mode, bool effective)
{
	if (!info.exists)
		return -ENOENT;
	if (mode == F_OK)
		return 0;
	uid_t uid = effective ? ::geteuid() : ::getuid();
	gid_t gid = effective ? ::getegid() : ::getgid();
	mode_t perm = info.mode & 0777;
	if (info.directory && !(info.mode & 0777))
		perm = 0755;
	if (uid == 0) {
		/* root: read and write always, execute if anyone may. */
		if ((mode & X_OK) && !info.directory && !(perm & 0111))
			return -EACCES;
		return 0;
	}
	mode_t granted = uid == info.uid ? (perm >> 6) & 7 : gid == info.gid ? (perm >> 3) & 7 : perm & 7;
	int need = ((mode & R_OK) ? 4 : 0) | ((mode & W_OK) ? 2 : 0) | ((mode & X_OK) ? 1 : 0);
	return (granted & static_cast<mode_t>(need)) == static_cast<mode_t>(need) ? 0 : -EACCES;
}

void anon_inode_identity(unsigned &maj, unsigned &min, uint64_t &ino)
{
	const Identities &ids = identities();
	maj = ids.anon_major;
	min = ids.anon_minor;
	ino = ids.anon_ino;
}

dev_t dev_fs_device() { return identities().dev_fs; }

void stat_to_statx(const struct stat &st, unsigned mask, struct statx &out)
{
	std::memset(&out, 0, sizeof(out));
	(void)mask; /* everything basic is filled, whatever was asked */
	out.stx_mask = STATX_BASIC_STATS;
	out.stx_blksize = static_cast<uint32_t>(st.st_blksize);
	out.stx_nlink = static_cast<uint32_t>(st.st_nlink);
	out.stx_uid = st.st_uid;
	out.stx_gid = st.st_gid;
	out.stx_mode = static_cast<uint16_t>(st.st_mode);
	out.stx_ino = st.st_ino;
	out.stx_size = static_cast<uint64_t>(st.st_size);
	out.stx_blocks = static_cast<uint64_t>(st.st_blocks);
	out.stx_atime = {st.st_atim.tv_sec, static_cast<uint32_t>(st.st_atim.tv_nsec), 0};
	out.stx_mtime = {st.st_mtim.tv_sec, static_cast<uint32_t>(st.st_mtim.tv_nsec), 0};
	out.stx_ctime = {st.st_ctim.tv_sec, static_cast<uint32_t>(st.st_ctim.tv_nsec), 0};
	out.stx_rdev_major = major(st.st_rdev);
	out.stx_rdev_minor = minor(st.st_rdev);
	out.stx_dev_major = major(st.st_dev);
	out.stx_dev_minor = minor(st.st_dev);
}

} /* namespace softvfio::shim */
