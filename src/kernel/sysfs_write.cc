/* SPDX-License-Identifier: MIT */
/*
 * Kernel::sysfs_write: the control files of the sysfs view and their side
 * effects, with the errnos their store functions give:
 *   devices/.../<bdf>/driver_override      set ("vfio-pci") or clear ("\n")
 *   bus/pci/drivers/vfio-pci/bind, unbind  a BDF
 *   bus/pci/drivers/vfio-pci/new_id, remove_id  "vvvv dddd [ssss ssss cccccc mmmmmm [data]]"
 *   bus/pci/drivers_probe                  a BDF: bind it if a driver matches
 *   bus/pci/rescan                         a number: nothing new to find
 *   devices/.../<bdf>/power/control        "auto" or "on": runtime PM allowed
 *   devices/.../<bdf>/sriov_numvfs, sriov_drivers_autoprobe  (kernel_sriov.cc)
 *   module/<module>/parameters/<name>     the writable vfio parameters
 * Other attributes: EACCES when read-only (the open would fail), EINVAL for
 * writable ones the model does not act on. A write of no bytes to any
 * writable attribute is 0 and reaches no store.
 */
#include <algorithm>
#include <softvfio/kernel.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>

#include "base/user_copy.h"
#include "kernel/kernel_impl.h"
#include "kernel/kernel_sriov.h"
#include "kernel/sysfs_tree.h"

