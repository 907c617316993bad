/* SPDX-License-Identifier: MIT */
/*
 * `softvfio demo`: the DMABUF BAR-mapping series told on the default device,
 * every step through the uAPI and every outcome checked: a BAR mmap and its
 * maps line, a two-range export, write-combining, aliasing, memory disable
 * with SIGBUS and intact data, a permanent revoke, and a device closed
 * under a live mapping.
 */
#include <cerrno>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <optional>
#include <sys/mman.h>
#include <unistd.h>
#include <vector>

#include <softvfio/kernel.h>
#include <softvfio/uapi/vfio.h>

#include "base/errno_name.h"
#include "cli/commands.h"
#include "cli/sigbus_guard.h"
#include "cli/story.h"

namespace softvfio::cli {

namespace {

constexpr uint64_t kBar = 2;
constexpr uint64_t kBarOffset = kBar << 40;
constexpr size_t kWindow = 2 << 20;      /* the BAR window we map */
constexpr size_t kChunk = 64 << 10;      /* each exported range */

std::string hex(uint64_t v) { return fmt::format("0x{:x}", v); }

class Demo
{
public:
	Demo(Kernel &kernel, Story &story) : k_(kernel), s_(story) {}
	int run();

private:
	bool open_device();
	void bar_mmap();
	void export_two_ranges();
	void write_combining();
	void aliasing();
	void memory_disable();
	void permanent_revoke();
	void close_under_mapping();

	long feature(uint32_t flags, void *payload, size_t size);
	long export_buffer(std::vector<vfio_region_dma_range> ranges);
	const MappingInfo *mapping_at(const void *addr);
	static std::string describe(const Touch &t);

