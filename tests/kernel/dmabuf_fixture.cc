/* SPDX-License-Identifier: MIT */
#include "kernel/dmabuf_fixture.h"

namespace softvfio::test {

void DmabufTest::TearDown()
{
	maps_.unmap_all();
	for (int fd : fds_)
		kernel_.close(fd);
	kernel_.flush_deferred_releases();
}

void DmabufTest::open(const char *preset, ProfileId profile, DeviceOptions options)
{
	auto desc = softvfio::preset(preset);
	ASSERT_TRUE(desc) << preset;
	open_desc(*desc, profile, options);
}

void DmabufTest::open_desc(const DeviceDescription &desc, ProfileId profile, DeviceOptions options)
{
	options.profile = profile;
	profile_ = profile;
	auto bdf = kernel_.add_device(desc, options);
	ASSERT_TRUE(bdf);
	bdf_ = *bdf;
	fd_ = static_cast<int>(kernel_.open_device(bdf_));
	ASSERT_GE(fd_, 0);
	fds_.push_back(fd_);
}

int DmabufTest::open_again()
{
	int fd = static_cast<int>(kernel_.open_device(bdf_));
	EXPECT_GE(fd, 0);
	fds_.push_back(fd);
	return fd;
}

long DmabufTest::feature(uint32_t flags, const void *payload, size_t payload_size, long argsz_payload)
{
	std::vector<uint8_t> buf(sizeof(vfio_device_feature) + payload_size);
	vfio_device_feature hdr{};
	size_t argsz_p = argsz_payload < 0 ? payload_size : static_cast<size_t>(argsz_payload);
	hdr.argsz = static_cast<uint32_t>(sizeof(hdr) + argsz_p);
	hdr.flags = flags;
	std::memcpy(buf.data(), &hdr, sizeof(hdr));
	if (payload_size)
		std::memcpy(buf.data() + sizeof(hdr), payload, payload_size);
	long r = kernel_.ioctl(fd_, VFIO_DEVICE_FEATURE, buf.data());
	if (r >= 0 && payload_size)
		std::memcpy(const_cast<void *>(payload), buf.data() + sizeof(hdr), payload_size);
	return r;
}

long DmabufTest::export_buf(unsigned bar, const RangeList &ranges, uint32_t open_flags)
{
	std::vector<uint8_t> payload(sizeof(vfio_device_feature_dma_buf) + ranges.size() * sizeof(vfio_region_dma_range));
	vfio_device_feature_dma_buf req{};
	req.region_index = bar;
	req.open_flags = open_flags;
	req.nr_ranges = static_cast<uint32_t>(ranges.size());
	std::memcpy(payload.data(), &req, sizeof(req));
	if (!ranges.empty())
		std::memcpy(payload.data() + sizeof(req), ranges.data(), ranges.size() * sizeof(ranges[0]));
	long fd = feature(VFIO_DEVICE_FEATURE_DMA_BUF | kGet, payload.data(), payload.size());
	if (fd >= 0)
		fds_.push_back(static_cast<int>(fd));
	return fd;
}

long DmabufTest::revoke(int dmabuf_fd, int device_fd)
{
	int dev = device_fd < 0 ? fd_ : device_fd;
	/* No device_state() here: it takes memory_lock, which a blocked
	 * revoke on another thread may hold. */
	if (profile_ == ProfileId::SeriesV2) {
		vfio_pci_dmabuf_revoke req{sizeof(req), dmabuf_fd};
		return kernel_.ioctl(dev, VFIO_DEVICE_PCI_DMABUF_REVOKE, &req);
	}
	std::swap(fd_, dev);
	vfio_device_feature_dma_buf_revoke req{dmabuf_fd};
	long r = feature(VFIO_DEVICE_FEATURE_DMA_BUF_REVOKE | kSet, &req, sizeof(req));
	std::swap(fd_, dev);
	return r;
}

long DmabufTest::memattr(int dmabuf_fd, uint32_t value, uint32_t op, uint32_t *out)
{
	uint32_t index = profile_ == ProfileId::SeriesV2 ? SOFTVFIO_SERIES_V2_FEATURE_DMA_BUF_MEMATTR
							: VFIO_DEVICE_FEATURE_DMA_BUF_MEMATTR;
	vfio_device_feature_dma_buf_memattr req{dmabuf_fd, value};
	long r = feature(index | op, &req, sizeof(req));
	if (out)
		*out = req.memattr;
	return r;
}

void *DmabufTest::map_bar(uint64_t offset, size_t length, int prot, int flags, void *addr)
{
	return maps_.map(addr, length, prot, flags, fd_, offset);
}

void *DmabufTest::map_buf(int fd, size_t length, uint64_t offset, int prot, int flags)
{
	return maps_.map(nullptr, length, prot, flags, fd, offset);
}

long DmabufTest::map_errno(int fd, uint64_t offset, size_t length, int prot, int flags)
{
	return maps_.map_errno(fd, offset, length, prot, flags);
}

long DmabufTest::unmap(void *addr, size_t length)
{
	return maps_.unmap(addr, length);
}

uint16_t DmabufTest::config16(uint32_t off)
{
	uint16_t v = 0;
	EXPECT_EQ(kernel_.pread(fd_, &v, 2, static_cast<off_t>(kConfigRegion + off)), 2);
	return v;
}

uint8_t DmabufTest::find_cap(uint8_t id)
{
	uint8_t pos = static_cast<uint8_t>(config16(0x34) & 0xfc);
	for (int guard = 0; pos && guard < 48; guard++) {
		uint16_t hdr = config16(pos);
		if ((hdr & 0xff) == id)
			return pos;
		pos = static_cast<uint8_t>((hdr >> 8) & 0xfc);
	}
	return 0;
}

long DmabufTest::config_write16(uint32_t off, uint16_t value)
{
	return kernel_.pwrite(fd_, &value, 2, static_cast<off_t>(kConfigRegion + off));
}

long DmabufTest::config_write32(uint32_t off, uint32_t value)
{
	return kernel_.pwrite(fd_, &value, 4, static_cast<off_t>(kConfigRegion + off));
}

void DmabufTest::set_memory(bool on)
{
	uint16_t cmd = config16(0x04);
	cmd = on ? uint16_t(cmd | 0x2) : uint16_t(cmd & ~0x2);
	ASSERT_EQ(config_write16(0x04, cmd), 2);
}

BufferInfo DmabufTest::buffer(uint64_t id)
{
	for (auto &b : kernel_.buffers())
		if (b.id == id)
			return b;
	ADD_FAILURE() << "no buffer " << id;
	return {};
}

BufferInfo DmabufTest::buffer_of(int dmabuf_fd)
{
	auto id = kernel_.buffer_id(dmabuf_fd);
	EXPECT_TRUE(id) << "fd " << dmabuf_fd;
	return id ? buffer(*id) : BufferInfo{};
}

std::vector<BufferInfo> DmabufTest::hidden_buffers()
{
	std::vector<BufferInfo> out;
	for (auto &b : kernel_.buffers())
		if (b.hidden && b.device == bdf_)
			out.push_back(b);
	return out;
}

std::optional<MappingInfo> DmabufTest::mapping(const void *addr)
{
	for (auto &m : kernel_.mappings(false))
		if (m.start <= reinterpret_cast<uintptr_t>(addr) && reinterpret_cast<uintptr_t>(addr) < m.end)
			return m;
	return std::nullopt;
}

DeviceState DmabufTest::state()
{
	auto s = kernel_.device_state(bdf_);
	EXPECT_TRUE(s);
	return s ? *s : DeviceState{};
}

bool DmabufTest::sigbus(const void *addr)
{
	Access r = guarded_read(addr);
	return r.faulted && r.signo == SIGBUS && r.code == BUS_ADRERR && r.addr == reinterpret_cast<uintptr_t>(addr);
}

uint32_t DmabufTest::read32(const void *addr)
{
	Access r = guarded_read(addr);
	EXPECT_FALSE(r.faulted) << "read of " << addr << " raised SIGBUS";
	return r.value;
}

void DmabufTest::write32(void *addr, uint32_t value)
{
	Access r = guarded_write(addr, value);
	EXPECT_FALSE(r.faulted) << "write of " << addr << " raised SIGBUS";
}

} /* namespace softvfio::test */
