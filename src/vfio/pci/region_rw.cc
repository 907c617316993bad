/* SPDX-License-Identifier: MIT */
/*
 * pread/pwrite of the device fd (vfio_pci_rw): config space through the
 * virtualisation, BARs and the ROM as bus accesses split into naturally
 * aligned 8/4/2/1-byte pieces, each refused with EIO while memory is
 * disabled, and the MSI-X table range reading as 0xff with writes dropped.
 */
#include <algorithm>
#include <cerrno>
#include <cstring>
#include <mutex>
#include <span>

#include <softvfio/uapi/vfio.h>

#include "base/user_copy.h"
#include "vfio/pci/device.h"
#include "vfio/pci/rom.h"

namespace softvfio::vfio {

namespace {

constexpr uint64_t kOffsetMask = (uint64_t(1) << pci::kRegionShift) - 1;

/* Where a BAR-like region's bytes come from. */
struct IoWindow {
	uint64_t end;              /* region length */
	uint64_t x_start, x_end;   /* excluded range: reads 0xff, writes dropped */
	bool test_mem;             /* memory space: needs memory enabled */
};

size_t piece_size(uint64_t off, size_t fillable)
{
	if (fillable >= 8 && !(off % 8))
		return 8;
	if (fillable >= 4 && !(off % 4))
		return 4;
	if (fillable >= 2 && !(off % 2))
		return 2;
	return 1;
}

} /* namespace */

namespace {

class RegionIo
{
public:
	RegionIo(VfioPciDevice &dev, unsigned index, bool rom) : dev_(dev), index_(index), rom_(rom) {}

	long run(uint8_t *buf, size_t count, uint64_t off, const IoWindow &w, bool is_write)
	{
		size_t done = 0;
		while (count) {
			size_t fillable = 0;
			if (off < w.x_start)
				fillable = std::min<uint64_t>(count, w.x_start - off);
			else if (off >= w.x_end)
				fillable = count;

			size_t filled;
			if (fillable) {
				filled = piece_size(off, fillable);
				if (long ret = access(buf, off, filled, w.test_mem, is_write); ret)
					return ret;
			} else {
				filled = std::min<uint64_t>(count, w.x_end - off);
				if (!is_write && !fill_ff(buf, filled))
					return -EFAULT;
			}
			count -= filled;
			done += filled;
			off += filled;
			buf += filled;
		}
		return static_cast<long>(done);
	}

private:
	long access(uint8_t *user, uint64_t off, size_t n, bool test_mem, bool is_write)
	{
		uint8_t val[8];
		if (is_write && !copy_from_user(val, user, n))
			return -EFAULT;
		{
			std::shared_lock guard(dev_.memory_lock(), std::defer_lock);
			if (test_mem) {
				guard.lock();
				if (!dev_.memory_enabled_locked())
					return -EIO;
			}
			if (rom_)
				read_rom(off, val, n);
			else if (is_write)
				(void)dev_.function().bar_write(index_, off, val, n);
			else if (!dev_.function().bar_read(index_, off, val, n))
				std::memset(val, 0xff, n);
		}
		if (!is_write && !copy_to_user(user, val, n))
			return -EFAULT;
		return 0;
	}

	void read_rom(uint64_t off, uint8_t *val, size_t n)
	{
		auto rom = dev_.function().rom();
		for (size_t i = 0; i < n; i++)
			val[i] = off + i < rom.size() ? rom[off + i] : 0xff;
	}

	static bool fill_ff(uint8_t *user, size_t n)
	{
		uint8_t ff[64];
		std::memset(ff, 0xff, sizeof(ff));
		for (size_t at = 0; at < n; at += sizeof(ff))
			if (!copy_to_user(user + at, ff, std::min(sizeof(ff), n - at)))
				return false;
		return true;
	}

	VfioPciDevice &dev_;
	unsigned index_;
	bool rom_;
};

long bar_rw(VfioPciDevice &dev, unsigned index, uint8_t *buf, size_t count, uint64_t off, bool is_write)
{
	const pci::Bar &bar = dev.function().bar(index);
	if (!bar.size || !bar.address)
		return -EINVAL;
	if (off >= bar.size)
		return -EINVAL;
	count = std::min<uint64_t>(count, bar.size - off);
	IoWindow w{bar.size, 0, 0, bar.is_memory()};
	if (index == dev.msix_bar()) {
		w.x_start = dev.msix_offset();
		w.x_end = dev.msix_offset() + dev.msix_size();
	}
	return RegionIo(dev, index, false).run(buf, count, off, w, is_write);
}

long rom_read(VfioPciDevice &dev, uint8_t *buf, size_t count, uint64_t off)
{
	uint64_t end = dev.function().description().rom_size;
	if (!end)
		return -EINVAL;
	if (off >= end)
		return -EINVAL;
	auto rom = dev.function().rom();
	if (rom.size() < 2 || rom[0] != 0x55 || rom[1] != 0xaa)
		return -ENOMEM; /* pci_map_rom() found no valid image */
	count = std::min<uint64_t>(count, end - off);
	/* Past the image the ROM BAR reads as 0xff without touching the device. */
	IoWindow w{end, rom_image_size(rom), end, true};
	return RegionIo(dev, 0, true).run(buf, count, off, w, false);
}

} /* namespace */

long VfioPciDevice::rw(void *user_buf, size_t count, uint64_t pos, bool is_write)
{
	unsigned index = static_cast<unsigned>(pos >> pci::kRegionShift);
	uint64_t off = pos & kOffsetMask;
	if (index >= VFIO_PCI_NUM_REGIONS)
		return -EINVAL;
	runtime_resume();
	auto *buf = static_cast<uint8_t *>(user_buf);
	switch (index) {
	case VFIO_PCI_CONFIG_REGION_INDEX:
		return is_write ? config_.write(buf, count, off) : config_.read(buf, count, off);
	case VFIO_PCI_ROM_REGION_INDEX:
		return is_write ? -EINVAL : rom_read(*this, buf, count, off);
	case VFIO_PCI_VGA_REGION_INDEX:
		return -EINVAL; /* no VGA-class functions are modelled */
	default:
		return bar_rw(*this, index, buf, count, off, is_write);
	}
}

} /* namespace softvfio::vfio */