	Kernel &k_;
	Story &s_;
	SigbusGuard guard_;
	std::string bdf_;
	int dev_ = -1;
	volatile uint32_t *bar_ = nullptr;   /* 2 MiB of BAR2 through the device fd */
	int buf_ = -1;                       /* two-range export */
	volatile uint32_t *buf_map_ = nullptr;
	std::vector<MappingInfo> mappings_;
};

long Demo::feature(uint32_t flags, void *payload, size_t size)
{
	std::vector<uint8_t> arg(sizeof(vfio_device_feature) + size);
	auto *hdr = reinterpret_cast<vfio_device_feature *>(arg.data());
	hdr->argsz = static_cast<uint32_t>(arg.size());
	hdr->flags = flags;
	std::memcpy(arg.data() + sizeof(*hdr), payload, size);
	return k_.ioctl(dev_, VFIO_DEVICE_FEATURE, arg.data());
}

long Demo::export_buffer(std::vector<vfio_region_dma_range> ranges)
{
	std::vector<uint8_t> payload(sizeof(vfio_device_feature_dma_buf) + ranges.size() * sizeof(ranges[0]));
	auto *req = reinterpret_cast<vfio_device_feature_dma_buf *>(payload.data());
	req->region_index = kBar;
	req->open_flags = O_RDWR | O_CLOEXEC;
	req->nr_ranges = static_cast<uint32_t>(ranges.size());
	std::memcpy(payload.data() + sizeof(*req), ranges.data(), ranges.size() * sizeof(ranges[0]));
	return feature(VFIO_DEVICE_FEATURE_GET | VFIO_DEVICE_FEATURE_DMA_BUF, payload.data(), payload.size());
}

const MappingInfo *Demo::mapping_at(const void *addr)
{
	mappings_ = k_.mappings(true);
	for (const auto &m : mappings_)
		if (m.start == reinterpret_cast<uintptr_t>(addr))
			return &m;
	return nullptr;
}

std::string Demo::describe(const Touch &t)
{
	if (!t.sigbus)
		return fmt::format("read {}", hex(t.value));
	return fmt::format("SIGBUS (si_code {}{}, si_addr {})", t.code, t.code == BUS_ADRERR ? " BUS_ADRERR" : "",
			   t.addr);
}

bool Demo::open_device()
{
	s_.chapter("A software vfio-pci device");
	auto desc = preset(default_preset_name());
	DeviceOptions opts;
	opts.profile = ProfileId::SeriesV4;
	auto bdf = desc ? k_.add_device(*desc, opts) : Result<std::string>(err(ENODEV));
	if (!bdf) {
		s_.expect(false, "add the default device: " + errno_name(bdf.error()));
		return false;
	}
	bdf_ = *bdf;
	long fd = k_.open_device(bdf_);
	s_.expect(fd >= 0, fmt::format("{} ({}) opened as fd {}, profile series-v4", bdf_, desc->name, fd));
	dev_ = static_cast<int>(fd);
	vfio_region_info info{};
	info.argsz = sizeof(info);
	info.index = kBar;
	long r = k_.ioctl(dev_, VFIO_DEVICE_GET_REGION_INFO, &info);
	s_.expect(r == 0 && info.size >= kWindow,
		  fmt::format("BAR2: size {}, region offset {}, flags {}", hex(info.size), hex(info.offset), hex(info.flags)));
	return fd >= 0 && r == 0;
}

void Demo::bar_mmap()
{
	s_.chapter("BAR mmap through the device fd: a hidden DMABUF under the mapping");
	long r = k_.mmap(nullptr, kWindow, PROT_READ | PROT_WRITE, MAP_SHARED, dev_, kBarOffset);
	s_.expect(r > 0, fmt::format("mmap(fd {}, offset {}, {} MiB) = {}", dev_, hex(kBarOffset), kWindow >> 20,
				    r > 0 ? hex(static_cast<uint64_t>(r)) : errno_name(int(-r))));
	if (r <= 0)
		return;
	bar_ = reinterpret_cast<volatile uint32_t *>(r);
	bar_[0] = 0xc0ffee;
	const MappingInfo *m = mapping_at(const_cast<uint32_t *>(bar_));
	s_.expect(m && m->offset == kBarOffset,
		  fmt::format("/proc/self/maps as the kernel shows it: {:x}-{:x} rw-s {:x} {}", m ? m->start : 0,
			      m ? m->end : 0, m ? m->offset : 0, m ? m->path : "?"));
	s_.say("(the offset column keeps the region index bits; the path names the hidden DMABUF)");
}

void Demo::export_two_ranges()
{
	s_.chapter("Export two BAR ranges as one DMABUF (feature 11)");
	long fd = export_buffer({{0x100000, kChunk}, {0x0, kChunk}});
	s_.expect(fd >= 0, fmt::format("ranges [BAR2+0x100000, 64 KiB] then [BAR2+0x0, 64 KiB] -> dma-buf fd {}",
				     fd >= 0 ? std::to_string(fd) : errno_name(int(-fd))));
	buf_ = static_cast<int>(fd);
	if (fd < 0)
		return;
	off_t size = static_cast<off_t>(k_.lseek(buf_, 0, SEEK_END));
	s_.expect(size == 2 * kChunk, fmt::format("lseek(SEEK_END) = {} bytes: the concatenation", size));
}

void Demo::write_combining()
{
	s_.chapter("Write-combining for future mmaps of the DMABUF (feature 14)");
	if (buf_ < 0)
		return;
	vfio_device_feature_dma_buf_memattr attr{buf_, VFIO_DEVICE_FEATURE_DMA_BUF_MEMATTR_WC};
	long r = feature(VFIO_DEVICE_FEATURE_SET | VFIO_DEVICE_FEATURE_DMA_BUF_MEMATTR, &attr, sizeof(attr));
	s_.expect(r == 0, "MEMATTR WC on the dma-buf: " + (r ? errno_name(int(-r)) : std::string("0")));
	long p = k_.mmap(nullptr, 2 * kChunk, PROT_READ | PROT_WRITE, MAP_SHARED, buf_, 0);
	s_.expect(p > 0, "mmap of the dma-buf fd (offset 0 is buffer byte 0)");
	if (p <= 0)
		return;
	buf_map_ = reinterpret_cast<volatile uint32_t *>(p);
	const MappingInfo *m = mapping_at(const_cast<uint32_t *>(buf_map_));
	s_.expect(m && m->attr == MemoryAttribute::WriteCombine, "the new mapping is write-combining");
	const MappingInfo *b = mapping_at(const_cast<uint32_t *>(bar_));
	s_.expect(b && b->attr == MemoryAttribute::Uncached, "the BAR mapping through the device fd stays uncached");
}

void Demo::aliasing()
{
	s_.chapter("Aliases: two mappings of the same BAR bytes");
	if (!bar_ || !buf_map_)
		return;
	/* BAR2+0x100010 is buffer byte 0x10 (first range) */
	bar_[(0x100000 + 0x10) / 4] = 0x5eed1234;
	Touch t = guard_.read32(buf_map_ + 0x10 / 4);
	s_.expect(!t.sigbus && t.value == 0x5eed1234,
		  fmt::format("write 0x5eed1234 at BAR2+0x100010 through the BAR mapping; the DMABUF mapping at buffer "
			      "byte 0x10 reads {}", hex(t.value)));
	buf_map_[(kChunk + 0x20) / 4] = 0xabad1dea;
	s_.expect(bar_[0x20 / 4] == 0xabad1dea, "and back: buffer byte 0x10020 is BAR2+0x20");
}

void Demo::memory_disable()
{
	s_.chapter("Memory disabled: every mapping raises SIGBUS, data survives");
	uint64_t cfg = uint64_t(VFIO_PCI_CONFIG_REGION_INDEX) << 40;
	uint16_t cmd = 0;
	k_.pread(dev_, &cmd, 2, static_cast<off_t>(cfg + 4));
	uint16_t off = cmd & ~0x2;
	long w = k_.pwrite(dev_, &off, 2, static_cast<off_t>(cfg + 4));
	s_.expect(w == 2, fmt::format("PCI_COMMAND {} -> {} through a config write", hex(cmd), hex(off)));
	Touch a = guard_.read32(bar_);
	s_.expect(a.sigbus && a.code == BUS_ADRERR && a.addr == bar_, "BAR mapping: " + describe(a));
	Touch b = guard_.read32(buf_map_);
	s_.expect(b.sigbus, "DMABUF mapping: " + describe(b));
	uint32_t v;
	long r = k_.pread(dev_, &v, 4, static_cast<off_t>(kBarOffset));
	s_.expect(r == -EIO, "pread of the BAR region: " + errno_name(int(-r)));
	long m = k_.mmap(nullptr, 4096, PROT_READ, MAP_SHARED, dev_, kBarOffset);
	s_.expect(m > 0, "a new BAR mmap still succeeds (faults sort it out)");
	if (m > 0) {
		Touch c = guard_.read32(reinterpret_cast<void *>(m));
		s_.expect(c.sigbus, "... and its access: " + describe(c));
	}
	k_.pwrite(dev_, &cmd, 2, static_cast<off_t>(cfg + 4));
	Touch d = guard_.read32(bar_);
	s_.expect(!d.sigbus && d.value == 0xc0ffee, "memory re-enabled: the BAR mapping " + describe(d) + ", intact");
	if (m > 0) {
		Touch e = guard_.read32(reinterpret_cast<void *>(m));
		s_.expect(!e.sigbus, "the mapping made while disabled works too");
		k_.munmap(reinterpret_cast<void *>(m), 4096);
	}
}

void Demo::permanent_revoke()
{
	s_.chapter("Permanent revoke (feature 13)");
	if (buf_ < 0)
		return;
	vfio_device_feature_dma_buf_revoke rv{buf_};
	long r = feature(VFIO_DEVICE_FEATURE_SET | VFIO_DEVICE_FEATURE_DMA_BUF_REVOKE, &rv, sizeof(rv));
	s_.expect(r == 0, "REVOKE the two-range buffer: " + (r ? errno_name(int(-r)) : std::string("0")));
	Touch t = guard_.read32(buf_map_);
	s_.expect(t.sigbus, "its mapping: " + describe(t));
	Touch u = guard_.read32(bar_);
	s_.expect(!u.sigbus, "the BAR mapping over the same bytes is another buffer: " + describe(u));
	r = feature(VFIO_DEVICE_FEATURE_SET | VFIO_DEVICE_FEATURE_DMA_BUF_REVOKE, &rv, sizeof(rv));
	s_.expect(r == -EBADFD, "REVOKE again: " + errno_name(int(-r)));
	long m = k_.mmap(nullptr, 4096, PROT_READ, MAP_SHARED, buf_, 0);
	s_.expect(m == -ENODEV, "mmap of the revoked fd: " + errno_name(int(-m)));
	k_.munmap(const_cast<uint32_t *>(buf_map_), 2 * kChunk);
	k_.close(buf_);
}

void Demo::close_under_mapping()
{
	s_.chapter("The device closed under a live mapping");
	long other = export_buffer({{0x200000, kChunk}});
	long om = other >= 0 ? k_.mmap(nullptr, kChunk, PROT_READ | PROT_WRITE, MAP_SHARED, static_cast<int>(other), 0)
			     : -1;
	s_.expect(other >= 0 && om > 0, "export and map one more buffer (BAR2+0x200000)");
	k_.close(dev_);
	auto st = k_.device_state(bdf_);
	s_.expect(st && st->open_count == 1,
		  "close every device fd: the BAR mapping keeps the device open (open count 1)");
	Touch a = guard_.read32(bar_);
	s_.expect(!a.sigbus, "the BAR mapping still works: " + describe(a));
	k_.munmap(const_cast<uint32_t *>(bar_), kWindow);
	st = k_.device_state(bdf_);
	s_.expect(st && st->open_count == 0, "munmap it: the device closes (open count 0)");
	if (om > 0) {
		Touch b = guard_.read32(reinterpret_cast<void *>(om));
		s_.expect(b.sigbus, "the exported buffer was cleaned up with the device: " + describe(b));
		k_.munmap(reinterpret_cast<void *>(om), kChunk);
	}
	dev_ = static_cast<int>(k_.open_device(bdf_));
	vfio_device_feature_dma_buf_revoke rv{static_cast<int32_t>(other)};
	long r = feature(VFIO_DEVICE_FEATURE_SET | VFIO_DEVICE_FEATURE_DMA_BUF_REVOKE, &rv, sizeof(rv));
	s_.expect(r == -ENODEV, "REVOKE it through a newly opened device fd: " + errno_name(int(-r)));
	k_.close(static_cast<int>(other));
	k_.close(dev_);
}

int Demo::run()
{
	if (!open_device())
		return kExitFailure;
	bar_mmap();
	export_two_ranges();
	write_combining();
	aliasing();
	memory_disable();
	permanent_revoke();
	close_under_mapping();
	fmt::print("\n{}\n", s_.failures() ? fmt::format("{} outcome(s) differed from the kernel's", s_.failures())
					   : "every outcome as the kernel gives it");
	return s_.failures() ? kExitFailure : kExitOk;
}

} /* namespace */

int run_demo(const DemoOptions &opts)
{
	Kernel kernel;
	Story story(use_colour(opts.colour));
	return Demo(kernel, story).run();
}

} /* namespace softvfio::cli */
