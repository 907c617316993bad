/* SPDX-License-Identifier: MIT */
#include "bench_setup.h"

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <sys/mman.h>
#include <vector>

#include "dma_buf_request.h"

namespace softvfio::bench {

void die(const char *what, long r)
{
	std::fprintf(stderr, "bench setup: %s failed (%ld)\n", what, r);
	std::abort();
}

BenchDevice::BenchDevice(const char *preset_name, KernelOptions options) : kernel(options)
{
	auto desc = softvfio::preset(preset_name);
	if (!desc)
		die("preset", -1);
	auto bdf = kernel.add_device(*desc);
	if (!bdf)
		die("add_device", -bdf.error());
	fd = static_cast<int>(check("open_device", kernel.open_device(*bdf)));
}

vfio_region_info BenchDevice::region(unsigned index)
{
	vfio_region_info info{};
	info.argsz = sizeof(info);
	info.index = index;
	check("GET_REGION_INFO", kernel.ioctl(fd, VFIO_DEVICE_GET_REGION_INFO, &info));
	return info;
}

void *BenchDevice::map_bar(unsigned bar, size_t length)
{
	long r = check("mmap BAR", kernel.mmap(nullptr, length, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
					       static_cast<off_t>(region(bar).offset)));
	return reinterpret_cast<void *>(r);
}

void *BenchDevice::map_buf(int buf, size_t length)
{
	long r = check("mmap dma-buf", kernel.mmap(nullptr, length, PROT_READ | PROT_WRITE, MAP_SHARED, buf, 0));
	return reinterpret_cast<void *>(r);
}

long BenchDevice::feature(uint32_t flags, const void *payload, size_t size)
{
	std::vector<uint64_t> storage((sizeof(vfio_device_feature) + size + 7) / 8);
	auto *f = reinterpret_cast<vfio_device_feature *>(storage.data());
	f->argsz = static_cast<uint32_t>(sizeof(vfio_device_feature) + size);
	f->flags = flags;
	std::memcpy(f->data, payload, size);
	return kernel.ioctl(fd, VFIO_DEVICE_FEATURE, f);
}

int BenchDevice::export_bar(unsigned bar, uint64_t offset, uint64_t length)
{
	const DmaBufRequest p = dma_buf_request(bar, offset, length);
	return static_cast<int>(
		check("export", feature(VFIO_DEVICE_FEATURE_GET | VFIO_DEVICE_FEATURE_DMA_BUF, p.data(), p.size())));
}

void BenchDevice::revoke(int buf)
{
	vfio_device_feature_dma_buf_revoke r{};
	r.dmabuf_fd = buf;
	check("REVOKE", feature(VFIO_DEVICE_FEATURE_SET | VFIO_DEVICE_FEATURE_DMA_BUF_REVOKE, &r, sizeof(r)));
}

void BenchDevice::set_memory(bool on)
{
	uint64_t cfg = region(VFIO_PCI_CONFIG_REGION_INDEX).offset;
	uint16_t cmd = 0;
	check("config read", kernel.pread(fd, &cmd, 2, static_cast<off_t>(cfg + 4)));
	cmd = on ? static_cast<uint16_t>(cmd | 0x2) : static_cast<uint16_t>(cmd & ~0x2);
	check("config write", kernel.pwrite(fd, &cmd, 2, static_cast<off_t>(cfg + 4)));
}

} /* namespace softvfio::bench */