namespace softvfio {

namespace {

constexpr uint32_t kAnyId = 0xffffffff;
constexpr size_t kPageSize = 4096;

/* sysfs_streq: the same up to one trailing newline. */
std::string strip_newline(std::string s)
{
	if (!s.empty() && s.back() == '\n')
		s.pop_back();
	return s;
}

/* kstrtobool */
std::optional<bool> parse_bool(const std::string &s)
{
	if (s.empty())
		return std::nullopt;
	switch (s[0]) {
	case 'y': case 'Y': case '1': return true;
	case 'n': case 'N': case '0': return false;
	case 'o': case 'O':
		if (s.size() > 1 && (s[1] == 'n' || s[1] == 'N'))
			return true;
		if (s.size() > 1 && (s[1] == 'f' || s[1] == 'F'))
			return false;
		break;
	default: break;
	}
	return std::nullopt;
}

/* kstrtouint: digits (base prefix allowed), one trailing newline. */
std::optional<unsigned long> parse_uint(const std::string &raw)
{
	std::string s = strip_newline(raw);
	if (s.empty() || s[0] == '-' || s[0] == '+' || s[0] == ' ')
		return std::nullopt;
	char *end;
	errno = 0;
	unsigned long v = std::strtoul(s.c_str(), &end, 0);
	if (*end || errno || v > UINT32_MAX)
		return std::nullopt;
	return v;
}

bool id_matches(const DynamicId &id, const uint8_t *config)
{
	auto rd16 = [&](int off) { return uint32_t(config[off] | (config[off + 1] << 8)); };
	uint32_t class_code = (config[0x09] | (config[0x0a] << 8) | (config[0x0b] << 16));
	return (id.vendor == kAnyId || id.vendor == rd16(0x00)) && (id.device == kAnyId || id.device == rd16(0x02)) &&
	       (id.subvendor == kAnyId || id.subvendor == rd16(0x2c)) &&
	       (id.subdevice == kAnyId || id.subdevice == rd16(0x2e)) && !((id.class_code ^ class_code) & id.class_mask);
}

} /* namespace */

/* pci_match_device() for vfio-pci: an override names the one driver that
 * may take the device; otherwise only new_id entries match (vfio-pci's own
 * table matches through driver_override alone). Caller holds devices_lock. */
static bool vfio_pci_matches(Kernel::Impl &impl, const DeviceEntry &entry)
{
	if (entry.driver_override)
		return *entry.driver_override == "vfio-pci";
	uint8_t config[0x30];
	for (unsigned off = 0; off < sizeof(config); off += 4) {
		uint32_t v = entry.device->function().config_read(off, 4);
		for (unsigned b = 0; b < 4; b++)
			config[off + b] = static_cast<uint8_t>(v >> (8 * b));
	}
	for (const DynamicId &id : impl.dynamic_ids)
		if (id_matches(id, config))
			return true;
	return false;
}

namespace {

struct Found {
	std::shared_ptr<vfio::VfioPciDevice> dev;
	bool matches = false;
};

std::optional<Found> find(Kernel::Impl &impl, const std::string &buf)
{
	std::lock_guard guard(impl.devices_lock);
	auto it = impl.devices.find(strip_newline(buf));
	if (it == impl.devices.end())
		return std::nullopt;
	return Found{it->second.device, vfio_pci_matches(impl, it->second)};
}

long store_bind(Kernel::Impl &impl, const std::string &buf, size_t count)
{
	auto f = find(impl, buf);
	if (!f || !f->matches)
		return -ENODEV;
	if (impl.vfio->bound(*f->dev))
		return -EBUSY;
	impl.bind_vfio(f->dev);
	return static_cast<long>(count);
}

long store_unbind(Kernel::Impl &impl, const std::string &buf, size_t count)
{
	auto f = find(impl, buf);
	if (!f || !impl.vfio->bound(*f->dev))
		return -ENODEV;
	impl.unbind_vfio(f->dev);
	return static_cast<long>(count);
}

/* bus_rescan_devices_helper(): a bound device stays; an unbound one is
 * offered to the drivers. Either way the write succeeds. */
long store_drivers_probe(Kernel::Impl &impl, const std::string &buf, size_t count)
{
	auto f = find(impl, buf);
	if (!f)
		return -ENODEV;
	if (!impl.vfio->bound(*f->dev) && f->matches)
		impl.bind_vfio(f->dev);
	return static_cast<long>(count);
}

long store_driver_override(Kernel::Impl &impl, const std::string &bdf, const std::string &buf, size_t count)
{
	if (buf.size() >= kPageSize - 1)
		return -EINVAL;
	std::string value = buf.substr(0, buf.find('\n'));
	{
		std::lock_guard guard(impl.devices_lock);
		auto it = impl.devices.find(bdf);
		if (it == impl.devices.end())
			return -ENODEV;
		if (value.empty())
			it->second.driver_override.reset();
		else
			it->second.driver_override = value;
	}
	impl.refresh_sysfs();
	return static_cast<long>(count);
}

/* power/control (drivers/base/power/sysfs.c control_store): "auto" allows
 * runtime PM, "on" forbids it, which resumes a suspended device. */
long store_power_control(Kernel::Impl &impl, const std::string &bdf, const std::string &buf, size_t count)
{
	const std::string value = strip_newline(buf);
	if (value != "auto" && value != "on")
		return -EINVAL;
	auto f = find(impl, bdf);
	if (!f)
		return -ENODEV;
	f->dev->set_runtime_pm_allowed(value == "auto");
	impl.refresh_sysfs();
	return static_cast<long>(count);
}

/* "vendor device [subvendor subdevice [class class_mask [driver_data]]]" */
int parse_id(const std::string &buf, DynamicId &id, unsigned long &data, bool with_data)
{
	id = {0, 0, kAnyId, kAnyId, 0, 0};
	data = 0;
	if (with_data)
		return std::sscanf(buf.c_str(), "%x %x %x %x %x %x %lx", &id.vendor, &id.device, &id.subvendor,
				   &id.subdevice, &id.class_code, &id.class_mask, &data);
	return std::sscanf(buf.c_str(), "%x %x %x %x %x %x", &id.vendor, &id.device, &id.subvendor, &id.subdevice,
			   &id.class_code, &id.class_mask);
}

long store_new_id(Kernel::Impl &impl, const std::string &buf, size_t count)
{
	DynamicId id;
	unsigned long data;
	int fields = parse_id(buf, id, data, true);
	if (fields < 2)
		return -EINVAL;
	std::vector<std::shared_ptr<vfio::VfioPciDevice>> to_bind;
	{
		std::lock_guard guard(impl.devices_lock);
		if (fields != 7) {
			DynamicId exact{id.vendor, id.device, id.subvendor, id.subdevice, id.class_code, 0};
			for (const DynamicId &have : impl.dynamic_ids) {
				uint8_t fake[0x30] = {};
				auto put16 = [&](int off, uint32_t v) {
					fake[off] = static_cast<uint8_t>(v);
					fake[off + 1] = static_cast<uint8_t>(v >> 8);
				};
				put16(0x00, exact.vendor);
				put16(0x02, exact.device);
				put16(0x2c, exact.subvendor);
				put16(0x2e, exact.subdevice);
				fake[0x09] = static_cast<uint8_t>(exact.class_code);
				fake[0x0a] = static_cast<uint8_t>(exact.class_code >> 8);
				fake[0x0b] = static_cast<uint8_t>(exact.class_code >> 16);
				if (id_matches(have, fake))
					return -EEXIST;
			}
		}
		/* vfio-pci's table has one entry, with driver_data 0. */
		if (data != 0)
			return -EINVAL;
		impl.dynamic_ids.push_back(id);
		for (auto &[bdf, entry] : impl.devices)
			if (!impl.vfio->bound(*entry.device) && vfio_pci_matches(impl, entry))
				to_bind.push_back(entry.device);
	}
	for (auto &dev : to_bind)
		impl.bind_vfio(dev);
	return static_cast<long>(count);
}

long store_remove_id(Kernel::Impl &impl, const std::string &buf, size_t count)
{
	DynamicId id;
	unsigned long data;
	if (parse_id(buf, id, data, false) < 2)
		return -EINVAL;
	std::lock_guard guard(impl.devices_lock);
	for (auto it = impl.dynamic_ids.begin(); it != impl.dynamic_ids.end(); ++it) {
		if (it->vendor == id.vendor && it->device == id.device &&
		    (id.subvendor == kAnyId || it->subvendor == id.subvendor) &&
		    (id.subdevice == kAnyId || it->subdevice == id.subdevice) &&
		    !((it->class_code ^ id.class_code) & id.class_mask)) {
			impl.dynamic_ids.erase(it);
			return static_cast<long>(count);
		}
	}
	return -ENODEV;
}

long store_param(Kernel::Impl &impl, const std::string &rel, const std::string &buf, size_t count)
{
	std::string name = rel.substr(rel.rfind('/') + 1);
	auto &params = impl.vfio->params();
	if (name == "dma_entry_limit") {
		auto v = parse_uint(buf);
		if (!v)
			return -EINVAL;
		params.dma_entry_limit = static_cast<unsigned>(*v);
	} else {
		auto v = parse_bool(buf);
		if (!v)
			return -EINVAL;
		if (name == "allow_unsafe_interrupts")
			params.allow_unsafe_interrupts = *v;
		else if (name == "disable_hugepages")
			params.disable_hugepages = *v;
		else {
			if (name == "enable_sriov")
				params.enable_sriov = *v;
			std::lock_guard guard(impl.sysfs_lock);
			if (impl.sysfs)
				impl.sysfs->write_file(rel, *v ? "Y\n" : "N\n", 0644);
		}
	}
	return static_cast<long>(count);
}

long store(Kernel::Impl &impl, const std::string &rel, const std::string &buf, size_t count)
{
	const std::string drv = "bus/pci/drivers/vfio-pci/";
	if (rel == drv + "bind")
		return store_bind(impl, buf, count);
	if (rel == drv + "unbind")
		return store_unbind(impl, buf, count);
	if (rel == drv + "new_id")
		return store_new_id(impl, buf, count);
	if (rel == drv + "remove_id")
		return store_remove_id(impl, buf, count);
	if (rel == "bus/pci/drivers_probe")
		return store_drivers_probe(impl, buf, count);
	if (rel == "bus/pci/rescan")
		return parse_uint(buf) ? static_cast<long>(count) : -EINVAL;
	size_t slash = rel.rfind('/');
	std::string leaf = rel.substr(slash + 1);
	if (rel.compare(0, 8, "devices/") == 0 && leaf == "driver_override") {
		std::string dir = rel.substr(0, slash);
		return store_driver_override(impl, dir.substr(dir.rfind('/') + 1), buf, count);
	}
	if (rel.compare(0, 8, "devices/") == 0 && rel.size() > 14 && rel.compare(rel.size() - 14, 14, "/power/control") == 0) {
		std::string dir = rel.substr(0, rel.size() - 14);
		return store_power_control(impl, dir.substr(dir.rfind('/') + 1), buf, count);
	}
	if (rel.compare(0, 8, "devices/") == 0 && leaf.compare(0, 6, "sriov_") == 0) {
		std::string dir = rel.substr(0, slash);
		return store_sriov(impl, dir.substr(dir.rfind('/') + 1), leaf, buf, count);
	}
	if (rel.compare(0, 7, "module/") == 0 && rel.find("/parameters/") != std::string::npos)
		return -EACCES;
	return -EINVAL;
}

} /* namespace */

long Kernel::sysfs_write(std::string_view path, const void *buf, size_t count)
{
	/* kernfs hands a store at most a page (kernfs_fop_write_iter). */
	count = std::min<size_t>(count, 4096);
	std::string text(count, '\0');
	if (count && !copy_from_user(text.data(), buf, count))
		return -EFAULT;
	std::string rel;
	mode_t mode = 0;
	{
		std::lock_guard guard(impl_->sysfs_lock);
		auto tree = impl_->sysfs_locked();
		if (!tree)
			return -tree.error();
		auto resolved = (*tree)->resolve(path);
		if (!resolved)
			return -resolved.error();
		rel = *resolved;
		if (impl_->sysfs->is_directory(rel))
			return -EISDIR;
		mode = impl_->sysfs->file_mode(rel);
	}
	if (!(mode & 0222))
		return -EACCES;
	/* sysfs_kf_write() (and the bin attributes' sysfs_kf_bin_write()):
	 * a write of no bytes returns 0 before any store sees it, once the
	 * open has succeeded (observed on 6.12 with sriov_numvfs). */
	if (count == 0)
		return 0;
	if (rel.compare(0, 7, "module/") == 0 && rel.find("/parameters/") != std::string::npos) {
		long r = store_param(*impl_, rel, text, count);
		impl_->refresh_sysfs();
		return r;
	}
	return store(*impl_, rel, text, count);
}

} /* namespace softvfio */
