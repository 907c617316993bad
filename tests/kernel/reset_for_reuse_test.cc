/* SPDX-License-Identifier: MIT */
/*
 * Kernel::reset_for_reuse(): a Kernel that was used hard and reset is
 * indistinguishable from one just built with the same devices.
 *
 * "Indistinguishable" is a fixed probe sequence (probe() below): the
 * answers to every device, region and irq info ioctl, the whole config
 * space, the first and last bytes of every region, feature probes, an
 * export, a dma-buf mmap and a BAR mmap with what the model says of them,
 * low power entry, the hot-reset info, the container/group/type1 and the
 * iommufd/cdev ways in, the device nodes, sysfs attributes, device state
 * and the model's resource counters. The probe of a reset Kernel must
 * equal, line for line, the probe of a fresh one. What the dirtying does
 * is chosen to reach every kind of state a test or fuzz input can leave:
 * open fds of every kind, mappings, revoked buffers, enabled interrupts,
 * ioeventfds, low power, D3hot, BAR memory and register-model writes,
 * DMA mappings, unbound devices, driver overrides, dynamic ids and module
 * parameters. Process-level leaks are checked with /proc (fds, file
 * mappings) and the heap with repeated cycles.
 */
#include <gtest/gtest.h>

#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <fstream>
#include <sstream>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <unistd.h>

#include <softvfio/kernel.h>
#include <softvfio/uapi/iommufd.h>
#include <softvfio/uapi/vfio.h>

#include "kernel/test_importer.h"
#include "leaks/process_snapshot.h"
#include "support/device_feature.h"
#include "support/guarded_access.h"

/* The heap in use: the sanitizer's allocator under ASan and TSan (glibc's
 * arenas are not used then), else glibc's. */
#if defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define RESET_TEST_SANITIZER_HEAP 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define RESET_TEST_SANITIZER_HEAP 1
#endif
#ifdef RESET_TEST_SANITIZER_HEAP
/* sanitizer/allocator_interface.h, which GCC does not install. */
extern "C" size_t __sanitizer_get_current_allocated_bytes();
#else
#include <malloc.h>
#endif

