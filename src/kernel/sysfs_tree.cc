/* SPDX-License-Identifier: MIT */
/*
 * SysfsTree: the directory itself (file, link and directory primitives,
 * path resolution) and the parts not tied to one device: /sys/bus/pci,
 * the vfio-pci driver, module parameters, vfio class devices.
 */
#include "kernel/sysfs_tree.h"

#include <cerrno>
#include <climits>
#include <cstdlib>
#include <fcntl.h>
#include <filesystem>
#include <sys/stat.h>
#include <unistd.h>

#include "vfio/platform.h"

namespace softvfio {

namespace fs = std::filesystem;
namespace pf = vfio::platform;

namespace {

std::string base_dir()
{
	const char *xdg = std::getenv("XDG_RUNTIME_DIR");
	if (xdg && *xdg && ::access(xdg, W_OK | X_OK) == 0)
		return xdg;
	return "/tmp";
}

std::string yn(bool v) { return v ? "Y\n" : "N\n"; }

std::string devnum(unsigned major, unsigned minor)
{
	return std::to_string(major) + ":" + std::to_string(minor) + "\n";
}

std::string dev_uevent(unsigned major, unsigned minor, const std::string &devname)
{
	return "MAJOR=" + std::to_string(major) + "\nMINOR=" + std::to_string(minor) + "\nDEVNAME=" + devname + "\n";
}

} /* namespace */

Result<std::unique_ptr<SysfsTree>> SysfsTree::create(const std::string &dir)
{
	if (!dir.empty()) {
		if (::mkdir(dir.c_str(), 0700) < 0 && errno != EEXIST)
			return err(errno);
		return std::unique_ptr<SysfsTree>(new SysfsTree(dir));
	}
	std::string templ = base_dir() + "/softvfio-sysfs-XXXXXX";
	if (!::mkdtemp(templ.data()))
		return err(errno);
	return std::unique_ptr<SysfsTree>(new SysfsTree(templ));
}

SysfsTree::~SysfsTree()
{
	std::error_code ec;
	fs::remove_all(root_, ec);
}

void SysfsTree::mkdirs(const std::string &rel)
{
	std::error_code ec;
	fs::create_directories(root_ + "/" + rel, ec);
}

namespace {

/* Whether the file at `path` holds `content` with `mode` already. */
bool holds(const std::string &path, const std::string &content, mode_t mode)
{
	int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return false;
	struct stat st {};
	bool same = ::fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && (st.st_mode & 07777) == mode &&
		    static_cast<size_t>(st.st_size) == content.size();
	if (same && !content.empty()) {
		std::string old(content.size(), '\0');
		size_t done = 0;
		while (done < old.size()) {
			ssize_t n = ::read(fd, old.data() + done, old.size() - done);
			if (n <= 0)
				break;
			done += static_cast<size_t>(n);
		}
		same = done == old.size() && old == content;
	}
	::close(fd);
	return same;
}

} /* namespace */

/* Write to a temporary name and rename: readers see old or new. A file
 * that already holds the bytes and mode is left alone: a refresh rewrites
 * every attribute of the view, and a rename costs milliseconds on some
 * file systems (the refresh after each sysfs write took 0.2-1 s). */
void SysfsTree::write_file(const std::string &rel, const std::string &content, mode_t mode)
{
	std::string path = root_ + "/" + rel;
	if (holds(path, content, mode))
		return;
	std::string tmp = path + ".new";
	int fd = ::open(tmp.c_str(), O_CREAT | O_WRONLY | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return;
	size_t done = 0;
	while (done < content.size()) {
		ssize_t n = ::write(fd, content.data() + done, content.size() - done);
		if (n <= 0)
			break;
		done += static_cast<size_t>(n);
	}
	::fchmod(fd, mode);
	::close(fd);
	::rename(tmp.c_str(), path.c_str());
}

/* A binary attribute of a given size (resource<N>, rom): sparse. */
void SysfsTree::sized_file(const std::string &rel, uint64_t size, mode_t mode)
{
	std::string path = root_ + "/" + rel;
	int fd = ::open(path.c_str(), O_CREAT | O_WRONLY | O_CLOEXEC, mode);
	if (fd < 0)
		return;
	if (::ftruncate(fd, static_cast<off_t>(size)) != 0) {
		::close(fd);
		return;
	}
	::fchmod(fd, mode);
	::close(fd);
}

void SysfsTree::link(const std::string &rel, const std::string &target)
{
	std::string path = root_ + "/" + rel;
	char buf[PATH_MAX];
	ssize_t n = ::readlink(path.c_str(), buf, sizeof(buf));
	if (n >= 0 && std::string(buf, static_cast<size_t>(n)) == target)
		return;
	std::error_code ec;
	fs::remove(path, ec);
	(void)::symlink(target.c_str(), path.c_str());
}

void SysfsTree::remove(const std::string &rel)
{
	std::error_code ec;
	fs::remove_all(root_ + "/" + rel, ec);
}

mode_t SysfsTree::file_mode(const std::string &rel) const
{
	struct stat st {};
	return ::stat((root_ + "/" + rel).c_str(), &st) == 0 ? (st.st_mode & 07777) : 0;
}

void SysfsTree::initial_file(const std::string &rel, const std::string &content, mode_t mode)
{
	if (!fs::exists(root_ + "/" + rel))
		write_file(rel, content, mode);
}

bool SysfsTree::is_directory(const std::string &rel) const
{
	struct stat st {};
	return ::stat((root_ + "/" + rel).c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

Result<std::string> SysfsTree::resolve(std::string_view sys_path) const
{
	if (sys_path.substr(0, 4) != "/sys" || (sys_path.size() > 4 && sys_path[4] != '/'))
		return err(ENOENT);
	std::string real = root_ + std::string(sys_path.substr(4));
	char buf[PATH_MAX];
	if (!::realpath(real.c_str(), buf))
		return err(errno);
	std::string canon = buf;
	if (canon == root_)
		return std::string();
	if (canon.compare(0, root_.size() + 1, root_ + "/") != 0)
		return err(ENOENT);
	return canon.substr(root_.size() + 1);
}

void SysfsTree::sync(const SysfsState &state)
{
	sync_global(state);
	sync_modules(state);
	sync_virtual(state);
	for (const SysfsDevice &dev : state.devices)
		sync_device(state, dev);
	prune_devices(state);
	prune_groups(state);
}

void SysfsTree::sync_global(const SysfsState &)
{
	for (const char *dir : {"bus/pci/devices", "bus/pci/drivers/vfio-pci", "kernel/iommu_groups", "dev/char",
				"class/vfio", "class/vfio-dev", "class/misc", "devices/virtual/vfio"})
		mkdirs(dir);
	const std::string drv = "bus/pci/drivers/vfio-pci/";
	for (const char *ctl : {"bind", "unbind", "new_id", "remove_id"})
		if (!fs::exists(root_ + "/" + drv + ctl))
			write_file(drv + ctl, "", 0200);
	link(drv + "module", "../../../../module/vfio_pci");
	for (const char *ctl : {"bus/pci/drivers_probe", "bus/pci/rescan"})
		if (!fs::exists(root_ + "/" + ctl))
			write_file(ctl, "", 0200);
}

/* Module directories exist while the module is loaded; the parameters
 * are those with a sysfs mode (vfio_pci's `ids` has none). */
void SysfsTree::sync_modules(const SysfsState &state)
{
	mkdirs("module/vfio/parameters");
	mkdirs("module/vfio_pci_core");
	mkdirs("module/vfio_pci/parameters");
	if (state.access.noiommu)
		initial_file("module/vfio/parameters/enable_unsafe_noiommu_mode", "Y\n", 0644);
	const std::string pci = "module/vfio_pci/parameters/";
	initial_file(pci + "nointxmask", "N\n", 0644);
	initial_file(pci + "disable_vga", "N\n", 0444);
	initial_file(pci + "disable_idle_d3", "N\n", 0644);
	initial_file(pci + "enable_sriov", "N\n", 0644);
	initial_file(pci + "disable_denylist", "N\n", 0444);
	if (state.access.group) {
		const std::string t1 = "module/vfio_iommu_type1/parameters/";
		mkdirs(t1);
		write_file(t1 + "allow_unsafe_interrupts", yn(state.allow_unsafe_interrupts), 0644);
		write_file(t1 + "dma_entry_limit", std::to_string(state.dma_entry_limit) + "\n", 0644);
		write_file(t1 + "disable_hugepages", yn(state.disable_hugepages), 0644);
	}
	if (state.access.iommufd)
		mkdirs("module/iommufd");
}

/* The misc devices (container, iommufd) and one class device per vfio
 * group, with the /sys/dev/char links to them. */
void SysfsTree::sync_virtual(const SysfsState &state)
{
	auto misc = [this](const std::string &name, unsigned minor, const std::string &devname) {
		std::string dir = "devices/virtual/misc/" + name;
		mkdirs(dir);
		write_file(dir + "/dev", devnum(pf::kMiscMajor, minor), 0444);
		write_file(dir + "/uevent", dev_uevent(pf::kMiscMajor, minor, devname), 0644);
		link(dir + "/subsystem", "../../../../class/misc");
		link("class/misc/" + name, "../../devices/virtual/misc/" + name);
		link("dev/char/" + std::to_string(pf::kMiscMajor) + ":" + std::to_string(minor),
		     "../../devices/virtual/misc/" + name);
	};
	if (state.access.group)
		misc("vfio", pf::kVfioMinor, "vfio/vfio");
	if (state.access.iommufd)
		misc("iommu", pf::kIommuMinor, "iommu");
	if (!state.access.group)
		return;
	for (const SysfsGroup &g : state.groups) {
		std::string dir = "devices/virtual/vfio/" + g.name;
		mkdirs(dir);
		write_file(dir + "/dev", devnum(pf::kGroupMajor, g.minor), 0444);
		write_file(dir + "/uevent", dev_uevent(pf::kGroupMajor, g.minor, "vfio/" + g.name), 0644);
		link(dir + "/subsystem", "../../../../class/vfio");
		link("class/vfio/" + g.name, "../../devices/virtual/vfio/" + g.name);
		link("dev/char/" + std::to_string(pf::kGroupMajor) + ":" + std::to_string(g.minor),
		     "../../devices/virtual/vfio/" + g.name);
	}
}

/* Class devices of groups that are gone. */
void SysfsTree::prune_groups(const SysfsState &state)
{
	std::error_code ec;
	for (auto &entry : fs::directory_iterator(root_ + "/devices/virtual/vfio", ec)) {
		std::string name = entry.path().filename();
		bool live = false;
		for (const SysfsGroup &g : state.groups)
			live |= state.access.group && g.name == name;
		if (live)
			continue;
		char buf[64] = {};
		std::string dev_file = entry.path().string() + "/dev";
		int fd = ::open(dev_file.c_str(), O_RDONLY | O_CLOEXEC);
		if (fd >= 0) {
			ssize_t n = ::read(fd, buf, sizeof(buf) - 1);
			::close(fd);
			if (n > 1)
				remove("dev/char/" + std::string(buf, static_cast<size_t>(n) - 1));
		}
		remove("class/vfio/" + name);
		remove("devices/virtual/vfio/" + name);
	}
}

} /* namespace softvfio */
