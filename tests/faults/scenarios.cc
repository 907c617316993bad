/* SPDX-License-Identifier: MIT */
#include "faults/scenarios.h"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <string>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <unistd.h>

#include <softvfio/uapi/dma-buf.h>
#include <softvfio/uapi/iommufd.h>
#include <softvfio/uapi/vfio.h>

#include "support/device_feature.h"
#include "support/guarded_access.h"

namespace softvfio::test {

namespace {

constexpr uint64_t kPage = 4096;
constexpr int kRW = PROT_READ | PROT_WRITE;
constexpr uint64_t region(unsigned index) { return uint64_t(index) << 40; }

/* An emulated fd, closed through the Kernel when the scenario ends. */
class Fd
{
public:
	Fd(Kernel &k, long fd) : k_(k), fd_(static_cast<int>(fd)) {}
	~Fd() { reset(); }
	Fd(const Fd &) = delete;
	Fd &operator=(const Fd &) = delete;
	int get() const { return fd_; }
	void reset()
	{
		if (fd_ >= 0)
			k_.close(fd_);
		fd_ = -1;
	}

private:
	Kernel &k_;
	int fd_;
};

/* A real fd the scenario made itself (an eventfd). */
class RealFd
{
public:
	explicit RealFd(int fd) : fd_(fd) {}
	~RealFd()
	{
		if (fd_ >= 0)
			::close(fd_);
	}
	RealFd(const RealFd &) = delete;
	RealFd &operator=(const RealFd &) = delete;
	int get() const { return fd_; }

private:
	int fd_;
};

/* An emulated mapping, unmapped through the Kernel at the end. */
class Map
{
public:
	Map(Kernel &k, long addr, size_t len) : k_(k), addr_(addr < 0 ? nullptr : reinterpret_cast<uint8_t *>(addr)), len_(len) {}
	~Map() { reset(); }
	Map(const Map &) = delete;
	Map &operator=(const Map &) = delete;
	uint8_t *get() const { return addr_; }
	void reset()
	{
		if (addr_)
			k_.munmap(addr_, len_);
		addr_ = nullptr;
	}

private:
	Kernel &k_;
	uint8_t *addr_;
	size_t len_;
};

/* Real process memory for DMA mappings, unmapped at the end. */
class Pages
{
public:
	explicit Pages(size_t len)
		: len_(len), addr_(::mmap(nullptr, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0))
	{
	}
	~Pages()
	{
		if (addr_ != MAP_FAILED)
			::munmap(addr_, len_);
	}
	Pages(const Pages &) = delete;
	Pages &operator=(const Pages &) = delete;
	uintptr_t get() const { return reinterpret_cast<uintptr_t>(addr_); }

private:
	size_t len_;
	void *addr_;
};

/* Importer that unmaps everything when told to, as a good driver does. */
struct DrainingImporter : Importer {
	void invalidate(Attachment &a) override
	{
		while (a.mapped())
			(void)a.unmap();
	}
};

#define STEP(expr)                          \
	do {                                \
		long step_ = (expr);        \
		if (step_ < 0)              \
			return step_;       \
	} while (0)

bool accessible(const void *addr) { return !guarded_read(addr).faulted; }

long feature(Kernel &k, int fd, uint32_t flags, const void *payload, size_t size)
{
	return test::device_feature(k, fd, flags, payload, size);
}

long export_ranges(Kernel &k, int fd, unsigned bar, std::vector<vfio_region_dma_range> ranges, int mode = O_RDWR)
{
	std::vector<uint8_t> p(sizeof(vfio_device_feature_dma_buf) + ranges.size() * sizeof(vfio_region_dma_range));
	vfio_device_feature_dma_buf req{bar, static_cast<uint32_t>(mode | O_CLOEXEC), 0,
					static_cast<uint32_t>(ranges.size())};
	std::memcpy(p.data(), &req, sizeof(req));
	std::memcpy(p.data() + sizeof(req), ranges.data(), ranges.size() * sizeof(ranges[0]));
	return feature(k, fd, VFIO_DEVICE_FEATURE_DMA_BUF | VFIO_DEVICE_FEATURE_GET, p.data(), p.size());
}

long revoke(Kernel &k, int fd, int dmabuf)
{
	vfio_device_feature_dma_buf_revoke req{dmabuf};
	return feature(k, fd, VFIO_DEVICE_FEATURE_DMA_BUF_REVOKE | VFIO_DEVICE_FEATURE_SET, &req, sizeof(req));
}

long memattr(Kernel &k, int fd, int dmabuf, uint32_t value)
{
	vfio_device_feature_dma_buf_memattr req{dmabuf, value};
	return feature(k, fd, VFIO_DEVICE_FEATURE_DMA_BUF_MEMATTR | VFIO_DEVICE_FEATURE_SET, &req, sizeof(req));
}

long set_memory(Kernel &k, int fd, bool on)
{
	uint16_t cmd = 0;
	const off_t at = static_cast<off_t>(region(VFIO_PCI_CONFIG_REGION_INDEX) + 4);
	STEP(k.pread(fd, &cmd, 2, at));
	cmd = on ? uint16_t(cmd | 0x2) : uint16_t(cmd & ~0x2);
	return k.pwrite(fd, &cmd, 2, at);
}

/* --- the scenarios --- */

long open_device(ScenarioEnv &env)
{
	Kernel &k = env.kernel;
	Fd fd(k, k.open_device(env.nic));
	STEP(fd.get());
	vfio_device_info info{};
	info.argsz = sizeof(info);
	STEP(k.ioctl(fd.get(), VFIO_DEVICE_GET_INFO, &info));
	env.expect(info.num_regions == VFIO_PCI_NUM_REGIONS, "GET_INFO num_regions");
	Fd dup(k, k.dup(fd.get()));
	STEP(dup.get());
	auto st = k.device_state(env.nic);
	env.expect(st && st->open_count == 1, "one open file description, dup or not");
	return 0;
}

/* GET_REGION_INFO of the MSI-X BAR, first too short for its capability
 * chain (argsz grows), then long enough. */
long region_info_caps(ScenarioEnv &env)
{
	Kernel &k = env.kernel;
	Fd fd(k, k.open_device(env.nic));
	STEP(fd.get());
	uint8_t buf[256] = {};
	vfio_region_info info{};
	info.argsz = sizeof(info);
	info.index = 4;
	STEP(k.ioctl(fd.get(), VFIO_DEVICE_GET_REGION_INFO, &info));
	env.expect(info.flags & VFIO_REGION_INFO_FLAG_CAPS, "MSI-X BAR has capabilities");
	env.expect(info.argsz > sizeof(info) && info.cap_offset == 0, "argsz grown, no chain placed");
	vfio_region_info full{};
	full.argsz = sizeof(buf);
	full.index = 4;
	std::memcpy(buf, &full, sizeof(full));
	STEP(k.ioctl(fd.get(), VFIO_DEVICE_GET_REGION_INFO, buf));
	std::memcpy(&full, buf, sizeof(full));
	env.expect(full.cap_offset == sizeof(full), "chain placed after the struct");
	vfio_info_cap_header hdr{};
	std::memcpy(&hdr, buf + sizeof(full), sizeof(hdr));
	env.expect(hdr.id == VFIO_REGION_INFO_CAP_MSIX_MAPPABLE, "MSIX_MAPPABLE capability");
	return 0;
}

long set_irqs(ScenarioEnv &env)
{
	Kernel &k = env.kernel;
	Fd fd(k, k.open_device(env.nic));
	STEP(fd.get());
	RealFd e0(::eventfd(0, EFD_CLOEXEC)), e1(::eventfd(0, EFD_CLOEXEC));
	if (e0.get() < 0 || e1.get() < 0)
		return -errno;
	uint8_t buf[sizeof(vfio_irq_set) + 2 * sizeof(int32_t)];
	vfio_irq_set hdr{sizeof(buf), VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_TRIGGER,
			 VFIO_PCI_MSIX_IRQ_INDEX, 0, 2};
	int32_t fds[2] = {e0.get(), e1.get()};
	std::memcpy(buf, &hdr, sizeof(hdr));
	std::memcpy(buf + sizeof(hdr), fds, sizeof(fds));
	STEP(k.ioctl(fd.get(), VFIO_DEVICE_SET_IRQS, buf));
	auto st = k.device_state(env.nic);
	env.expect(st && st->irq_vectors == 2, "two MSI-X vectors enabled");
	/* An ioeventfd on BAR0's first register, then its removal. */
	vfio_device_ioeventfd iev{};
	iev.argsz = sizeof(iev);
	iev.flags = 4;
	iev.offset = region(0);
	iev.data = 1;
	iev.fd = e0.get();
	STEP(k.ioctl(fd.get(), VFIO_DEVICE_IOEVENTFD, &iev));
	iev.fd = -1;
	STEP(k.ioctl(fd.get(), VFIO_DEVICE_IOEVENTFD, &iev));
	vfio_irq_set off{sizeof(vfio_irq_set), VFIO_IRQ_SET_DATA_NONE | VFIO_IRQ_SET_ACTION_TRIGGER,
			 VFIO_PCI_MSIX_IRQ_INDEX, 0, 0};
	STEP(k.ioctl(fd.get(), VFIO_DEVICE_SET_IRQS, &off));
	/* Enabled again when the device closes under it: close disables. */
	STEP(k.ioctl(fd.get(), VFIO_DEVICE_SET_IRQS, buf));
	return 0;
}

long export_mmap_revoke(ScenarioEnv &env)
{
	Kernel &k = env.kernel;
	Fd fd(k, k.open_device(env.nic));
	STEP(fd.get());
	Fd buf(k, export_ranges(k, fd.get(), 2, {{0, 2 * kPage}, {8 * kPage, kPage}}));
	STEP(buf.get());
	STEP(memattr(k, fd.get(), buf.get(), VFIO_DEVICE_FEATURE_DMA_BUF_MEMATTR_WC));
	long addr = k.mmap(nullptr, 3 * kPage, kRW, MAP_SHARED, buf.get(), 0);
	STEP(addr);
	Map m(k, addr, 3 * kPage);
	env.expect(accessible(m.get() + 2 * kPage), "exported mapping accessible");
	STEP(revoke(k, fd.get(), buf.get()));
	env.expect(!accessible(m.get()), "revoked mapping faults");
	env.expect(k.mmap(nullptr, kPage, kRW, MAP_SHARED, buf.get(), 0) == -ENODEV, "mmap of a revoked buffer");
	env.expect(revoke(k, fd.get(), buf.get()) == -EBADFD, "second revoke");
	/* A read-only export: its stand-in is a read-only view of a memfd. */
	Fd ro(k, export_ranges(k, fd.get(), 2, {{0, kPage}}, O_RDONLY));
	STEP(ro.get());
	env.expect(k.mmap(nullptr, kPage, kRW, MAP_SHARED, ro.get(), 0) == -EACCES, "writable mmap of a read-only buffer");
	return 0;
}

long bar_mmap(ScenarioEnv &env)
{
	Kernel &k = env.kernel;
	Fd fd(k, k.open_device(env.ivshmem));
	STEP(fd.get());
	const size_t len = 4 * kPage;
	long addr = k.mmap(nullptr, len, kRW, MAP_SHARED, fd.get(), static_cast<off_t>(region(2) + kPage));
	STEP(addr);
	Map m(k, addr, len);
	env.expect(accessible(m.get()), "BAR mapping accessible");
	STEP(set_memory(k, fd.get(), false));
	env.expect(!accessible(m.get()), "memory disabled: BAR mapping faults");
	STEP(set_memory(k, fd.get(), true));
	env.expect(accessible(m.get() + kPage), "memory enabled: BAR mapping back");
	/* A partial munmap splits the VMA. */
	STEP(k.munmap(m.get() + kPage, kPage));
	return 0;
}

/* MAP_FIXED over an emulated mapping replaces it. */
long map_fixed(ScenarioEnv &env)
{
	Kernel &k = env.kernel;
	Fd fd(k, k.open_device(env.ivshmem));
	STEP(fd.get());
	const size_t len = 4 * kPage;
	long addr = k.mmap(nullptr, len, kRW, MAP_SHARED, fd.get(), static_cast<off_t>(region(2)));
	STEP(addr);
	Map m(k, addr, len);
	Fd buf(k, export_ranges(k, fd.get(), 2, {{0, 2 * kPage}}));
	STEP(buf.get());
	STEP(k.mmap(m.get() + kPage, 2 * kPage, kRW, MAP_SHARED | MAP_FIXED, buf.get(), 0));
	auto maps = k.mappings(false);
	env.expect(maps.size() == 3, "MAP_FIXED split the BAR mapping around the new one");
	return 0;
}

/* Lifetime scenarios 1 and 2 of §4.9. */
long close_under_mapping(ScenarioEnv &env)
{
	Kernel &k = env.kernel;
	Fd fd(k, k.open_device(env.nic));
	STEP(fd.get());
	long addr = k.mmap(nullptr, kPage, kRW, MAP_SHARED, fd.get(), static_cast<off_t>(region(0)));
	STEP(addr);
	Map bar(k, addr, kPage);
	Fd buf(k, export_ranges(k, fd.get(), 2, {{0, kPage}}));
	STEP(buf.get());
	long maddr = k.mmap(nullptr, kPage, kRW, MAP_SHARED, buf.get(), 0);
	STEP(maddr);
	Map m(k, maddr, kPage);
	fd.reset();
	auto st = k.device_state(env.nic);
	env.expect(st && st->open_count == 1, "a BAR mapping keeps the device open");
	env.expect(accessible(m.get()), "exported mapping still works");
	bar.reset();
	st = k.device_state(env.nic);
	env.expect(st && st->open_count == 0, "last BAR mapping gone: device closed");
	env.expect(!accessible(m.get()), "cleaned-up buffer's mapping faults");
	return 0;
}

long importer(ScenarioEnv &env)
{
	Kernel &k = env.kernel;
	Fd fd(k, k.open_device(env.nic));
	STEP(fd.get());
	Fd buf(k, export_ranges(k, fd.get(), 2, {{0, kPage}}));
	STEP(buf.get());
	DrainingImporter imp;
	auto att = k.attach_dma_buf(buf.get(), imp);
	if (!att)
		return -att.error();
	auto seg = (*att)->map();
	if (!seg)
		return -seg.error();
	env.expect(seg->size() == 1, "one segment");
	STEP(revoke(k, fd.get(), buf.get()));
	env.expect((*att)->mapped() == 0, "revoke drained the importer");
	auto again = (*att)->map();
	env.expect(!again && again.error() == ENODEV, "map after revoke");
	return 0;
}

long sync_file(ScenarioEnv &env)
{
	Kernel &k = env.kernel;
	Fd fd(k, k.open_device(env.nic));
	STEP(fd.get());
	Fd buf(k, export_ranges(k, fd.get(), 0, {{0, kPage}}));
	STEP(buf.get());
	Fd copy(k, k.dup(buf.get()));
	STEP(copy.get());
	dma_buf_export_sync_file req{DMA_BUF_SYNC_READ, -1};
	STEP(k.ioctl(copy.get(), DMA_BUF_IOCTL_EXPORT_SYNC_FILE, &req));
	RealFd sync(req.fd);
	env.expect(sync.get() >= 0, "a sync file");
	return 0;
}

/* The legacy way in: container, group, GET_DEVICE_FD. Nothing to do when
 * the configuration has no group nodes. */
/* Who a bus reset would touch, then the reset itself with the group's fd
 * (both allocate in the kernel: the report, the fd array). */
long hot_reset(Kernel &k, int dev, int group)
{
	uint8_t report[sizeof(vfio_pci_hot_reset_info) + 8 * sizeof(vfio_pci_dependent_device)] = {};
	vfio_pci_hot_reset_info info{};
	info.argsz = sizeof(report);
	std::memcpy(report, &info, sizeof(info));
	STEP(k.ioctl(dev, VFIO_DEVICE_GET_PCI_HOT_RESET_INFO, report));
	uint8_t buf[sizeof(vfio_pci_hot_reset) + sizeof(int32_t)];
	vfio_pci_hot_reset reset{};
	reset.argsz = sizeof(buf);
	reset.count = 1;
	int32_t fds[1] = {group};
	std::memcpy(buf, &reset, sizeof(reset));
	std::memcpy(buf + sizeof(reset), fds, sizeof(fds));
	return k.ioctl(dev, VFIO_DEVICE_PCI_HOT_RESET, buf);
}

long container_group(ScenarioEnv &env)
{
	Kernel &k = env.kernel;
	auto st = k.device_state(env.nic);
	if (!st)
		return -st.error();
	long c = k.open("/dev/vfio/vfio", O_RDWR | O_CLOEXEC);
	if (c == Kernel::kNotOurs || c == -ENOENT)
		return 0;
	Fd container(k, c);
	STEP(container.get());
	const std::string path = "/dev/vfio/" + std::to_string(st->iommu_group);
	Fd group(k, k.open(path.c_str(), O_RDWR | O_CLOEXEC));
	STEP(group.get());
	int32_t cfd = container.get();
	STEP(k.ioctl(group.get(), VFIO_GROUP_SET_CONTAINER, &cfd));
	STEP(k.ioctl(container.get(), VFIO_SET_IOMMU, uintptr_t(VFIO_TYPE1v2_IOMMU)));
	Fd dev(k, k.ioctl(group.get(), VFIO_GROUP_GET_DEVICE_FD, const_cast<char *>(env.nic.c_str())));
	STEP(dev.get());
	vfio_device_info info{};
	info.argsz = sizeof(info);
	STEP(k.ioctl(dev.get(), VFIO_DEVICE_GET_INFO, &info));
	STEP(hot_reset(k, dev.get(), group.get()));
	Pages mem(2 * kPage);
	vfio_iommu_type1_dma_map map{sizeof(map), VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE, mem.get(),
				     0x100000, 2 * kPage};
	STEP(k.ioctl(container.get(), VFIO_IOMMU_MAP_DMA, &map));
	vfio_iommu_type1_dma_unmap unmap{};
	unmap.argsz = sizeof(unmap);
	unmap.iova = 0x100000;
	unmap.size = 2 * kPage;
	STEP(k.ioctl(container.get(), VFIO_IOMMU_UNMAP_DMA, &unmap));
	env.expect(unmap.size == 2 * kPage, "UNMAP_DMA unmaps what MAP_DMA mapped");
	return 0;
}

/* The cdev way in: /dev/iommu, an IOAS, the device cdev bound and
 * attached. Nothing to do when the configuration has no cdevs. */
long iommufd_cdev(ScenarioEnv &env)
{
	Kernel &k = env.kernel;
	long i = k.open("/dev/iommu", O_RDWR | O_CLOEXEC);
	if (i == Kernel::kNotOurs || i == -ENOENT)
		return 0;
	Fd iommufd(k, i);
	STEP(iommufd.get());
	iommu_ioas_alloc alloc{sizeof(alloc), 0, 0};
	STEP(k.ioctl(iommufd.get(), IOMMU_IOAS_ALLOC, &alloc));
	long d = k.open("/dev/vfio/devices/vfio0", O_RDWR | O_CLOEXEC);
	if (d == Kernel::kNotOurs || d == -ENOENT)
		return 0;
	Fd dev(k, d);
	STEP(dev.get());
	vfio_device_bind_iommufd bind{};
	bind.argsz = sizeof(bind);
	bind.iommufd = iommufd.get();
	STEP(k.ioctl(dev.get(), VFIO_DEVICE_BIND_IOMMUFD, &bind));
	vfio_device_attach_iommufd_pt attach{sizeof(attach), 0, alloc.out_ioas_id, 0};
	STEP(k.ioctl(dev.get(), VFIO_DEVICE_ATTACH_IOMMUFD_PT, &attach));
	vfio_device_info info{};
	info.argsz = sizeof(info);
	STEP(k.ioctl(dev.get(), VFIO_DEVICE_GET_INFO, &info));
	Pages mem(2 * kPage);
	iommu_ioas_map map{};
	map.size = sizeof(map);
	map.flags = IOMMU_IOAS_MAP_READABLE | IOMMU_IOAS_MAP_WRITEABLE;
	map.ioas_id = alloc.out_ioas_id;
	map.user_va = mem.get();
	map.length = 2 * kPage;
	STEP(k.ioctl(iommufd.get(), IOMMU_IOAS_MAP, &map));
	iommu_ioas_unmap unmap{sizeof(unmap), alloc.out_ioas_id, map.iova, 2 * kPage};
	STEP(k.ioctl(iommufd.get(), IOMMU_IOAS_UNMAP, &unmap));
	env.expect(unmap.length == 2 * kPage, "IOAS_UNMAP unmaps what IOAS_MAP mapped");
	return 0;
}

#undef STEP

} /* namespace */

const std::vector<Scenario> &scenarios()
{
	static const std::vector<Scenario> all = {
		{"open_device", open_device},
		{"region_info_caps", region_info_caps},
		{"set_irqs", set_irqs},
		{"export_mmap_revoke", export_mmap_revoke},
		{"bar_mmap", bar_mmap},
		{"map_fixed", map_fixed},
		{"close_under_mapping", close_under_mapping},
		{"importer", importer},
		{"sync_file", sync_file},
		{"container_group", container_group},
		{"iommufd_cdev", iommufd_cdev},
	};
	return all;
}

bool add_scenario_devices(Kernel &kernel, ScenarioEnv &env)
{
	auto nic = preset("nic");
	auto ivshmem = preset("ivshmem-plain");
	if (!nic || !ivshmem)
		return false;
	auto a = kernel.add_device(*nic);
	if (!a)
		return false;
	env.nic = *a;
	auto b = kernel.add_device(*ivshmem);
	if (!b)
		return false;
	env.ivshmem = *b;
	return true;
}

} /* namespace softvfio::test */