namespace softvfio {
namespace {

constexpr uint64_t kPage = 4096;

uint64_t region(unsigned index)
{
	return uint64_t(index) << 40;
}

struct Spec {
	const char *preset;
	ProfileId profile;
};
/* One device per kind of profile: DMABUF series v4, series v2, no DMABUFs. */
const Spec kDevices[] = {
	{"nic", ProfileId::SeriesV4}, {"ivshmem-plain", ProfileId::SeriesV2}, {"edu", ProfileId::Linux612}};

std::unique_ptr<Kernel> build(std::vector<std::string> &bdfs)
{
	auto k = std::make_unique<Kernel>();
	bdfs.clear();
	for (const Spec &s : kDevices) {
		DeviceOptions o;
		o.profile = s.profile;
		auto bdf = k->add_device(*preset(s.preset), o);
		EXPECT_TRUE(bdf.ok());
		bdfs.push_back(*bdf);
	}
	return k;
}

std::string hex(const void *p, size_t n)
{
	std::string out;
	char b[4];
	for (size_t i = 0; i < n; i++) {
		std::snprintf(b, sizeof(b), "%02x", static_cast<const uint8_t *>(p)[i]);
		out += b;
	}
	return out;
}

/* Region contents: the first bytes and a hash of all (keeps a mismatch
 * readable). */
std::string digest(const uint8_t *p, long n)
{
	if (n <= 0)
		return "";
	uint64_t h = 1469598103934665603ull;   /* FNV-1a */
	for (long i = 0; i < n; i++)
		h = (h ^ p[i]) * 1099511628211ull;
	return hex(p, std::min<size_t>(size_t(n), 16)) + "... fnv " + std::to_string(h);
}

std::string file_text(const std::string &path)
{
	std::ifstream in(path);
	std::stringstream ss;
	ss << in.rdbuf();
	return ss.str();
}

/* Records "what: answer" lines. */
struct Log {
	std::vector<std::string> lines;
	void operator()(const std::string &what, long r, const std::string &data = "")
	{
		lines.push_back(what + ": " + std::to_string(r) + (data.empty() ? "" : " " + data));
	}
};

std::string describe(const DeviceState &s)
{
	std::ostringstream o;
	o << s.bdf << ' ' << s.description << ' ' << s.vfio_name << ' ' << s.profile << " group " << s.iommu_group
	  << " open " << s.open_count << " mem " << s.memory_enabled << ' ' << s.power_state << " lp "
	  << s.low_power << " irq " << s.irq_type << '/' << s.irq_vectors << " bufs " << s.buffers << " faults "
	  << s.iommu_faults;
	return o.str();
}

/* Ids are unique for the process's life, and the maps path names the
 * buffer: both left out. */
std::string describe(const BufferInfo &b)
{
	std::ostringstream o;
	o << b.device << " hidden " << b.hidden << " bar " << b.bar << " size " << b.size << ' ' << to_string(b.status)
	  << ' ' << to_string(b.memattr) << " maps " << b.mappings << " att " << b.attachments << " on "
	  << b.attached;
	for (const auto &r : b.ranges)
		o << " [" << r.bar_offset << '+' << r.length << '@' << r.paddr << ']';
	return o.str();
}

std::string describe(const MappingInfo &m)
{
	std::ostringstream o;
	o << "len " << (m.end - m.start) << " off " << m.offset << " prot " << m.prot << " acc " << m.accessible
	  << ' ' << to_string(m.attr) << ' ' << m.kind;
	for (const auto &e : m.page_table)
		o << " {" << (e.address - m.start) << ' ' << e.order << ' ' << e.pfn << '}';
	return o.str();
}

void probe_device(Kernel &k, const std::string &bdf, Log &log)
{
	log("state", 0, describe(*k.device_state(bdf)));
	const long fd = k.open_device(bdf);
	log("open", fd >= 0 ? 0 : fd);
	if (fd < 0)
		return;
	const int f = static_cast<int>(fd);
	vfio_device_info info{};
	info.argsz = sizeof(info);
	log("GET_INFO", k.ioctl(f, VFIO_DEVICE_GET_INFO, &info), hex(&info, sizeof(info)));
	for (unsigned i = 0; i < VFIO_PCI_NUM_REGIONS; i++) {
		alignas(8) uint8_t buf[1024] = {};
		auto *ri = reinterpret_cast<vfio_region_info *>(buf);
		ri->argsz = sizeof(buf);
		ri->index = i;
		const long r = k.ioctl(f, VFIO_DEVICE_GET_REGION_INFO, buf);
		log("REGION_INFO " + std::to_string(i), r, hex(buf, 64));
		if (r < 0 || !ri->size)
			continue;
		/* The first and the last bytes of the region. */
		const uint64_t n = std::min<uint64_t>(ri->size, 2 * kPage);
		std::vector<uint8_t> data(n);
		long got = k.pread(f, data.data(), n, static_cast<off_t>(region(i)));
		log("head " + std::to_string(i), got, digest(data.data(), got));
		got = k.pread(f, data.data(), n, static_cast<off_t>(region(i) + ri->size - n));
		log("tail " + std::to_string(i), got, digest(data.data(), got));
	}
	for (unsigned i = 0; i < VFIO_PCI_NUM_IRQS; i++) {
		vfio_irq_info irq{};
		irq.argsz = sizeof(irq);
		irq.index = i;
		log("IRQ_INFO " + std::to_string(i), k.ioctl(f, VFIO_DEVICE_GET_IRQ_INFO, &irq), hex(&irq, sizeof(irq)));
	}
	for (uint32_t feat = 0; feat < 16; feat++)
		log("FEATURE probe " + std::to_string(feat),
		    test::device_feature(k, f, feat | VFIO_DEVICE_FEATURE_PROBE | VFIO_DEVICE_FEATURE_GET, nullptr, 0));
	alignas(8) uint8_t hr[256] = {};
	reinterpret_cast<vfio_pci_hot_reset_info *>(hr)->argsz = sizeof(hr);
	log("HOT_RESET_INFO", k.ioctl(f, VFIO_DEVICE_GET_PCI_HOT_RESET_INFO, hr), hex(hr, 32));

	/* A BAR mapping and an exported buffer with its mapping, and what
	 * the model says of them. */
	const unsigned bar = bdf == k.devices()[2] ? 0 : 2;
	const long bm = k.mmap(nullptr, kPage, PROT_READ | PROT_WRITE, MAP_SHARED, f, static_cast<off_t>(region(bar)));
	log("BAR mmap", bm < 0 ? bm : 0);
	if (bm >= 0)
		log("BAR touch", test::guarded_read(reinterpret_cast<void *>(bm)).faulted);
	uint8_t p[sizeof(vfio_device_feature_dma_buf) + sizeof(vfio_region_dma_range)] = {};
	vfio_device_feature_dma_buf req{bar, O_RDWR | O_CLOEXEC, 0, 1};
	vfio_region_dma_range range{0, kPage};
	std::memcpy(p, &req, sizeof(req));
	std::memcpy(p + sizeof(req), &range, sizeof(range));
	const long buf = test::device_feature(k, f, VFIO_DEVICE_FEATURE_DMA_BUF | VFIO_DEVICE_FEATURE_GET, p, sizeof(p));
	log("export", buf < 0 ? buf : 0);
	if (buf >= 0) {
		const long dm = k.mmap(nullptr, kPage, PROT_READ, MAP_SHARED, static_cast<int>(buf), 0);
		log("dma-buf mmap", dm < 0 ? dm : 0);
		if (dm >= 0)
			log("dma-buf touch", test::guarded_read(reinterpret_cast<void *>(dm)).faulted);
	}
	for (const auto &b : k.buffers())
		log("buffer", 0, describe(b));
	for (const auto &m : k.mappings())
		log("mapping", 0, describe(m));
	log("LOW_POWER_ENTRY",
	    test::device_feature(k, f, VFIO_DEVICE_FEATURE_LOW_POWER_ENTRY | VFIO_DEVICE_FEATURE_SET, nullptr, 0));
	log("state lp", 0, describe(*k.device_state(bdf)));
	for (const auto &m : k.mappings(false))
		log("mapping lp", m.accessible);
	log("LOW_POWER_EXIT",
	    test::device_feature(k, f, VFIO_DEVICE_FEATURE_LOW_POWER_EXIT | VFIO_DEVICE_FEATURE_SET, nullptr, 0));
	log("state open", 0, describe(*k.device_state(bdf)));
	if (buf >= 0)
		log("close buf", k.close(static_cast<int>(buf)));
	for (const auto &m : k.mappings(false))
		log("munmap", k.munmap(reinterpret_cast<void *>(m.start), m.end - m.start));
	log("close", k.close(f));
	k.flush_deferred_releases();
	log("state closed", 0, describe(*k.device_state(bdf)));
}

/* The ways in, for the first device: container + group + type1, then
 * iommufd + cdev. */
void probe_access(Kernel &k, const std::string &bdf, Log &log)
{
	const DeviceState st = *k.device_state(bdf);
	const std::string group = "/dev/vfio/" + std::to_string(st.iommu_group);
	for (const char *dir : {"/dev/vfio", "/dev/vfio/devices"})
		for (const auto &n : k.list_nodes(dir))
			log(std::string("node ") + dir, 0, n);
	const long c = k.open("/dev/vfio/vfio", O_RDWR);
	const long g = k.open(group.c_str(), O_RDWR);
	log("open container", c < 0 ? c : 0);
	log("open group", g < 0 ? g : 0);
	if (c >= 0 && g >= 0) {
		const int ci = static_cast<int>(c), gi = static_cast<int>(g);
		log("API_VERSION", k.ioctl(ci, VFIO_GET_API_VERSION, uintptr_t(0)));
		log("CHECK_EXTENSION", k.ioctl(ci, VFIO_CHECK_EXTENSION, uintptr_t(VFIO_TYPE1v2_IOMMU)));
		vfio_group_status gs{sizeof(gs), 0};
		log("GROUP_STATUS", k.ioctl(gi, VFIO_GROUP_GET_STATUS, &gs), hex(&gs, sizeof(gs)));
		int32_t cfd = ci;
		log("SET_CONTAINER", k.ioctl(gi, VFIO_GROUP_SET_CONTAINER, &cfd));
		log("SET_IOMMU", k.ioctl(ci, VFIO_SET_IOMMU, uintptr_t(VFIO_TYPE1v2_IOMMU)));
		alignas(8) uint8_t ii[128] = {};
		reinterpret_cast<vfio_iommu_type1_info *>(ii)->argsz = sizeof(ii);
		log("IOMMU_GET_INFO", k.ioctl(ci, VFIO_IOMMU_GET_INFO, ii), hex(ii, sizeof(ii)));
		const long d = k.ioctl(gi, VFIO_GROUP_GET_DEVICE_FD, const_cast<char *>(bdf.c_str()));
		log("GET_DEVICE_FD", d < 0 ? d : 0);
		if (d >= 0)
			log("close device", k.close(static_cast<int>(d)));
	}
	if (g >= 0)
		log("close group", k.close(static_cast<int>(g)));
	if (c >= 0)
		log("close container", k.close(static_cast<int>(c)));
	const long io = k.open("/dev/iommu", O_RDWR);
	const long cd = k.open(("/dev/vfio/devices/" + st.vfio_name).c_str(), O_RDWR);
	log("open iommu", io < 0 ? io : 0);
	log("open cdev", cd < 0 ? cd : 0);
	if (io >= 0 && cd >= 0) {
		iommu_ioas_alloc a{sizeof(a), 0, 0};
		log("IOAS_ALLOC", k.ioctl(static_cast<int>(io), IOMMU_IOAS_ALLOC, &a), std::to_string(a.out_ioas_id));
		vfio_device_bind_iommufd b{sizeof(b), 0, static_cast<int32_t>(io), 0, 0};
		log("BIND", k.ioctl(static_cast<int>(cd), VFIO_DEVICE_BIND_IOMMUFD, &b), std::to_string(b.out_devid));
		vfio_device_attach_iommufd_pt at{sizeof(at), 0, a.out_ioas_id, 0};
		log("ATTACH", k.ioctl(static_cast<int>(cd), VFIO_DEVICE_ATTACH_IOMMUFD_PT, &at), std::to_string(at.pt_id));
	}
	if (cd >= 0)
		log("close cdev", k.close(static_cast<int>(cd)));
	if (io >= 0)
		log("close iommu", k.close(static_cast<int>(io)));
}

void probe_sysfs(Kernel &k, const std::vector<std::string> &bdfs, Log &log)
{
	const std::string root = k.sysfs_root();
	for (const char *param : {"vfio_iommu_type1/parameters/dma_entry_limit",
				  "vfio_iommu_type1/parameters/allow_unsafe_interrupts"})
		log(param, 0, file_text(root + "/module/" + param));
	log("new_id dir", 0, file_text(root + "/bus/pci/drivers/vfio-pci/new_id"));
	for (const auto &bdf : bdfs) {
		log("driver_override " + bdf, 0, file_text(root + "/bus/pci/devices/" + bdf + "/driver_override"));
		char link[256] = {};
		const ssize_t n = ::readlink((root + "/bus/pci/devices/" + bdf + "/driver").c_str(), link, sizeof(link) - 1);
		log("driver " + bdf, n < 0 ? -1 : 0, n < 0 ? "" : std::string(link, size_t(n)));
	}
}

std::vector<std::string> probe(Kernel &k, const std::vector<std::string> &bdfs)
{
	Log log;
	for (const auto &bdf : bdfs)
		probe_device(k, bdf, log);
	probe_access(k, bdfs[0], log);
	probe_sysfs(k, bdfs, log);
	const KernelResources r = k.resources();
	log("resources", 0,
	    std::to_string(r.fds) + ' ' + std::to_string(r.mappings) + ' ' + std::to_string(r.files) + ' ' +
		    std::to_string(r.buffers) + ' ' + std::to_string(r.device_files) + ' ' +
		    std::to_string(r.unbound_devices));
	return log.lines;
}

/* What a test or a fuzz input may leave behind: some of everything, much
 * of it still open when the reset comes. */
struct Dirt {
	std::vector<int> eventfds;
	void *dma_page = nullptr;
	~Dirt()
	{
		for (int e : eventfds)
			::close(e);
		if (dma_page)
			::munmap(dma_page, kPage);
	}
};

void config_write(Kernel &k, int fd, uint32_t offset, uint32_t value, size_t width)
{
	(void)k.pwrite(fd, &value, width, static_cast<off_t>(region(VFIO_PCI_CONFIG_REGION_INDEX) + offset));
}

/* with_sysfs: also unbind, override, add an id and set parameters (the
 * sysfs view is made on disk for it, which costs most of a cycle). */
void dirty(Kernel &k, const std::vector<std::string> &bdfs, Dirt &d, bool with_sysfs = true)
{
	/* edu (the last device): its registers, then unbound for good. */
	{
		const int f = static_cast<int>(k.open_device(bdfs[2]));
		ASSERT_GE(f, 0);
		const uint32_t values[] = {0x12345678, 5, 0xdeadbeef};
		for (unsigned i = 0; i < 3; i++)
			(void)k.pwrite(f, &values[i], 4, static_cast<off_t>(region(0) + 4 + 4 * i));
		config_write(k, f, 0x3c, 0x5a, 1);
		ASSERT_EQ(k.close(f), 0);
	}
	if (with_sysfs) {
		const std::string unbind = bdfs[2];
		ASSERT_GT(k.sysfs_write("/sys/bus/pci/drivers/vfio-pci/unbind", unbind.data(), unbind.size()), 0);
		ASSERT_EQ(k.resources().unbound_devices, 1u);
		EXPECT_EQ(k.sysfs_write("/sys/bus/pci/devices/" + bdfs[1] + "/driver_override", "vfio-pci", 8), 8);
		EXPECT_EQ(k.sysfs_write("/sys/bus/pci/drivers/vfio-pci/new_id", "1af4 1110", 9), 9);
		EXPECT_EQ(k.sysfs_write("/sys/module/vfio_iommu_type1/parameters/dma_entry_limit", "7", 1), 1);
		EXPECT_EQ(k.sysfs_write("/sys/module/vfio_iommu_type1/parameters/allow_unsafe_interrupts", "Y", 1), 1);
	}

	/* iommufd with the nic's cdev bound and attached, left open; the cdev
	 * is the nic's device fd below. */
	const int io = static_cast<int>(k.open("/dev/iommu", O_RDWR));
	const int cd = static_cast<int>(k.open(("/dev/vfio/devices/" + k.device_state(bdfs[0])->vfio_name).c_str(), O_RDWR));
	ASSERT_GE(io, 0);
	ASSERT_GE(cd, 0);
	iommu_ioas_alloc a{sizeof(a), 0, 0};
	ASSERT_EQ(k.ioctl(io, IOMMU_IOAS_ALLOC, &a), 0);
	vfio_device_bind_iommufd b{sizeof(b), 0, io, 0, 0};
	ASSERT_EQ(k.ioctl(cd, VFIO_DEVICE_BIND_IOMMUFD, &b), 0);
	vfio_device_attach_iommufd_pt at{sizeof(at), 0, a.out_ioas_id, 0};
	ASSERT_EQ(k.ioctl(cd, VFIO_DEVICE_ATTACH_IOMMUFD_PT, &at), 0);

	/* nic and ivshmem: everything, left open. */
	for (unsigned dev = 0; dev < 2; dev++) {
		const int f = dev == 0 ? cd : static_cast<int>(k.open_device(bdfs[dev]));
		ASSERT_GE(f, 0);
		(void)k.dup(f);
		std::vector<uint8_t> pattern(3 * kPage, static_cast<uint8_t>(0xa5 + dev));
		(void)k.pwrite(f, pattern.data(), pattern.size(), static_cast<off_t>(region(2)));
		auto ri = vfio_region_info{sizeof(vfio_region_info), 0, 2, 0, 0, 0};
		(void)k.ioctl(f, VFIO_DEVICE_GET_REGION_INFO, &ri);
		(void)k.pwrite(f, pattern.data(), kPage, static_cast<off_t>(region(2) + ri.size - kPage));
		(void)k.pwrite(f, pattern.data(), 64, static_cast<off_t>(region(0)));
		/* Interrupts: MSI-X with eventfds (MSI where MSI-X is absent). */
		for (unsigned index : {VFIO_PCI_MSIX_IRQ_INDEX, VFIO_PCI_MSI_IRQ_INDEX}) {
			alignas(8) uint8_t set[sizeof(vfio_irq_set) + 8];
			auto *s = reinterpret_cast<vfio_irq_set *>(set);
			*s = vfio_irq_set{sizeof(set), VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_TRIGGER, index, 0, 2};
			for (int i = 0; i < 2; i++) {
				d.eventfds.push_back(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
				std::memcpy(set + sizeof(vfio_irq_set) + 4 * i, &d.eventfds.back(), 4);
			}
			if (k.ioctl(f, VFIO_DEVICE_SET_IRQS, set) == 0)
				break;
		}
		d.eventfds.push_back(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
		vfio_device_ioeventfd ioe{sizeof(ioe), VFIO_DEVICE_IOEVENTFD_32, region(0) + 0x40, 1,
					  d.eventfds.back(), 0};
		(void)k.ioctl(f, VFIO_DEVICE_IOEVENTFD, &ioe);
		/* Buffers: one exported, mapped, then revoked for good (v4); a
		 * BAR mapping; an importer that came and went. */
		uint8_t p[sizeof(vfio_device_feature_dma_buf) + sizeof(vfio_region_dma_range)] = {};
		vfio_device_feature_dma_buf req{2, O_RDWR | O_CLOEXEC, 0, 1};
		vfio_region_dma_range range{kPage, 2 * kPage};
		std::memcpy(p, &req, sizeof(req));
		std::memcpy(p + sizeof(req), &range, sizeof(range));
		const long buf =
			test::device_feature(k, f, VFIO_DEVICE_FEATURE_DMA_BUF | VFIO_DEVICE_FEATURE_GET, p, sizeof(p));
		ASSERT_GE(buf, 0);
		(void)k.mmap(nullptr, 2 * kPage, PROT_READ | PROT_WRITE, MAP_SHARED, static_cast<int>(buf), 0);
		(void)k.mmap(nullptr, 2 * kPage, PROT_READ | PROT_WRITE, MAP_SHARED, f, static_cast<off_t>(region(2)));
		{
			test::TestImporter importer;
			auto att = k.attach_dma_buf(static_cast<int>(buf), importer);
			if (att)
				(void)(*att)->map();
		}
		if (dev == 0) {
			vfio_device_feature_dma_buf_revoke rv{static_cast<int32_t>(buf)};
			(void)test::device_feature(k, f, VFIO_DEVICE_FEATURE_DMA_BUF_REVOKE | VFIO_DEVICE_FEATURE_SET,
						   &rv, sizeof(rv));
		}
		/* Config: COMMAND flipped, a BAR sized, MSI-X vector control,
		 * the interrupt line, then low power, then D3hot. */
		config_write(k, f, 0x04, 0x0406, 2);
		config_write(k, f, 0x10, 0xffffffff, 4);
		config_write(k, f, 0x3c, 0x77, 1);
		config_write(k, f, 0x0d, 0x40, 1);
		(void)test::device_feature(k, f, VFIO_DEVICE_FEATURE_LOW_POWER_ENTRY | VFIO_DEVICE_FEATURE_SET, nullptr, 0);
		config_write(k, f, 0x04, 0x0000, 2);
	}
	/* The container path with a type1 DMA mapping, left open. */
	const std::string group = "/dev/vfio/" + std::to_string(k.device_state(bdfs[1])->iommu_group);
	const int c = static_cast<int>(k.open("/dev/vfio/vfio", O_RDWR));
	const int g = static_cast<int>(k.open(group.c_str(), O_RDWR));
	ASSERT_GE(c, 0);
	ASSERT_GE(g, 0);
	int32_t container = c;
	ASSERT_EQ(k.ioctl(g, VFIO_GROUP_SET_CONTAINER, &container), 0);
	ASSERT_EQ(k.ioctl(c, VFIO_SET_IOMMU, uintptr_t(VFIO_TYPE1v2_IOMMU)), 0);
	d.dma_page = ::mmap(nullptr, kPage, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	vfio_iommu_type1_dma_map map{sizeof(map), VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE,
				     reinterpret_cast<uintptr_t>(d.dma_page), 0x100000, kPage};
	EXPECT_EQ(k.ioctl(c, VFIO_IOMMU_MAP_DMA, &map), 0);
	EXPECT_GE(k.ioctl(g, VFIO_GROUP_GET_DEVICE_FD, const_cast<char *>(bdfs[1].c_str())), 0);
	ASSERT_NE(k.resources(), KernelResources{});
}

void expect_same(const std::vector<std::string> &fresh, const std::vector<std::string> &reset)
{
	ASSERT_FALSE(fresh.empty());
	for (size_t i = 0; i < std::max(fresh.size(), reset.size()); i++) {
		const std::string f = i < fresh.size() ? fresh[i] : "(none)";
		const std::string r = i < reset.size() ? reset[i] : "(none)";
		ASSERT_EQ(f, r) << "probe line " << i << " (fresh vs reset)";
	}
}

TEST(ResetForReuse, AResetKernelAnswersTheProbeAsAFreshOne)
{
	std::vector<std::string> bdfs, fresh_bdfs;
	std::vector<std::string> fresh;
	{
		auto k = build(fresh_bdfs);
		fresh = probe(*k, fresh_bdfs);
	}
	const auto before = test::ProcessSnapshot::take();
	{
		auto k = build(bdfs);
		ASSERT_EQ(bdfs, fresh_bdfs);
		Dirt d;
		dirty(*k, bdfs, d);
		ASSERT_TRUE(k->reset_for_reuse().ok());
		EXPECT_EQ(k->resources(), KernelResources{});
		expect_same(fresh, probe(*k, bdfs));
		/* The probe itself is undone by a reset too, and twice is once. */
		ASSERT_TRUE(k->reset_for_reuse().ok());
		ASSERT_TRUE(k->reset_for_reuse().ok());
		expect_same(fresh, probe(*k, bdfs));
	}
	EXPECT_EQ(test::ProcessSnapshot::diff(before, test::ProcessSnapshot::take()), std::vector<std::string>{});
}

TEST(ResetForReuse, ResetLeavesNoFdOrMappingInTheProcess)
{
	std::vector<std::string> bdfs;
	auto k = build(bdfs);
	/* Make the sysfs view and whatever the model makes on first use. */
	(void)k->sysfs_root();
	ASSERT_TRUE(k->reset_for_reuse().ok());
	const auto before = test::ProcessSnapshot::take();
	for (int i = 0; i < 2; i++) {
		Dirt d;
		dirty(*k, bdfs, d);
		ASSERT_TRUE(k->reset_for_reuse().ok());
		EXPECT_EQ(k->resources(), KernelResources{});
	}
	auto diff = test::ProcessSnapshot::diff(before, test::ProcessSnapshot::take());
	EXPECT_EQ(diff, std::vector<std::string>{});
}

size_t heap_bytes()
{
#ifdef RESET_TEST_SANITIZER_HEAP
	return __sanitizer_get_current_allocated_bytes();
#else
	return mallinfo2().uordblks;
#endif
}

TEST(ResetForReuse, RepeatedCyclesDoNotGrowTheHeap)
{
	std::vector<std::string> bdfs;
	auto k = build(bdfs);
	auto cycle = [&] {
		Dirt d;
		dirty(*k, bdfs, d, false);
		ASSERT_TRUE(k->reset_for_reuse().ok());
	};
	/* Caches and vectors reach their size in the first cycles. */
	for (int i = 0; i < 20; i++)
		cycle();
	const size_t warm = heap_bytes();
	for (int i = 0; i < 200; i++)
		cycle();
	const size_t after = heap_bytes();
	/* A leak of one small object per cycle would show as some KiB over 200. */
	EXPECT_LT(after, warm + 4 * 1024) << "heap grew from " << warm << " to " << after << " bytes over 200 cycles";
}

TEST(ResetForReuse, AnAttachmentHeldElsewhereIsEbusyUntilItGoes)
{
	std::vector<std::string> bdfs;
	auto k = build(bdfs);
	const int f = static_cast<int>(k->open_device(bdfs[0]));
	ASSERT_GE(f, 0);
	uint8_t p[sizeof(vfio_device_feature_dma_buf) + sizeof(vfio_region_dma_range)] = {};
	vfio_device_feature_dma_buf req{2, O_RDWR | O_CLOEXEC, 0, 1};
	vfio_region_dma_range range{0, kPage};
	std::memcpy(p, &req, sizeof(req));
	std::memcpy(p + sizeof(req), &range, sizeof(range));
	const long buf = test::device_feature(*k, f, VFIO_DEVICE_FEATURE_DMA_BUF | VFIO_DEVICE_FEATURE_GET, p, sizeof(p));
	ASSERT_GE(buf, 0);
	test::TestImporter importer;
	auto a = k->attach_dma_buf(static_cast<int>(buf), importer);
	ASSERT_TRUE(a.ok());
	auto r = k->reset_for_reuse();
	ASSERT_FALSE(r.ok());
	EXPECT_EQ(r.error(), EBUSY);
	EXPECT_EQ(k->resources().fds, 0u);   /* what it could close, it closed */
	a->reset();
	EXPECT_TRUE(k->reset_for_reuse().ok());
	EXPECT_EQ(k->resources(), KernelResources{});
}

TEST(ResetForReuse, CountersFollowWhatTheProcessHolds)
{
	std::vector<std::string> bdfs;
	auto k = build(bdfs);
	EXPECT_EQ(k->resources(), KernelResources{});
	const int f = static_cast<int>(k->open_device(bdfs[0]));
	const long m = k->mmap(nullptr, kPage, PROT_READ, MAP_SHARED, f, static_cast<off_t>(region(2)));
	ASSERT_GE(m, 0);
	KernelResources r = k->resources();
	EXPECT_EQ(r.fds, 1u);
	EXPECT_EQ(r.mappings, 1u);
	EXPECT_EQ(r.device_files, 1u);
	EXPECT_EQ(r.buffers, 1u);   /* the BAR mapping's hidden buffer (series v4) */
	EXPECT_EQ(r.files, 1u);     /* the device file; hidden buffers have no fd */
	ASSERT_EQ(k->munmap(reinterpret_cast<void *>(m), kPage), 0);
	ASSERT_EQ(k->close(f), 0);
	k->flush_deferred_releases();
	EXPECT_EQ(k->resources(), KernelResources{});
}

} /* namespace */
} /* namespace softvfio */
