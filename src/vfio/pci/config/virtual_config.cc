/* SPDX-License-Identifier: MIT */
/*
 * The user access loop of VirtualConfig (vfio_pci_config_rw and
 * vfio_config_do_rw): bounds, splitting into pieces, choosing the owning
 * capability's permissions, and the copies to and from the caller.
 */
#include "vfio/pci/config/virtual_config.h"

#include <algorithm>
#include <bit>
#include <cerrno>

#include "base/user_copy.h"
#include "pci/regs.h"
#include "vfio/pci/config/pci_defs.h"

namespace softvfio::vfio {

namespace r = pci::regs;
namespace d = defs;

/* Config space is little-endian; pieces travel in the low bytes of a u32. */
static_assert(std::endian::native == std::endian::little);

VirtualConfig::VirtualConfig(ConfigDevice &device, ConfigBackend &backend)
	: device_(device), hw_(backend)
{
}

VirtualConfig::~VirtualConfig() = default;

Result<void> VirtualConfig::init()
{
	{
		std::lock_guard g(intx_mutex_);
		virq_disabled_ = false;
		virq_mirror_.store(false, std::memory_order_release);
	}
	StateLock lk(*this);
	auto res = init_locked();
	if (!res) {
		map_.clear();
		vconfig_.clear();
		msi_perm_.reset();
		command_.store(0, std::memory_order_release);
	}
	return res;
}

void VirtualConfig::release()
{
	{
		std::lock_guard g(intx_mutex_);
		virq_disabled_ = false;
		virq_mirror_.store(false, std::memory_order_release);
	}
	StateLock lk(*this);
	map_.clear();
	vconfig_.clear();
	msi_perm_.reset();
	bardirty_ = false;
	command_.store(0, std::memory_order_release);
}

Result<void> VirtualConfig::reset()
{
	release();
	return init();
}

uint32_t VirtualConfig::size() const { return hw_.cfg_size(); }

void VirtualConfig::msi_enabled(unsigned nvec)
{
	/* log2 of the vector count, rounded up (fls(2n - 1) - 1) */
	uint32_t span = uint32_t(nvec) * 2 - 1;
	StateLock lk(*this);
	msi_qmax_ = unsigned(std::bit_width(span)) - 1;
}

void VirtualConfig::set_msi_active(bool active)
{
	StateLock lk(*this);
	msi_active_ = active;
}

uint8_t VirtualConfig::map_at(uint32_t pos) const
{
	StateLock lk(*this);
	return pos < map_.size() ? map_[pos] : d::kMapInvalid;
}

uint32_t VirtualConfig::vconfig_at(uint32_t pos, unsigned width) const
{
	StateLock lk(*this);
	return pos + width <= vconfig_.size() ? vget(pos, width) : 0;
}

bool VirtualConfig::state_locked_by_caller() const
{
	return mutex_owner_.load(std::memory_order_relaxed) == std::this_thread::get_id();
}

/* --- vconfig helpers --- */

uint32_t VirtualConfig::vget(uint32_t pos, unsigned width) const
{
	uint32_t v = 0;
	for (unsigned i = 0; i < width; i++)
		v |= uint32_t(vconfig_[pos + i]) << (8 * i);
	return v;
}

void VirtualConfig::vset(uint32_t pos, unsigned width, uint32_t val)
{
	for (unsigned i = 0; i < width; i++)
		vconfig_[pos + i] = uint8_t(val >> (8 * i));
	/* Keep the lock-free mirror of COMMAND in step with vconfig. */
	if (pos < r::kCommand + 2u && pos + width > r::kCommand)
		command_.store(uint16_t(vget(r::kCommand, 2)), std::memory_order_release);
}

/* --- the access loop --- */

long VirtualConfig::read(void *user_buf, size_t count, uint64_t pos)
{
	const auto buf = reinterpret_cast<uintptr_t>(user_buf);
	size_t done = 0;
	while (count) {
		long ret = read_chunk(buf + done, count, pos + done);
		if (ret < 0)
			return ret;
		count -= size_t(ret);
		done += size_t(ret);
	}
	return long(done);
}

long VirtualConfig::write(const void *user_buf, size_t count, uint64_t pos)
{
	const auto buf = reinterpret_cast<uintptr_t>(user_buf);
	size_t done = 0;
	while (count) {
		long ret = write_chunk(buf + done, count, pos + done);
		if (ret < 0)
			return ret;
		count -= size_t(ret);
		done += size_t(ret);
	}
	return long(done);
}

long VirtualConfig::read_chunk(uintptr_t buf, size_t count, uint64_t pos)
{
	Chunk c{};
	uint32_t val = 0;
	{
		StateLock lk(*this);
		if (long e = locate(pos, count, c))
			return e;
		val = read_locked(c);
	}
	/* The hardware was read even if the copy then faults, as in vfio. */
	if (!copy_to_user(reinterpret_cast<void *>(buf), &val, c.count))
		return -EFAULT;
	return c.count;
}

long VirtualConfig::write_chunk(uintptr_t buf, size_t count, uint64_t pos)
{
	Chunk c{};
	{
		StateLock lk(*this);
		if (long e = locate(pos, count, c))
			return e;
	}
	/* Read-only pieces are skipped without touching the user buffer. */
	if (c.perm->write == WritePath::None)
		return c.count;
	uint32_t val = 0;
	if (!copy_from_user(&val, reinterpret_cast<const void *>(buf), c.count))
		return -EFAULT;
	dispatch_write(c, val);
	return c.count;
}

/* The next piece of an access: bounds first (the whole remaining access
 * must fit, else EFAULT), then at most up to the next dword boundary or
 * the end of the owning capability, naturally aligned. */
long VirtualConfig::locate(uint64_t pos, size_t count, Chunk &out) const
{
	if (map_.empty())
		return -ENODEV;
	const uint64_t size = map_.size();
	if (pos >= size || count > size - pos)
		return -EFAULT;

	const auto p = uint32_t(pos);
	const size_t n = std::min<size_t>(count, remaining_in_dword(p));
	unsigned len = 1;
	if (n >= 4 && p % 4 == 0)
		len = 4;
	else if (n >= 2 && p % 2 == 0)
		len = 2;

	const uint8_t id = map_[p];
	uint32_t start = 0;
	const PermBits *perm = nullptr;
	if (id == d::kMapInvalid) {
		perm = &unassigned_perms();
		start = p;
	} else if (id == d::kMapInvalidVirt) {
		perm = &virt_perms();
		start = p;
	} else if (p >= d::kConfigSpaceSize) {
		/* An ID beyond the table can only be a hidden first extended
		 * capability's anchor: read-only, header virtual. */
		perm = id > d::kExtCapIdMax ? &direct_ro_perms() : &ecap_perms(id);
		start = find_cap_start(p);
	} else {
		perm = &cap_perms(id);
		if (id == r::kCapIdMsi && msi_perm_)
			perm = &*msi_perm_;
		if (id > d::kMapBasic)
			start = find_cap_start(p);
	}
	out = Chunk{p, len, p - start, perm};
	return 0;
}

unsigned VirtualConfig::remaining_in_dword(uint32_t pos) const
{
	const uint8_t id = map_[pos];
	unsigned i = 1;
	while ((pos + i) % 4 && map_[pos + i] == id)
		i++;
	return i;
}

/* Start of the capability owning `pos`: walk back over bytes with the same
 * map ID (two abutting capabilities of one ID merge, as in vfio). */
uint32_t VirtualConfig::find_cap_start(uint32_t pos) const
{
	const uint8_t id = map_[pos];
	if (id == d::kMapBasic)
		return 0;
	const uint32_t base = pos >= d::kConfigSpaceSize ? d::kConfigSpaceSize : r::kStdHeaderSize;
	while (pos > base && map_[pos - 1] == id)
		pos--;
	return pos;
}

void VirtualConfig::dispatch_write(const Chunk &c, uint32_t val)
{
	switch (c.perm->write) {
	case WritePath::None:
		break;
	case WritePath::Default: {
		StateLock lk(*this);
		default_write(c, val);
		break;
	}
	case WritePath::Raw: {
		StateLock lk(*this);
		hw_.write(c.pos, c.count, val);
		break;
	}
	case WritePath::Virt: {
		StateLock lk(*this);
		vset(c.pos, c.count, val);
		break;
	}
	case WritePath::Basic: basic_write(c, val); break;
	case WritePath::Pm: pm_write(c, val); break;
	case WritePath::Vpd: vpd_write(c, val); break;
	case WritePath::Exp: exp_write(c, val); break;
	case WritePath::Af: af_write(c, val); break;
	case WritePath::Msi: msi_write(c, val); break;
	}
}

} /* namespace softvfio::vfio */
