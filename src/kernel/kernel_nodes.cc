/* SPDX-License-Identifier: MIT */
/*
 * Kernel: the device nodes (open, stat, readdir of /dev/vfio and
 * /dev/iommu), the shim's way in to the access paths.
 *
 * The model owns the whole /dev/vfio namespace and /dev/iommu: a node the
 * configuration lacks (KernelOptions::access) or that does not exist now
 * (an unbound device's group) is ENOENT, never the machine's own node.
 *
 * Stand-ins are memfds, one inode each, so an fd the table has not seen
 * still resolves to its object by (st_dev, st_ino); eventfds would share
 * one anonymous inode and could not be told apart. A memfd also polls
 * ready, as the real nodes (which have no poll method) do.
 */
#include <softvfio/kernel.h>

#include <algorithm>
#include <cerrno>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/lexical_path.h"
#include "base/memfd.h"
#include "iommu/iommufd/iommufd.h"
#include "kernel/kernel_impl.h"
#include "vfio/cdev.h"
#include "vfio/container.h"
#include "vfio/device_file.h"
#include "vfio/group.h"
#include "vfio/group_file.h"
#include "vfio/platform.h"

namespace softvfio {

namespace {

namespace pf = vfio::platform;

enum class NodeKind { NotOurs, Absent, VfioDir, DevicesDir, Container, Group, Cdev, Iommufd };

struct Node {
	NodeKind kind = NodeKind::NotOurs;
	unsigned number = 0;
};

constexpr std::string_view kVfioDir = "/dev/vfio";
constexpr std::string_view kIommu = "/dev/iommu";

/* Lexically: absolute, no empty, "." or ".." components. */
std::optional<std::string> normalize(std::string_view path)
{
	std::string out;
	if (path.empty() || path[0] != '/' || !lexically_normal(path, true, out))
		return std::nullopt;
	return out;
}

/* A decimal number as the kernel prints it (no sign, no leading zero). */
bool parse_number(std::string_view s, unsigned &out)
{
	if (s.empty() || s.size() > 9 || (s.size() > 1 && s[0] == '0'))
		return false;
	out = 0;
	for (char c : s) {
		if (c < '0' || c > '9')
			return false;
		out = out * 10 + static_cast<unsigned>(c - '0');
	}
	return true;
}

bool has_cdevs(const vfio::VfioCore &core)
{
	return core.config().cdev && !core.bound_devices().empty();
}

bool has_vfio_dir(const vfio::VfioCore &core)
{
	return core.config().group || has_cdevs(core);
}

Node classify_cdev(const vfio::VfioCore &core, std::string_view name)
{
	std::string_view prefix = core.config().noiommu ? "noiommu-vfio" : "vfio";
	unsigned n;
	if (core.config().cdev && name.substr(0, prefix.size()) == prefix &&
	    parse_number(name.substr(prefix.size()), n) && core.cdev_device(n))
		return {NodeKind::Cdev, n};
	return {NodeKind::Absent};
}

Node classify_group(const vfio::VfioCore &core, std::string_view name)
{
	std::string_view prefix = core.config().noiommu ? "noiommu-" : "";
	unsigned n;
	if (core.config().group && name.substr(0, prefix.size()) == prefix &&
	    parse_number(name.substr(prefix.size()), n) && core.group(n))
		return {NodeKind::Group, n};
	return {NodeKind::Absent};
}

Node classify(const vfio::VfioCore &core, std::string_view path)
{
	if (path == kIommu)
		return {core.config().iommufd ? NodeKind::Iommufd : NodeKind::Absent};
	if (path == kVfioDir)
		return {has_vfio_dir(core) ? NodeKind::VfioDir : NodeKind::Absent};
	if (path.substr(0, kVfioDir.size() + 1) != "/dev/vfio/")
		return {};
	std::string_view rest = path.substr(kVfioDir.size() + 1);
	if (rest == "vfio")
		return {core.config().group ? NodeKind::Container : NodeKind::Absent};
	if (rest == "devices")
		return {has_cdevs(core) ? NodeKind::DevicesDir : NodeKind::Absent};
	if (rest.substr(0, 8) == "devices/")
		return classify_cdev(core, rest.substr(8));
	return classify_group(core, rest);
}

NodeInfo info_of(const vfio::VfioCore &core, Node node)
{
	NodeInfo info;
	switch (node.kind) {
	case NodeKind::NotOurs:
	case NodeKind::Absent:
		info.exists = false;
		break;
	case NodeKind::VfioDir:
	case NodeKind::DevicesDir:
		info.directory = true;
		info.mode = S_IFDIR | 0755;
		break;
	case NodeKind::Container:
		info = {false, S_IFCHR | 0666, pf::kMiscMajor, pf::kVfioMinor};
		break;
	case NodeKind::Group:
		info = {false, S_IFCHR | 0600, pf::kGroupMajor, core.group(node.number)->minor()};
		break;
	case NodeKind::Cdev:
		info = {false, S_IFCHR | 0600, pf::kCdevMajor, node.number};
		break;
	case NodeKind::Iommufd:
		info = {false, S_IFCHR | 0660, pf::kMiscMajor, pf::kIommuMinor};
		break;
	}
	/* Handed to the user who runs the model, as the setup for
	 * unprivileged VFIO does (see NodeInfo::uid). */
	if (node.kind == NodeKind::Group || node.kind == NodeKind::Cdev || node.kind == NodeKind::Iommufd) {
		info.uid = ::geteuid();
		info.gid = ::getegid();
	}
	return info;
}

/* The owner's bits for the owner, the group's for its group, the others'
 * for anyone else; root (CAP_DAC_OVERRIDE) may do anything. The caller is
 * the user the model runs for. */
bool permitted(const NodeInfo &info, int flags)
{
	if (::geteuid() == 0)
		return true;
	const mode_t mode = info.mode;
	unsigned shift = ::geteuid() == info.uid ? 6 : ::getegid() == info.gid ? 3 : 0;
	int acc = flags & O_ACCMODE;
	bool want_read = acc == O_RDONLY || acc == O_RDWR;
	bool want_write = acc == O_WRONLY || acc == O_RDWR;
	return (!want_read || (mode & (S_IROTH << shift))) && (!want_write || (mode & (S_IWOTH << shift)));
}

/* A stand-in with the open's access mode, close-on-exec and non-blocking
 * flags, as the node's file would have them. */
vfs::StandinSpec standin_spec(const char *name, int flags)
{
	return vfs::StandinSpec{.name = name, .access_mode = flags & O_ACCMODE, .flags = flags & (O_CLOEXEC | O_NONBLOCK)};
}

Result<std::shared_ptr<vfs::File>> node_file(Kernel::Impl &impl, Node node, int acc)
{
	auto &core = impl.vfio;
	switch (node.kind) {
	case NodeKind::Container:
		return std::shared_ptr<vfs::File>(
			std::make_shared<vfio::ContainerFile>(std::make_shared<vfio::VfioContainer>(core), acc));
	case NodeKind::Iommufd:
		return std::shared_ptr<vfs::File>(
			std::make_shared<vfio::IommufdFile>(std::make_shared<vfio::IommufdCtx>(core->context()), acc));
	case NodeKind::Group: {
		auto group = core->group(node.number);
		if (!group)
			return err(ENOENT);
		auto file = vfio::GroupFile::open(group, core, acc);
		if (!file)
			return err(file.error());
		return std::shared_ptr<vfs::File>(std::move(*file));
	}
	case NodeKind::Cdev: {
		auto dev = core->cdev_device(node.number);
		if (!dev)
			return err(ENOENT);
		bool noiommu = core->config().noiommu;
		std::string name = std::string(noiommu ? "/dev/vfio/devices/noiommu-" : "/dev/vfio/devices/") +
				   dev->vfio_name();
		auto access = std::make_unique<vfio::CdevAccess>(core, dev, noiommu);
		return std::shared_ptr<vfs::File>(
			vfio::DeviceFile::create_unopened(dev, core->context(), name, acc, std::move(access)));
	}
	default:
		return err(ENOENT);
	}
}

const char *standin_name(NodeKind kind)
{
	switch (kind) {
	case NodeKind::Container: return "vfio-container";
	case NodeKind::Group: return "vfio-group";
	case NodeKind::Cdev: return "vfio-device";
	default: return "iommufd";
	}
}

} /* namespace */

long Kernel::open(const char *path, int flags)
{
	if (!path)
		return kNotOurs;
	auto norm = normalize(path);
	if (!norm)
		return kNotOurs;
	Node node = classify(*impl_->vfio, *norm);
	switch (node.kind) {
	case NodeKind::NotOurs:
	case NodeKind::VfioDir:
	case NodeKind::DevicesDir:
		return kNotOurs;
	case NodeKind::Absent:
		return -ENOENT;
	default:
		break;
	}
	if (flags & O_DIRECTORY)
		return -ENOTDIR;
	if ((flags & O_CREAT) && (flags & O_EXCL))
		return -EEXIST;
	if (!permitted(info_of(*impl_->vfio, node), flags))
		return -EACCES;
	vfs::FdTable &fds = impl_->current().fds;
	auto standin = fds.reserve(standin_spec(standin_name(node.kind), flags));
	if (!standin)
		return -standin.error();
	auto file = node_file(*impl_, node, flags & O_ACCMODE);
	if (!file)
		return -file.error();
	(*file)->set_link_name(*norm);
	return to_syscall(fds.install(std::move(*file), std::move(*standin)));
}

std::optional<NodeInfo> Kernel::node_info(std::string_view path)
{
	auto norm = normalize(path);
	if (!norm)
		return std::nullopt;
	Node node = classify(*impl_->vfio, *norm);
	if (node.kind == NodeKind::NotOurs)
		return std::nullopt;
	return info_of(*impl_->vfio, node);
}

std::vector<std::string> Kernel::list_nodes(std::string_view dir)
{
	auto norm = normalize(dir);
	std::vector<std::string> out;
	if (!norm)
		return out;
	const vfio::VfioCore &core = *impl_->vfio;
	Node node = classify(core, *norm);
	bool noiommu = core.config().noiommu;
	if (node.kind == NodeKind::VfioDir) {
		if (core.config().group) {
			out.push_back("vfio");
			for (auto &group : core.groups())
				out.push_back(group->name());
		}
		if (has_cdevs(core))
			out.push_back("devices");
	} else if (node.kind == NodeKind::DevicesDir) {
		for (auto &dev : core.bound_devices())
			out.push_back((noiommu ? "noiommu-" : "") + dev->vfio_name());
	}
	std::sort(out.begin(), out.end());
	return out;
}

} /* namespace softvfio */
