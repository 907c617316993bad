/* SPDX-License-Identifier: MIT */
#include "shim/proc_self.h"

#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <sys/mman.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "shim/dev_nodes.h"
#include "shim/proc_maps.h"
#include "shim/real.h"
#include "shim/state.h"
#include "shim/sysfs_route.h"

namespace softvfio::shim {

namespace {


std::string read_all(const char *path)
{
	std::string text;
	int fd = REAL(open)(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return text;
	char buf[8192];
	for (;;) {
		ssize_t n = REAL(read)(fd, buf, sizeof(buf));
		if (n <= 0)
			break;
		text.append(buf, static_cast<size_t>(n));
	}
	REAL(close)(fd);
	return text;
}

/* A program-visible fd holding `text`, positioned at 0. */
int memfd_with(const char *name, const std::string &text, int flags)
{
	int fd = REAL(memfd_create)(name, MFD_CLOEXEC);
	if (fd < 0)
		return -errno;
	size_t done = 0;
	while (done < text.size()) {
		ssize_t n = REAL(write)(fd, text.data() + done, text.size() - done);
		if (n <= 0) {
			int e = n < 0 ? errno : EIO;
			REAL(close)(fd);
			return -e;
		}
		done += static_cast<size_t>(n);
	}
	REAL(lseek)(fd, 0, SEEK_SET);
	if (!(flags & O_CLOEXEC))
		REAL(fcntl)(fd, F_SETFD, 0);
	fd_cache().set(fd, FdKind::Foreign);
	return fd;
}

MapsVma to_maps(const session::wire::MappingData &m)
{
	MapsVma v;
	v.start = m.start;
	v.end = m.end;
	v.offset = m.offset;
	v.prot = static_cast<int>(m.prot);
	v.shared = true;
	v.path.assign(m.path, strnlen(m.path, sizeof(m.path)));
	if (v.path.rfind("anon_inode:", 0) == 0) {
		anon_inode_identity(v.dev_major, v.dev_minor, v.ino);
	} else if (v.path.rfind("/dev/", 0) == 0) {
		dev_t dev = dev_fs_device();
		v.dev_major = major(dev);
		v.dev_minor = minor(dev);
		v.ino = node_inode(v.path);
	} else {
		v.dev_minor = kDmabufFsMinor;
		v.ino = kDmabufInoBase + m.buffer_id;
	}
	return v;
}

} /* namespace */

int open_proc_maps(int flags)
{
	KernelCalls *k = kernel_if_created();
	std::string real = read_all("/proc/self/maps");
	std::vector<MapsVma> vmas;
	std::vector<std::pair<uintptr_t, uintptr_t>> hidden;
	if (k) {
		for (const auto &m : model_call([&] { return k->mappings(); }, std::vector<session::wire::MappingData>()))
			vmas.push_back(to_maps(m));
		hidden = k->hidden_ranges();
	}
	return memfd_with("maps", rewrite_maps(real, std::move(vmas), hidden), flags);
}

std::string sysfs_view_to_sys(const std::string &path)
{
	SysfsRoot root = kernel_if_created() ? sysfs_root() : SysfsRoot{};
	return spell_as_sys(path, root.path, root.canonical);
}

std::optional<std::string> proc_fd_link(int fd)
{
	KernelCalls *k = kernel_if_created();
	if (!k)
		return std::nullopt;
	FdKind kind = classify(fd);
	if (kind == FdKind::Ours && same_process())
		if (auto link = model_call([&] { return k->link_name(fd); }, std::optional<std::string>()))
			return link;
	/* A directory the shim keeps the logical path of: that path (a served
	 * directory's fd is really on /dev). */
	if (kind == FdKind::Dir)
		if (auto logical = note_get(fd))
			return logical;
	char path[64], target[4096];
	std::snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	ssize_t n = REAL(readlink)(path, target, sizeof(target) - 1);
	if (n < 0)
		return std::nullopt;
	std::string text(target, static_cast<size_t>(n));
	std::string sys = sysfs_view_to_sys(text);
	if (sys != text)
		return sys;
	return std::nullopt;
}

int open_proc_fdinfo(int fd, int flags)
{
	KernelCalls *k = kernel_if_created();
	if (!k || classify(fd) != FdKind::Ours || !same_process())
		return -1;
	auto buf = model_call([&] { return k->buffer_of(fd); }, std::optional<session::wire::BufferData>());
	if (!buf)
		return -1;
	char path[64];
	std::snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	std::string text = read_all(path);
	char lines[256];
	std::snprintf(lines, sizeof(lines), "size:\t%" PRIu64 "\ncount:\t%" PRIu64 "\nexp_name:\t%s\n", buf->size,
		      buf->references, "vfio_pci_core");
	text += lines;
	if (buf->name[0])
		text += "name:\t" + std::string(buf->name, strnlen(buf->name, sizeof(buf->name))) + "\n";
	return memfd_with("fdinfo", text, flags);
}

} /* namespace softvfio::shim */
