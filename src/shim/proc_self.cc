/* SPDX-License-Identifier: MIT */
#include "shim/proc_self.h"

#include <cinttypes>
#include <cstdio>
#include <sys/mman.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "shim/dev_nodes.h"
#include "shim/proc_maps.h"
#include "shim/real.h"
#include "shim/state.h"

namespace softvfio::shim {

namespace {

/* The dma-buf pseudo file system has no device a program could compare
 * with; buffers get inode numbers of their own from it. */
constexpr unsigned kDmabufFsMinor = 0x0c;
constexpr uint64_t kDmabufInoBase = 0x5f0000;

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

MapsVma to_maps(const MappingInfo &m)
{
	MapsVma v;
	v.start = m.start;
	v.end = m.end;
	v.offset = m.offset;
	v.prot = m.prot;
	v.shared = true;
	v.path = m.path;
	if (m.path.rfind("anon_inode:", 0) == 0) {
		anon_inode_identity(v.dev_major, v.dev_minor, v.ino);
	} else if (m.path.rfind("/dev/", 0) == 0) {
		dev_t dev = dev_fs_device();
		v.dev_major = major(dev);
		v.dev_minor = minor(dev);
		v.ino = node_inode(m.path);
	} else {
		v.dev_minor = kDmabufFsMinor;
		v.ino = kDmabufInoBase + m.buffer_id.value_or(0);
	}
	return v;
}

/* The buffer behind a dma-buf fd of ours. */
std::optional<BufferInfo> dma_buf_of(Kernel *k, int fd)
{
	return model_call(
		[&]() -> std::optional<BufferInfo> {
			auto id = k->buffer_id(fd);
			if (!id)
				return std::nullopt;
			for (auto &b : k->buffers())
				if (b.id == *id)
					return b;
			return std::nullopt;
		},
		std::optional<BufferInfo>());
}

} /* namespace */

int open_proc_maps(int flags)
{
	Kernel *k = kernel_if_created();
	std::string real = read_all("/proc/self/maps");
	std::vector<MappingInfo> emulated;
	if (k)
		emulated = model_call([&] { return k->mappings(false); }, std::vector<MappingInfo>());
	std::vector<MapsVma> vmas;
	vmas.reserve(emulated.size());
	for (const auto &m : emulated)
		vmas.push_back(to_maps(m));
	return memfd_with("maps", rewrite_maps(real, std::move(vmas)), flags);
}

std::string sysfs_view_to_sys(const std::string &path)
{
	SysfsRoot root = kernel_if_created() ? sysfs_root() : SysfsRoot{};
	for (const std::string *prefix : {&root.canonical, &root.path}) {
		if (prefix->empty() || path.compare(0, prefix->size(), *prefix) != 0)
			continue;
		if (path.size() == prefix->size() || path[prefix->size()] == '/')
			return "/sys" + path.substr(prefix->size());
	}
	return path;
}

std::optional<std::string> proc_fd_link(int fd)
{
	Kernel *k = kernel_if_created();
	if (!k)
		return std::nullopt;
	FdKind kind = classify(fd);
	if (kind == FdKind::Ours) {
		if (auto note = note_get(fd))
			return note;
		if (auto buf = dma_buf_of(k, fd))
			return "/dmabuf:" + buf->name;
	}
	char path[64], target[4096];
	std::snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	ssize_t n = REAL(readlink)(path, target, sizeof(target) - 1);
	if (n < 0)
		return std::nullopt;
	std::string text(target, static_cast<size_t>(n));
	if (kind == FdKind::Ours && text.rfind("/memfd:vfio-device", 0) == 0)
		return std::string("anon_inode:[vfio-device]");
	std::string sys = sysfs_view_to_sys(text);
	if (sys != text)
		return sys;
	return std::nullopt;
}

int open_proc_fdinfo(int fd, int flags)
{
	Kernel *k = kernel_if_created();
	if (!k || classify(fd) != FdKind::Ours)
		return -1;
	auto buf = dma_buf_of(k, fd);
	if (!buf)
		return -1;
	/* count: the references to the buffer's file, as file_count() - 1:
	 * every fd of this process on it and every mapping of it. */
	long count = static_cast<long>(buf->mappings);
	fd_cache().for_each(FdKind::Ours, [&](int other) {
		auto id = model_call([&] { return k->buffer_id(other); }, Result<uint64_t>(err(EIO)));
		if (id && *id == buf->id)
			count++;
	});
	char path[64];
	std::snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	std::string text = read_all(path);
	char lines[256];
	std::snprintf(lines, sizeof(lines), "size:\t%" PRIu64 "\ncount:\t%ld\nexp_name:\t%s\n", buf->size, count,
		      "vfio_pci_core");
	text += lines;
	if (!buf->name.empty())
		text += "name:\t" + buf->name + "\n";
	return memfd_with("fdinfo", text, flags);
}

} /* namespace softvfio::shim */
