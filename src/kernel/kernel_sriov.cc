/* SPDX-License-Identifier: MIT */
/*
 * sriov_numvfs and its side effects (kernel_sriov.h), with the errnos of
 * sriov_numvfs_store() (drivers/pci/iov.c) and vfio-pci's sriov_configure:
 *   not a number, or above 65535             EINVAL (observed on 6.12)
 *   more than sriov_totalvfs                 ERANGE
 *   the current count                        nothing happens
 *   PF not bound to vfio-pci                 ENOENT (no driver)
 *   vfio_pci's enable_sriov is N             ENOENT
 *   0                                        the VFs go (waiting for users)
 *   another count while VFs exist            EBUSY
 *   a VF's routing ID past bus 255           ENOMEM (pci_iov_bus_range)
 *   a VF's address taken by another device   EEXIST (device_add's name)
 * and a VF's sriov_vf_msix_count: not a non-negative number EINVAL, else
 * EOPNOTSUPP (vfio-pci cannot set a VF's MSI-X count; observed on 6.12).
 */
#include "kernel/kernel_sriov.h"

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>

#include "pci/regs.h"
#include "pci/sriov.h"

namespace softvfio {

namespace {

namespace sr = pci::sriov_regs;

/* kstrtou16(buf, 0): a number in any base C accepts, an optional '+',
 * one trailing newline; EINVAL for anything else, a number above 65535
 * included (what a 6.12 kernel answers). */
int parse_u16(const std::string &buf, uint16_t &out)
{
	std::string s = buf;
	if (!s.empty() && s.back() == '\n')
		s.pop_back();
	if (!s.empty() && s[0] == '+')
		s.erase(0, 1);
	if (s.empty() || s[0] == '-' || s[0] == ' ' || s[0] == '+')
		return -EINVAL;
	int base = 10;
	size_t at = 0;
	if (s.size() > 1 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		at = 2;
	} else if (s[0] == '0') {
		base = 8;
	}
	if (at == s.size())
		return -EINVAL;
	uint64_t v = 0;
	bool overflow = false;
	for (; at < s.size(); at++) {
		char c = s[at];
		int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10
			: c >= 'A' && c <= 'F' ? c - 'A' + 10 : 99;
		if (d >= base)
			return -EINVAL;
		v = v * base + d;
		overflow |= v > 0xffff;
	}
	if (overflow)
		return -EINVAL;
	out = static_cast<uint16_t>(v);
	return 0;
}

std::string format_bdf(unsigned routing_id, unsigned domain)
{
	/* Room for any unsigned the format could be given: GCC's -O0 checks
	 * (the asan-ubsan preset) do not know the values are 16 bits. */
	char buf[32];
	std::snprintf(buf, sizeof(buf), "%04x:%02x:%02x.%x", domain, routing_id >> 8, (routing_id >> 3) & 0x1f,
		      routing_id & 7);
	return buf;
}

struct PfFacts {
	std::shared_ptr<vfio::VfioPciDevice> device;
	uint16_t cap = 0;  /* the SR-IOV capability's offset, 0 for none */
	unsigned total = 0;
	size_t enabled = 0;
};

PfFacts facts_locked(Kernel::Impl &impl, const std::string &bdf)
{
	PfFacts f;
	auto it = impl.devices.find(bdf);
	if (it == impl.devices.end())
		return f;
	f.device = it->second.device;
	pci::PciFunction &fn = f.device->function();
	f.cap = fn.find_ext_capability(pci::regs::kExtCapIdSriov);
	if (f.cap)
		f.total = fn.config_read(f.cap + sr::kTotalVf, 2);
	f.enabled = it->second.virtfns.size();
	return f;
}

/* VF BAR j's aperture as the capability's registers hold it. */
pci::Bar vf_bar_aperture(pci::PciFunction &pf, uint16_t cap, unsigned j, unsigned total)
{
	pci::Bar bar;
	const DeviceDescription &desc = pf.description();
	if (!desc.sriov || j > 5)
		return bar;
	const BarDescription &vf = desc.sriov->vf_bars[j];
	if (vf.kind != BarKind::Mem32 && vf.kind != BarKind::Mem64)
		return bar;
	const uint16_t reg = static_cast<uint16_t>(cap + sr::kBar0 + 4 * j);
	uint64_t address = pf.config_read(reg, 4) & pci::regs::kBarMemMask;
	if (vf.kind == BarKind::Mem64)
		address |= uint64_t(pf.config_read(reg + 4, 4)) << 32;
	bar.kind = vf.kind;
	bar.prefetchable = vf.prefetchable;
	bar.size = vf.size * total;
	bar.address = address;
	return bar;
}

/* The PCI core's writes to the capability around adding or removing VFs. */
void set_vf_enable(pci::PciFunction &pf, uint16_t cap, uint16_t num_vfs)
{
	uint16_t ctrl = static_cast<uint16_t>(pf.config_read(cap + sr::kCtrl, 2));
	if (num_vfs) {
		pf.config_write(cap + sr::kNumVf, 2, num_vfs);
		pf.config_write(cap + sr::kCtrl, 2, ctrl | sr::kCtrlVfEnable | sr::kCtrlVfMemoryEnable);
	} else {
		pf.config_write(cap + sr::kCtrl, 2, ctrl & ~(sr::kCtrlVfEnable | sr::kCtrlVfMemoryEnable));
		pf.config_write(cap + sr::kNumVf, 2, 0);
	}
}

/* pci_iov_remove_virtfn() of every VF, last first: each leaves vfio-pci
 * (which waits for its users, asking through REQ), then the bus. */
void remove_virtfns(Kernel::Impl &impl, const std::string &pf_bdf)
{
	std::vector<std::string> vfs;
	std::shared_ptr<vfio::VfioPciDevice> pf;
	{
		std::lock_guard guard(impl.devices_lock);
		auto it = impl.devices.find(pf_bdf);
		if (it == impl.devices.end())
			return;
		vfs = it->second.virtfns;
		pf = it->second.device;
	}
	if (!pf)
		return;
	for (auto vf = vfs.rbegin(); vf != vfs.rend(); ++vf) {
		if (auto dev = impl.find_device(*vf); dev && impl.vfio->bound(*dev))
			impl.unbind_vfio(dev);
		std::lock_guard guard(impl.devices_lock);
		impl.devices.erase(*vf);
		impl.dev_sets.erase(*vf);
		auto it = impl.devices.find(pf_bdf);
		if (it != impl.devices.end() && !it->second.virtfns.empty())
			it->second.virtfns.pop_back();
	}
	pci::PciFunction &fn = pf->function();
	if (uint16_t cap = fn.find_ext_capability(pci::regs::kExtCapIdSriov))
		set_vf_enable(fn, cap, 0);
	pf->set_sriov_configured(false);
	if (!vfs.empty())
		impl.refresh_sysfs();
}

/* pci_enable_sriov(): the capability first, then one device per VF,
 * captured by vfio-pci through driver_override. devices_lock held. */
long add_virtfns_locked(Kernel::Impl &impl, const std::string &pf_bdf, const PfFacts &pf, uint16_t num_vfs)
{
	DeviceEntry &entry = impl.devices.at(pf_bdf);
	pci::PciFunction &fn = pf.device->function();
	const unsigned offset = fn.config_read(pf.cap + sr::kVfOffset, 2);
	const unsigned stride = fn.config_read(pf.cap + sr::kVfStride, 2);
	unsigned domain, bus, slot, func;
	if (std::sscanf(pf_bdf.c_str(), "%x:%x:%x.%x", &domain, &bus, &slot, &func) != 4)
		return -EINVAL;
	const unsigned pf_rid = bus << 8 | slot << 3 | func;
	std::vector<std::string> names;
	for (unsigned i = 0; i < num_vfs; i++) {
		const unsigned rid = pf_rid + offset + i * stride;
		if (rid > 0xffff)
			return -ENOMEM;
		names.push_back(format_bdf(rid, domain));
		if (impl.devices.count(names.back()))
			return -EEXIST;
	}
	set_vf_enable(fn, pf.cap, num_vfs);
	const DeviceDescription pf_desc = fn.description();
	VirtfnOf physfn{pf.device, pf_bdf};
	for (unsigned i = 0; i < num_vfs; i++) {
		DeviceOptions options = entry.options;
		options.bdf = names[i];
		options.iommu_group.reset();  /* each VF is its own IOMMU group */
		DeviceDescription vf_desc = pci::vf_description(pf_desc, i);
		/* VF i's BARs are the i-th slices of the PF's VF BAR apertures. */
		for (unsigned j = 0; j < 6; j++) {
			pci::Bar aperture = vf_bar_aperture(fn, pf.cap, j, pf.total);
			if (aperture.kind != BarKind::None && aperture.address)
				vf_desc.bars[j].address = aperture.address + i * vf_desc.bars[j].size;
		}
		auto vf = add_device_locked(impl, vf_desc, options, &physfn);
		if (!vf)
			return -vf.error();
		entry.virtfns.push_back(*vf);
	}
	return num_vfs;
}

long enable_virtfns(Kernel::Impl &impl, const std::string &pf_bdf, const PfFacts &pf, uint16_t num_vfs)
{
	/* On vfio_pci_sriov_pfs first, so the VFs find the PF's token. */
	pf.device->set_sriov_configured(true);
	long r;
	{
		std::lock_guard guard(impl.devices_lock);
		r = add_virtfns_locked(impl, pf_bdf, pf, num_vfs);
	}
	if (r < 0)
		remove_virtfns(impl, pf_bdf);  /* none of them was opened yet */
	impl.refresh_sysfs();
	return r;
}

long store_numvfs(Kernel::Impl &impl, const std::string &bdf, const std::string &buf, size_t count)
{
	uint16_t num_vfs = 0;
	if (int r = parse_u16(buf, num_vfs))
		return r;
	std::lock_guard sriov(impl.sriov_lock);
	PfFacts pf;
	{
		std::lock_guard guard(impl.devices_lock);
		pf = facts_locked(impl, bdf);
	}
	if (!pf.device || !pf.cap)
		return -ENOENT;
	if (num_vfs > pf.total)
		return -ERANGE;
	if (num_vfs == pf.enabled)
		return static_cast<long>(count);
	/* sriov_configure: only a bound driver has one, and vfio-pci's
	 * refuses unless the module was loaded with enable_sriov. */
	if (!impl.vfio->bound(*pf.device) || !impl.vfio->params().enable_sriov)
		return -ENOENT;
	if (num_vfs == 0) {
		remove_virtfns(impl, bdf);
		return static_cast<long>(count);
	}
	if (pf.enabled)
		return -EBUSY;
	long r = enable_virtfns(impl, bdf, pf, num_vfs);
	return r < 0 ? r : static_cast<long>(count);
}

/* sriov_vf_msix_count_store(): kstrtoint, negative EINVAL; then the PF's
 * driver must be able to set it, which vfio-pci cannot. */
long store_vf_msix_count(const std::string &buf)
{
	std::string s = buf;
	if (!s.empty() && s.back() == '\n')
		s.pop_back();
	if (s.empty() || s[0] == ' ' || s[0] == '-')
		return -EINVAL;
	char *end = nullptr;
	errno = 0;
	long v = std::strtol(s.c_str(), &end, 0);
	if (*end || errno || v > INT32_MAX)
		return -EINVAL;
	return -EOPNOTSUPP;
}

long store_drivers_autoprobe(Kernel::Impl &impl, const std::string &bdf, const std::string &buf, size_t count)
{
	if (buf.empty())
		return -EINVAL;
	bool value;
	/* kstrtobool */
	switch (buf[0]) {
	case 'y': case 'Y': case '1': value = true; break;
	case 'n': case 'N': case '0': value = false; break;
	case 'o': case 'O':
		if (buf.size() > 1 && (buf[1] == 'n' || buf[1] == 'N')) {
			value = true;
			break;
		}
		if (buf.size() > 1 && (buf[1] == 'f' || buf[1] == 'F')) {
			value = false;
			break;
		}
		return -EINVAL;
	default: return -EINVAL;
	}
	{
		std::lock_guard guard(impl.devices_lock);
		auto it = impl.devices.find(bdf);
		if (it == impl.devices.end())
			return -ENOENT;
		it->second.sriov_drivers_autoprobe = value;
	}
	impl.refresh_sysfs();
	return static_cast<long>(count);
}

} /* namespace */

long store_sriov(Kernel::Impl &impl, const std::string &bdf, const std::string &attribute,
		 const std::string &buf, size_t count)
{
	if (attribute == "sriov_numvfs")
		return store_numvfs(impl, bdf, buf, count);
	if (attribute == "sriov_drivers_autoprobe")
		return store_drivers_autoprobe(impl, bdf, buf, count);
	if (attribute == "sriov_vf_msix_count")
		return store_vf_msix_count(buf);
	return -EINVAL;
}

void sriov_disable_for_unbind(Kernel::Impl &impl, const std::shared_ptr<vfio::VfioPciDevice> &pf)
{
	/* Only a PF has VFs; a VF's own unbind may come from remove_virtfns(),
	 * under sriov_lock. */
	pci::PciFunction &fn = pf->function();
	if (fn.description().virtual_function || !fn.find_ext_capability(pci::regs::kExtCapIdSriov))
		return;
	std::lock_guard sriov(impl.sriov_lock);
	remove_virtfns(impl, pf->bdf());
}

void assign_vf_bar_apertures(pci::PciFunction &pf, uint64_t window)
{
	const DeviceDescription &desc = pf.description();
	const uint16_t cap = pf.find_ext_capability(pci::regs::kExtCapIdSriov);
	if (!desc.sriov || !cap)
		return;
	uint64_t next64 = window, next32 = 0xc0000000;
	for (unsigned j = 0; j < 6; j++) {
		const BarDescription &vf = desc.sriov->vf_bars[j];
		if (vf.kind != BarKind::Mem32 && vf.kind != BarKind::Mem64)
			continue;
		uint64_t &next = vf.kind == BarKind::Mem64 ? next64 : next32;
		const uint64_t align = vf.size;  /* a VF BAR's own size, as Linux aligns it */
		const uint64_t base = (next + align - 1) & ~(align - 1);
		next = base + vf.size * desc.sriov->total_vfs;
		const uint16_t reg = static_cast<uint16_t>(cap + sr::kBar0 + 4 * j);
		pf.config_write(reg, 4, static_cast<uint32_t>(base));
		if (vf.kind == BarKind::Mem64)
			pf.config_write(reg + 4, 4, static_cast<uint32_t>(base >> 32));
	}
}

void sriov_view(const DeviceEntry &entry, SysfsDevice &out)
{
	pci::PciFunction &fn = entry.device->function();
	const DeviceDescription &desc = fn.description();
	if (desc.virtual_function) {
		out.physfn = entry.physfn;
		out.virtfn_vendor = desc.vendor_id;
		out.virtfn_device = desc.device_id;
		return;
	}
	const uint16_t cap = fn.find_ext_capability(pci::regs::kExtCapIdSriov);
	if (!cap)
		return;
	SysfsDevice::Sriov s;
	s.total_vfs = fn.config_read(cap + sr::kTotalVf, 2);
	s.offset = fn.config_read(cap + sr::kVfOffset, 2);
	s.stride = fn.config_read(cap + sr::kVfStride, 2);
	s.vf_device = static_cast<uint16_t>(fn.config_read(cap + sr::kVfDid, 2));
	s.drivers_autoprobe = entry.sriov_drivers_autoprobe;
	s.virtfns = entry.virtfns;
	for (unsigned j = 0; j < 6; j++)
		s.vf_bars[j] = vf_bar_aperture(fn, cap, j, s.total_vfs);
	out.sriov = std::move(s);
}

} /* namespace softvfio */
