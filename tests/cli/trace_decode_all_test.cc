/* SPDX-License-Identifier: MIT */
/*
 * Every ioctl the model answers, decoded: one sample argument per command
 * of every kind of fd, checked three ways.
 *  - The decoder shows a struct (or the value argument), never the bare
 *    address it falls back to for commands it cannot decode.
 *  - docs/trace.md shows exactly that line, so the reference cannot drift.
 *  - The commands the model's own dispatch code names (read from its
 *    sources) are all in this table: a command added to the model without
 *    a decoder and an example fails here.
 */
#include <gtest/gtest.h>

#include <cstring>
#include <fstream>
#include <functional>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <softvfio/uapi/dma-buf.h>
#include <softvfio/uapi/iommufd.h>
#include <softvfio/uapi/vfio.h>

#include "shim/trace_decode.h"

using softvfio::shim::decode_ioctl_arg;
using softvfio::shim::ioctl_name;
using softvfio::shim::TraceFdKind;

namespace {

/* An argument as a program lays it out, in bytes (structs with flexible
 * arrays are followed by their payload). */
struct Bytes {
	alignas(8) unsigned char b[512] = {};
	template<typename T>
	T &at(size_t offset = 0)
	{
		return *reinterpret_cast<T *>(b + offset);
	}
	uintptr_t ptr() const { return reinterpret_cast<uintptr_t>(b); }
};

struct Sample {
	TraceFdKind kind;
	const char *fd;        /* as the line shows it: 4</dev/vfio/vfio> */
	unsigned long request;
	const char *name;
	const char *result;    /* after " = " */
	/* Fills the argument; returns what ioctl() gets (a pointer into
	 * `bytes`, or a value). */
	std::function<uintptr_t(Bytes &)> fill;
};

constexpr TraceFdKind C = TraceFdKind::Container, G = TraceFdKind::Group, D = TraceFdKind::Device,
		      I = TraceFdKind::Iommufd, B = TraceFdKind::DmaBuf;
constexpr const char *kC = "4</dev/vfio/vfio>", *kG = "5</dev/vfio/1>", *kD = "6<anon_inode:[vfio-device]>",
		     *kCdev = "6</dev/vfio/devices/vfio0>", *kI = "3</dev/iommu>", *kB = "7</dmabuf:vfio0:5f00:00:01.0/2>";

#define IOCTL(x) static_cast<unsigned long>(x), #x

/* A pointer to the program's memory that it filled before the call; the
 * decoder reads it like any other. */
uint64_t arr(Bytes &b, size_t offset) { return b.ptr() + offset; }

const std::vector<Sample> &samples()
{
	static const std::vector<Sample> all = {
		/* ---- container (/dev/vfio/vfio) ---- */
		{C, kC, IOCTL(VFIO_GET_API_VERSION), "0", [](Bytes &) -> uintptr_t { return 0; }},
		{C, kC, IOCTL(VFIO_CHECK_EXTENSION), "1", [](Bytes &) -> uintptr_t { return VFIO_TYPE1v2_IOMMU; }},
		{C, kC, IOCTL(VFIO_SET_IOMMU), "0", [](Bytes &) -> uintptr_t { return VFIO_TYPE1v2_IOMMU; }},
		{C, kC, IOCTL(VFIO_IOMMU_GET_INFO), "0",
		 [](Bytes &b) {
			 auto &i = b.at<vfio_iommu_type1_info>();
			 i.argsz = 120;
			 i.flags = VFIO_IOMMU_INFO_PGSIZES | VFIO_IOMMU_INFO_CAPS;
			 i.iova_pgsizes = 0x40201000;
			 i.cap_offset = 24;
			 auto &r = b.at<vfio_iommu_type1_info_cap_iova_range>(24);
			 r.header = {VFIO_IOMMU_TYPE1_INFO_CAP_IOVA_RANGE, 1, 56};
			 r.nr_iovas = 1;
			 b.at<vfio_iova_range>(40) = {0, 0xffffffffffff};
			 auto &m = b.at<vfio_iommu_type1_info_cap_migration>(56);
			 m.header = {VFIO_IOMMU_TYPE1_INFO_CAP_MIGRATION, 1, 88};
			 m.pgsize_bitmap = 0x1000;
			 m.max_dirty_bitmap_size = 0x8000000;
			 auto &a = b.at<vfio_iommu_type1_info_dma_avail>(88);
			 a.header = {VFIO_IOMMU_TYPE1_INFO_DMA_AVAIL, 1, 0};
			 a.avail = 65535;
			 return b.ptr();
		 }},
		{C, kC, IOCTL(VFIO_IOMMU_MAP_DMA), "0",
		 [](Bytes &b) {
			 b.at<vfio_iommu_type1_dma_map>() = {32, VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE,
							     0x7f0000000000, 0x100000, 0x10000};
			 return b.ptr();
		 }},
		{C, kC, IOCTL(VFIO_IOMMU_UNMAP_DMA), "0",
		 [](Bytes &b) {
			 auto &u = b.at<vfio_iommu_type1_dma_unmap>();
			 u.argsz = sizeof(vfio_iommu_type1_dma_unmap) + sizeof(vfio_bitmap);
			 u.flags = VFIO_DMA_UNMAP_FLAG_GET_DIRTY_BITMAP;
			 u.iova = 0x100000;
			 u.size = 0x10000;
			 b.at<vfio_bitmap>(sizeof(vfio_iommu_type1_dma_unmap)) = {0x1000, 8,
										 reinterpret_cast<__u64 *>(0x7f0000010000)};
			 return b.ptr();
		 }},
		{C, kC, IOCTL(VFIO_IOMMU_ENABLE), "-1 ENOTTY (Inappropriate ioctl for device)",
		 [](Bytes &) -> uintptr_t { return 0; }},
		{C, kC, IOCTL(VFIO_IOMMU_DISABLE), "-1 ENOTTY (Inappropriate ioctl for device)",
		 [](Bytes &) -> uintptr_t { return 0; }},
		{C, kC, IOCTL(VFIO_IOMMU_DIRTY_PAGES), "0",
		 [](Bytes &b) {
			 auto &d = b.at<vfio_iommu_type1_dirty_bitmap>();
			 d.argsz = sizeof(vfio_iommu_type1_dirty_bitmap) + sizeof(vfio_iommu_type1_dirty_bitmap_get);
			 d.flags = VFIO_IOMMU_DIRTY_PAGES_FLAG_GET_BITMAP;
			 b.at<vfio_iommu_type1_dirty_bitmap_get>(8) = {0x100000, 0x10000,
								      {0x1000, 8, reinterpret_cast<__u64 *>(0x7f0000010000)}};
			 return b.ptr();
		 }},
		/* ---- group (/dev/vfio/<n>) ---- */
		{G, kG, IOCTL(VFIO_GROUP_GET_STATUS), "0",
		 [](Bytes &b) {
			 b.at<vfio_group_status>() = {8, VFIO_GROUP_FLAGS_VIABLE | VFIO_GROUP_FLAGS_CONTAINER_SET};
			 return b.ptr();
		 }},
		{G, kG, IOCTL(VFIO_GROUP_SET_CONTAINER), "0",
		 [](Bytes &b) {
			 b.at<int32_t>() = 4;
			 return b.ptr();
		 }},
		{G, kG, IOCTL(VFIO_GROUP_UNSET_CONTAINER), "0", [](Bytes &) -> uintptr_t { return 0; }},
		{G, kG, IOCTL(VFIO_GROUP_GET_DEVICE_FD), "6",
		 [](Bytes &b) {
			 std::strcpy(reinterpret_cast<char *>(b.b), "5f00:00:01.0");
			 return b.ptr();
		 }},
		/* ---- device (group-obtained or cdev) ---- */
		{D, kD, IOCTL(VFIO_DEVICE_GET_INFO), "0",
		 [](Bytes &b) {
			 b.at<vfio_device_info>() = {40, VFIO_DEVICE_FLAGS_RESET | VFIO_DEVICE_FLAGS_PCI | VFIO_DEVICE_FLAGS_CAPS,
						     9, 5, 24, 0};
			 auto &a = b.at<vfio_device_info_cap_pci_atomic_comp>(24);
			 a.header = {VFIO_DEVICE_INFO_CAP_PCI_ATOMIC_COMP, 1, 0};
			 a.flags = VFIO_PCI_ATOMIC_COMP32 | VFIO_PCI_ATOMIC_COMP64;
			 return b.ptr();
		 }},
		{D, kD, IOCTL(VFIO_DEVICE_GET_REGION_INFO), "0",
		 [](Bytes &b) {
			 b.at<vfio_region_info>() = {88,
						     VFIO_REGION_INFO_FLAG_READ | VFIO_REGION_INFO_FLAG_WRITE |
							     VFIO_REGION_INFO_FLAG_MMAP | VFIO_REGION_INFO_FLAG_CAPS,
						     VFIO_PCI_BAR0_REGION_INDEX, 32, 0x4000, 0};
			 auto &s = b.at<vfio_region_info_cap_sparse_mmap>(32);
			 s.header = {VFIO_REGION_INFO_CAP_SPARSE_MMAP, 1, 80};
			 s.nr_areas = 2;
			 b.at<vfio_region_sparse_mmap_area>(48) = {0, 0x2000};
			 b.at<vfio_region_sparse_mmap_area>(64) = {0x3000, 0x1000};
			 b.at<vfio_info_cap_header>(80) = {VFIO_REGION_INFO_CAP_MSIX_MAPPABLE, 1, 0};
			 return b.ptr();
		 }},
		{D, kD, IOCTL(VFIO_DEVICE_GET_IRQ_INFO), "0",
		 [](Bytes &b) {
			 b.at<vfio_irq_info>() = {16, VFIO_IRQ_INFO_EVENTFD | VFIO_IRQ_INFO_NORESIZE, VFIO_PCI_MSIX_IRQ_INDEX, 8};
			 return b.ptr();
		 }},
		{D, kD, IOCTL(VFIO_DEVICE_SET_IRQS), "0",
		 [](Bytes &b) {
			 b.at<vfio_irq_set>() = {28, VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_TRIGGER,
						 VFIO_PCI_MSIX_IRQ_INDEX, 0, 2};
			 b.at<int32_t>(20) = 9;
			 b.at<int32_t>(24) = -1;
			 return b.ptr();
		 }},
		{D, kD, IOCTL(VFIO_DEVICE_RESET), "0", [](Bytes &) -> uintptr_t { return 0; }},
		{D, kD, IOCTL(VFIO_DEVICE_GET_PCI_HOT_RESET_INFO), "0",
		 [](Bytes &b) {
			 b.at<vfio_pci_hot_reset_info>() = {20, 0, 1};
			 auto &d = b.at<vfio_pci_dependent_device>(12);
			 d.group_id = 1;
			 d.segment = 0x5f00;
			 d.bus = 0;
			 d.devfn = 0x08;
			 return b.ptr();
		 }},
		{D, kD, IOCTL(VFIO_DEVICE_PCI_HOT_RESET), "0",
		 [](Bytes &b) {
			 b.at<vfio_pci_hot_reset>() = {16, 0, 1};
			 b.at<int32_t>(12) = 5;
			 return b.ptr();
		 }},
		{D, kD, IOCTL(VFIO_DEVICE_IOEVENTFD), "0",
		 [](Bytes &b) {
			 b.at<vfio_device_ioeventfd>() = {32, VFIO_DEVICE_IOEVENTFD_32,
							  (uint64_t{VFIO_PCI_BAR0_REGION_INDEX} << VFIO_PCI_OFFSET_SHIFT) | 0x40,
							  0x1234, 9, 0};
			 return b.ptr();
		 }},
		{D, kD, IOCTL(VFIO_DEVICE_FEATURE), "8",
		 [](Bytes &b) {
			 b.at<vfio_device_feature>() = {40, VFIO_DEVICE_FEATURE_GET | VFIO_DEVICE_FEATURE_DMA_BUF};
			 b.at<vfio_device_feature_dma_buf>(8) = {VFIO_PCI_BAR2_REGION_INDEX, 02000002, 0, 1};
			 b.at<vfio_region_dma_range>(24) = {0, 0x200000};
			 return b.ptr();
		 }},
		{D, kCdev, IOCTL(VFIO_DEVICE_BIND_IOMMUFD), "0",
		 [](Bytes &b) {
			 b.at<vfio_device_bind_iommufd>() = {16, 0, 3, 1, 0};
			 return b.ptr();
		 }},
		{D, kCdev, IOCTL(VFIO_DEVICE_ATTACH_IOMMUFD_PT), "0",
		 [](Bytes &b) {
			 b.at<vfio_device_attach_iommufd_pt>() = {12, 0, 2, 0};
			 return b.ptr();
		 }},
		{D, kCdev, IOCTL(VFIO_DEVICE_DETACH_IOMMUFD_PT), "0",
		 [](Bytes &b) {
			 b.at<vfio_device_detach_iommufd_pt>() = {12, 0, 0};
			 return b.ptr();
		 }},
		{D, kD, IOCTL(VFIO_DEVICE_PCI_DMABUF_REVOKE), "0",
		 [](Bytes &b) {
			 b.at<vfio_pci_dmabuf_revoke>() = {8, 7};
			 return b.ptr();
		 }},
		{D, "8<anon_inode:[vfio-device]>", IOCTL(VFIO_MIG_GET_PRECOPY_INFO), "-1 ENOTTY (Inappropriate ioctl for device)",
		 [](Bytes &b) {
			 b.at<vfio_precopy_info>() = {24, 0, 0, 0};
			 return b.ptr();
		 }},
		/* ---- iommufd (/dev/iommu) ---- */
		{I, kI, IOCTL(IOMMU_DESTROY), "0",
		 [](Bytes &b) {
			 b.at<iommu_destroy>() = {8, 2};
			 return b.ptr();
		 }},
		{I, kI, IOCTL(IOMMU_IOAS_ALLOC), "0",
		 [](Bytes &b) {
			 b.at<iommu_ioas_alloc>() = {12, 0, 2};
			 return b.ptr();
		 }},
		{I, kI, IOCTL(IOMMU_IOAS_ALLOW_IOVAS), "0",
		 [](Bytes &b) {
			 b.at<iommu_ioas_allow_iovas>() = {24, 2, 1, 0, arr(b, 64)};
			 b.at<iommu_iova_range>(64) = {0x100000, 0xffffffff};
			 return b.ptr();
		 }},
		{I, kI, IOCTL(IOMMU_IOAS_COPY), "0",
		 [](Bytes &b) {
			 b.at<iommu_ioas_copy>() = {40, IOMMU_IOAS_MAP_FIXED_IOVA | IOMMU_IOAS_MAP_READABLE, 3, 2, 0x10000,
						    0x200000, 0x100000};
			 return b.ptr();
		 }},
		{I, kI, IOCTL(IOMMU_IOAS_IOVA_RANGES), "0",
		 [](Bytes &b) {
			 b.at<iommu_ioas_iova_ranges>() = {32, 2, 2, 0, arr(b, 64), 0x1000};
			 b.at<iommu_iova_range>(64) = {0, 0xfedfffff};
			 b.at<iommu_iova_range>(80) = {0xfef00000, 0xffffffffffff};
			 return b.ptr();
		 }},
		{I, kI, IOCTL(IOMMU_IOAS_MAP), "0",
		 [](Bytes &b) {
			 b.at<iommu_ioas_map>() = {40,
						   IOMMU_IOAS_MAP_FIXED_IOVA | IOMMU_IOAS_MAP_WRITEABLE | IOMMU_IOAS_MAP_READABLE,
						   2, 0, 0x7f0000000000, 0x10000, 0x100000};
			 return b.ptr();
		 }},
		{I, kI, IOCTL(IOMMU_IOAS_UNMAP), "0",
		 [](Bytes &b) {
			 b.at<iommu_ioas_unmap>() = {24, 2, 0x100000, 0x10000};
			 return b.ptr();
		 }},
		{I, kI, IOCTL(IOMMU_OPTION), "0",
		 [](Bytes &b) {
			 b.at<iommu_option>() = {24, IOMMU_OPTION_HUGE_PAGES, IOMMU_OPTION_OP_GET, 0, 2, 1};
			 return b.ptr();
		 }},
		{I, kI, IOCTL(IOMMU_VFIO_IOAS), "0",
		 [](Bytes &b) {
			 b.at<iommu_vfio_ioas>() = {12, 2, IOMMU_VFIO_IOAS_SET, 0};
			 return b.ptr();
		 }},
		{I, kI, IOCTL(IOMMU_HWPT_ALLOC), "0",
		 [](Bytes &b) {
			 b.at<iommu_hwpt_alloc>() = {48, IOMMU_HWPT_ALLOC_DIRTY_TRACKING, 1, 2, 3, 0, IOMMU_HWPT_DATA_NONE, 0,
						     0, 0, 0};
			 return b.ptr();
		 }},
		{I, kI, IOCTL(IOMMU_GET_HW_INFO), "0",
		 [](Bytes &b) {
			 auto &h = b.at<iommu_hw_info>();
			 h.size = 40;
			 h.dev_id = 1;
			 h.out_data_type = IOMMU_HW_INFO_TYPE_NONE;
			 h.out_capabilities = IOMMU_HW_CAP_DIRTY_TRACKING;
			 return b.ptr();
		 }},
		{I, kI, IOCTL(IOMMU_HWPT_SET_DIRTY_TRACKING), "0",
		 [](Bytes &b) {
			 b.at<iommu_hwpt_set_dirty_tracking>() = {16, IOMMU_HWPT_DIRTY_TRACKING_ENABLE, 3, 0};
			 return b.ptr();
		 }},
		{I, kI, IOCTL(IOMMU_HWPT_GET_DIRTY_BITMAP), "0",
		 [](Bytes &b) {
			 b.at<iommu_hwpt_get_dirty_bitmap>() = {48, 3, IOMMU_HWPT_GET_DIRTY_BITMAP_NO_CLEAR, 0, 0x100000,
								0x10000, 0x1000, 0x7f0000010000};
			 return b.ptr();
		 }},
		{I, kI, IOCTL(IOMMU_HWPT_INVALIDATE), "-1 EOPNOTSUPP (Operation not supported)",
		 [](Bytes &b) {
			 b.at<iommu_hwpt_invalidate>() = {32, 4, 0x7f0000020000, IOMMU_HWPT_INVALIDATE_DATA_VTD_S1, 32, 0, 0};
			 return b.ptr();
		 }},
		{I, kI, IOCTL(IOMMU_FAULT_QUEUE_ALLOC), "0",
		 [](Bytes &b) {
			 b.at<iommu_fault_alloc>() = {16, 0, 4, 8};
			 return b.ptr();
		 }},
		{I, kI, IOCTL(IOMMU_IOAS_MAP_FILE), "0",
		 [](Bytes &b) {
			 b.at<iommu_ioas_map_file>() = {40, IOMMU_IOAS_MAP_WRITEABLE | IOMMU_IOAS_MAP_READABLE, 2, 7, 0,
							0x200000, 0x200000};
			 return b.ptr();
		 }},
		{I, kI, IOCTL(IOMMU_VIOMMU_ALLOC), "-1 EOPNOTSUPP (Operation not supported)",
		 [](Bytes &b) {
			 b.at<iommu_viommu_alloc>() = {40, 0, IOMMU_VIOMMU_TYPE_ARM_SMMUV3, 1, 3, 0, 0, 0, 0};
			 return b.ptr();
		 }},
		{I, kI, IOCTL(IOMMU_VDEVICE_ALLOC), "-1 ENOENT (No such file or directory)",
		 [](Bytes &b) {
			 b.at<iommu_vdevice_alloc>() = {24, 5, 1, 0, 0x8};
			 return b.ptr();
		 }},
		{I, kI, IOCTL(IOMMU_IOAS_CHANGE_PROCESS), "0",
		 [](Bytes &b) {
			 b.at<iommu_ioas_change_process>() = {8, 0};
			 return b.ptr();
		 }},
		{I, kI, IOCTL(IOMMU_VEVENTQ_ALLOC), "-1 ENOENT (No such file or directory)",
		 [](Bytes &b) {
			 b.at<iommu_veventq_alloc>() = {32, 0, 5, IOMMU_VEVENTQ_TYPE_ARM_SMMUV3, 64, 0, 0, 0};
			 return b.ptr();
		 }},
		{I, kI, IOCTL(IOMMU_HW_QUEUE_ALLOC), "-1 ENOENT (No such file or directory)",
		 [](Bytes &b) {
			 b.at<iommu_hw_queue_alloc>() = {40, 0, 5, IOMMU_HW_QUEUE_TYPE_TEGRA241_CMDQV, 0, 0, 0x80000000, 0x10000};
			 return b.ptr();
		 }},
		/* ---- dma-buf ---- */
		{B, kB, IOCTL(DMA_BUF_IOCTL_SYNC), "0",
		 [](Bytes &b) {
			 b.at<dma_buf_sync>() = {DMA_BUF_SYNC_START | DMA_BUF_SYNC_RW};
			 return b.ptr();
		 }},
		{B, kB, IOCTL(DMA_BUF_SET_NAME_B), "0",
		 [](Bytes &b) {
			 std::strcpy(reinterpret_cast<char *>(b.b), "rx-ring");
			 return b.ptr();
		 }},
		{B, kB, IOCTL(DMA_BUF_SET_NAME_A), "0",
		 [](Bytes &b) {
			 std::strcpy(reinterpret_cast<char *>(b.b), "rx-ring");
			 return b.ptr();
		 }},
		{B, kB, IOCTL(DMA_BUF_IOCTL_EXPORT_SYNC_FILE), "0",
		 [](Bytes &b) {
			 b.at<dma_buf_export_sync_file>() = {DMA_BUF_SYNC_READ, 9};
			 return b.ptr();
		 }},
		{B, kB, IOCTL(DMA_BUF_IOCTL_IMPORT_SYNC_FILE), "0",
		 [](Bytes &b) {
			 b.at<dma_buf_import_sync_file>() = {DMA_BUF_SYNC_WRITE, 9};
			 return b.ptr();
		 }},
	};
	return all;
}

#undef IOCTL

std::string hex(uintptr_t v)
{
	char buf[24];
	std::snprintf(buf, sizeof(buf), "%#lx", static_cast<unsigned long>(v));
	return buf;
}

std::string line_of(const Sample &s, std::string *arg_text = nullptr)
{
	Bytes bytes;
	uintptr_t arg = s.fill(bytes);
	auto a = decode_ioctl_arg(s.kind, s.request, arg);
	if (arg_text)
		*arg_text = a.text;
	return std::string("ioctl(") + s.fd + ", " + ioctl_name(s.kind, s.request) + ", " + a.text + ") = " + s.result;
}

TEST(TraceDecodeAll, EveryCommandIsNamedAndDecoded)
{
	for (const Sample &s : samples()) {
		Bytes bytes;
		uintptr_t arg = s.fill(bytes);
		EXPECT_EQ(ioctl_name(s.kind, s.request), s.name);
		auto a = decode_ioctl_arg(s.kind, s.request, arg);
		/* The fallback for what the decoder does not know is the
		 * argument's address. */
		if (arg == bytes.ptr()) {
			EXPECT_NE(a.text, hex(arg)) << s.name << " is not decoded";
		}
		EXPECT_FALSE(a.text.empty()) << s.name;
		EXPECT_FALSE(a.json.is_null() && arg == bytes.ptr()) << s.name;
	}
}

/* The reference shows every command once, as the decoder prints it. */
TEST(TraceDecodeAll, TheReferenceShowsEveryCommandAsDecoded)
{
	std::ifstream in(SOFTVFIO_SOURCE_DIR "/docs/trace.md");
	ASSERT_TRUE(in) << "docs/trace.md";
	std::stringstream ss;
	ss << in.rdbuf();
	std::string doc = ss.str();
	for (const Sample &s : samples()) {
		std::string line = line_of(s);
		EXPECT_NE(doc.find(line + "\n"), std::string::npos) << "docs/trace.md lacks:\n" << line;
	}
}

/* The commands the model's dispatch names, read from its sources: each
 * needs a sample above (and so a decoder and an example). */
TEST(TraceDecodeAll, EveryCommandTheModelAnswersHasASample)
{
	struct Source {
		const char *path;
		const char *pattern;   /* one capture: the command's name */
	};
	const Source sources[] = {
		{"src/vfio/container.cc", R"(case (VFIO_[A-Z0-9_]+):)"},
		{"src/iommu/type1/type1_map.cc", R"(case (VFIO_IOMMU_[A-Z0-9_]+):)"},
		{"src/iommu/iommufd/iommufd_compat.cc", R"(case (VFIO_(?:GET|CHECK|SET|IOMMU)_[A-Z0-9_]+):)"},
		{"src/vfio/group_file.cc", R"(case (VFIO_GROUP_[A-Z0-9_]+):)"},
		{"src/vfio/pci/device_ioctl.cc", R"(case (VFIO_DEVICE_[A-Z0-9_]+):)"},
		{"src/vfio/cdev.cc", R"((VFIO_DEVICE_[A-Z]+_IOMMUFD(?:_PT)?)\b)"},
		{"src/iommu/iommufd/iommufd_ctx.cc", R"(\{(IOMMU_[A-Z0-9_]+), \d+, \d+,)"},
		{"src/dmabuf/dma_buf_fops.cc", R"(case (DMA_BUF_[A-Z0-9_]+):)"},
	};
	std::set<std::string> sampled;
	for (const Sample &s : samples())
		sampled.insert(s.name);
	/* Arguments of CHECK_EXTENSION and SET_IOMMU, not commands. */
	const std::set<std::string> not_commands = {"VFIO_TYPE1_IOMMU", "VFIO_TYPE1v2_IOMMU", "VFIO_NOIOMMU_IOMMU",
						    "VFIO_DMA_CC_IOMMU", "VFIO_UNMAP_ALL", "VFIO_UPDATE_VADDR",
						    "VFIO_TYPE1_NESTING_IOMMU", "VFIO_SPAPR_TCE_IOMMU",
						    "VFIO_SPAPR_TCE_v2_IOMMU", "VFIO_API_VERSION"};
	size_t found = 0;
	for (const Source &src : sources) {
		std::ifstream in(std::string(SOFTVFIO_SOURCE_DIR "/") + src.path);
		ASSERT_TRUE(in) << src.path << " moved: update this test's list of dispatch sources";
		std::stringstream ss;
		ss << in.rdbuf();
		std::string text = ss.str();
		std::regex re(src.pattern);
		for (auto it = std::sregex_iterator(text.begin(), text.end(), re); it != std::sregex_iterator(); ++it) {
			std::string name = (*it)[1];
			if (not_commands.count(name))
				continue;
			found++;
			EXPECT_TRUE(sampled.count(name)) << name << " (" << src.path << ") has no sample in this test";
		}
	}
	/* The patterns still find the dispatch code. */
	EXPECT_GT(found, 40u);
}

/* Every ';' and 'b' number a kind names is one of its sampled commands:
 * a name without a decoder cannot slip in either. */
TEST(TraceDecodeAll, NothingIsNamedWithoutASample)
{
	std::set<std::pair<TraceFdKind, std::string>> sampled;
	for (const Sample &s : samples())
		sampled.insert({s.kind, s.name});
	for (TraceFdKind kind : {C, G, D, I, B})
		for (unsigned nr = 0; nr < 256; nr++) {
			for (unsigned long request : {static_cast<unsigned long>(_IO(';', nr)),
						      static_cast<unsigned long>(_IOW('b', nr, dma_buf_sync)),
						      static_cast<unsigned long>(_IOWR('b', nr, dma_buf_export_sync_file)),
						      static_cast<unsigned long>(_IOW('b', nr, __u32)),
						      static_cast<unsigned long>(_IOW('b', nr, __u64))}) {
				std::string name = ioctl_name(kind, request);
				if (name.rfind("_IOC(", 0) == 0)
					continue;
				/* iommufd takes the container's commands too. */
				bool ok = sampled.count({kind, name}) || (kind == I && sampled.count({C, name}));
				EXPECT_TRUE(ok) << softvfio::shim::trace_fd_kind_name(kind) << " names " << name;
			}
		}
}

/* Prints the reference's lines (for docs/trace.md) when asked:
 * cli_unit_test --gtest_also_run_disabled_tests --gtest_filter='*PrintReference'. */
TEST(TraceDecodeAll, DISABLED_PrintReference)
{
	for (const Sample &s : samples())
		std::printf("%s\n", line_of(s).c_str());
}

} /* namespace */
