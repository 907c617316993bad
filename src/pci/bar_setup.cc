/* SPDX-License-Identifier: MIT */
#include "pci/bar_setup.h"

#include <algorithm>
#include <cerrno>
#include <unistd.h>

#include "pci/description_util.h"

namespace softvfio::pci {

namespace {

using desc_util::align_up;
using desc_util::ranges_overlap;

constexpr uint64_t k4GiB = uint64_t(1) << 32;
constexpr uint64_t kIoEnd = 0x10000;

struct Range {
	uint64_t start;
	uint64_t size;
	bool io;
};

struct Request {
	Bar *bar;
	bool io;
	uint64_t limit;   /* exclusive end the range must stay below; 0 = none */
};

/* Lowest naturally aligned address >= base that collides with nothing. */
Result<uint64_t> place(const Request &req, uint64_t base, const std::vector<Range> &taken)
{
	const uint64_t size = req.bar->size;
	uint64_t at = align_up(base, size);
	for (;;) {
		if (at < base)   /* wrapped */
			return err(ENOMEM);
		if (req.limit && (at >= req.limit || size > req.limit - at))
			return err(ENOMEM);
		auto clash = std::find_if(taken.begin(), taken.end(), [&](const Range &r) {
			return r.io == req.io && ranges_overlap(at, size, r.start, r.size);
		});
		if (clash == taken.end())
			return at;
		const uint64_t next = align_up(clash->start + clash->size, size);
		if (next <= at)
			return err(ENOMEM);
		at = next;
	}
}

} /* namespace */

Result<void> assign_bus_addresses(const DeviceDescription &desc, uint64_t base,
				  std::array<Bar, 6> &bars, Bar &rom)
{
	std::vector<Range> taken;
	std::vector<Request> requests;
	for (unsigned i = 0; i < 6; ++i) {
		const BarDescription &d = desc.bars[i];
		Bar &bar = bars[i];
		bar = Bar{};
		if (d.kind == BarKind::None)
			continue;
		bar.kind = d.kind;
		bar.prefetchable = d.prefetchable;
		bar.size = d.size;
		bar.address = d.address;
		bar.mmap_capable = bar.is_memory() && d.mmap;
		const bool io = d.kind == BarKind::Io;
		if (d.address)
			taken.push_back({d.address, d.size, io});
		else
			requests.push_back({&bar, io, io ? kIoEnd
						 : d.kind == BarKind::Mem32 ? k4GiB : 0});
	}
	rom = Bar{};
	if (desc.rom_size) {
		rom.kind = BarKind::Mem32;
		rom.size = desc.rom_size;
		rom.address = desc.rom_address;
		if (rom.address)
			taken.push_back({rom.address, rom.size, false});
		else
			requests.push_back({&rom, false, k4GiB});
	}

	/* Largest first, as Linux and firmware do, so alignment wastes little. */
	std::stable_sort(requests.begin(), requests.end(), [](const Request &a, const Request &b) {
		return a.bar->size > b.bar->size;
	});
	for (const Request &req : requests) {
		/* A window above 4 GiB (the Kernel's per-device ones) has no
		 * room for 32-bit BARs: those go to the 32-bit hole. */
		const uint64_t from = req.io ? kIoAssignBase
				      : req.limit && base >= req.limit ? kMem32AssignBase
								       : base;
		auto at = place(req, from, taken);
		if (!at)
			return err(at.error());
		req.bar->address = *at;
		taken.push_back({*at, req.bar->size, req.io});
	}
	return {};
}

uint64_t bar_memfd_size(const std::array<Bar, 6> &bars)
{
	const uint64_t page = static_cast<uint64_t>(::sysconf(_SC_PAGESIZE));
	uint64_t end = 0;
	for (unsigned i = 0; i < 6; ++i) {
		if (bars[i].kind != BarKind::None)
			end = std::max(end, region_offset(i) + align_up(bars[i].size, page));
	}
	return end;
}

std::vector<uint8_t> build_rom_image(const DeviceDescription &desc)
{
	std::vector<uint8_t> rom(desc.rom_size, 0);
	if (rom.size() < 0x40)
		return rom;
	auto put16 = [&](size_t at, uint16_t v) {
		rom[at] = static_cast<uint8_t>(v);
		rom[at + 1] = static_cast<uint8_t>(v >> 8);
	};
	const uint16_t blocks = static_cast<uint16_t>(std::min<size_t>(rom.size() / 512, 0xffff));
	rom[0] = 0x55;
	rom[1] = 0xaa;
	rom[2] = static_cast<uint8_t>(std::min<uint16_t>(blocks, 0xff));
	constexpr size_t kPcir = 0x1c;
	put16(0x18, kPcir);
	rom[kPcir + 0] = 'P';
	rom[kPcir + 1] = 'C';
	rom[kPcir + 2] = 'I';
	rom[kPcir + 3] = 'R';
	put16(kPcir + 4, desc.vendor_id);
	put16(kPcir + 6, desc.device_id);
	put16(kPcir + 0x0a, 0x18);                        /* structure length */
	rom[kPcir + 0x0c] = 3;                            /* structure revision */
	rom[kPcir + 0x0d] = static_cast<uint8_t>(desc.class_code);
	rom[kPcir + 0x0e] = static_cast<uint8_t>(desc.class_code >> 8);
	rom[kPcir + 0x0f] = static_cast<uint8_t>(desc.class_code >> 16);
	put16(kPcir + 0x10, blocks);                      /* image length, 512-byte units */
	rom[kPcir + 0x14] = 0x03;                         /* code type: EFI */
	rom[kPcir + 0x15] = 0x80;                         /* last image */
	/* The image sums to zero. Only the header is non-zero (the rest
	 * adds nothing), so only it is summed: ROMs reach megabytes. */
	uint8_t sum = 0;
	for (size_t i = 0; i < kPcir + 0x18; i++)
		sum = static_cast<uint8_t>(sum + rom[i]);
	rom.back() = static_cast<uint8_t>(-sum);
	return rom;
}

} /* namespace softvfio::pci */
