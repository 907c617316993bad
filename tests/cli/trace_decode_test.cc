/* SPDX-License-Identifier: MIT */
/*
 * The trace's decoder (src/shim/trace_decode.h) on its own: every ioctl
 * number is named, and its argument decoded, as the kind of fd it was made
 * on reads it. VFIO numbers carry neither size nor direction, so the same
 * number is a different command on a container and on a device.
 */
#include <gtest/gtest.h>

#include <cstdio>
#include <cstring>
#include <ctime>
#include <map>
#include <set>
#include <string>
#include <vector>

#include <softvfio/uapi/dma-buf.h>
#include <softvfio/uapi/iommufd.h>
#include <softvfio/uapi/vfio.h>

#include "shim/trace_decode.h"

using softvfio::shim::decode_ioctl_arg;
using softvfio::shim::ioctl_name;
using softvfio::shim::trace_fd_kind;
using softvfio::shim::trace_fd_kind_name;
using softvfio::shim::TraceFdKind;

namespace {

#define NAME(x) {static_cast<unsigned long>(x), #x}

using Table = std::vector<std::pair<unsigned long, std::string>>;

/* Each kind's commands, written out from the uAPI headers (not from the
 * decoder's own tables, which this checks). */
const Table kContainer = {
	NAME(VFIO_GET_API_VERSION), NAME(VFIO_CHECK_EXTENSION), NAME(VFIO_SET_IOMMU), NAME(VFIO_IOMMU_GET_INFO),
	NAME(VFIO_IOMMU_MAP_DMA),   NAME(VFIO_IOMMU_UNMAP_DMA), NAME(VFIO_IOMMU_ENABLE), NAME(VFIO_IOMMU_DISABLE),
	NAME(VFIO_IOMMU_DIRTY_PAGES),
};
const Table kGroup = {
	NAME(VFIO_GROUP_GET_STATUS), NAME(VFIO_GROUP_SET_CONTAINER), NAME(VFIO_GROUP_UNSET_CONTAINER),
	NAME(VFIO_GROUP_GET_DEVICE_FD),
};
const Table kDevice = {
	NAME(VFIO_DEVICE_GET_INFO), NAME(VFIO_DEVICE_GET_REGION_INFO), NAME(VFIO_DEVICE_GET_IRQ_INFO),
	NAME(VFIO_DEVICE_SET_IRQS), NAME(VFIO_DEVICE_RESET), NAME(VFIO_DEVICE_GET_PCI_HOT_RESET_INFO),
	NAME(VFIO_DEVICE_PCI_HOT_RESET), NAME(VFIO_DEVICE_IOEVENTFD), NAME(VFIO_DEVICE_FEATURE),
	NAME(VFIO_DEVICE_BIND_IOMMUFD), NAME(VFIO_DEVICE_ATTACH_IOMMUFD_PT), NAME(VFIO_DEVICE_DETACH_IOMMUFD_PT),
	NAME(VFIO_DEVICE_PCI_DMABUF_REVOKE), NAME(VFIO_MIG_GET_PRECOPY_INFO),
};
const Table kIommufdOwn = {
	NAME(IOMMU_DESTROY),     NAME(IOMMU_IOAS_ALLOC),  NAME(IOMMU_IOAS_IOVA_RANGES), NAME(IOMMU_IOAS_ALLOW_IOVAS),
	NAME(IOMMU_IOAS_MAP),    NAME(IOMMU_IOAS_COPY),   NAME(IOMMU_IOAS_UNMAP),       NAME(IOMMU_OPTION),
	NAME(IOMMU_VFIO_IOAS),   NAME(IOMMU_HWPT_ALLOC),  NAME(IOMMU_GET_HW_INFO),      NAME(IOMMU_HWPT_INVALIDATE),
	NAME(IOMMU_FAULT_QUEUE_ALLOC), NAME(IOMMU_IOAS_MAP_FILE), NAME(IOMMU_HWPT_SET_DIRTY_TRACKING),
	NAME(IOMMU_HWPT_GET_DIRTY_BITMAP), NAME(IOMMU_VIOMMU_ALLOC), NAME(IOMMU_VDEVICE_ALLOC),
	NAME(IOMMU_IOAS_CHANGE_PROCESS), NAME(IOMMU_VEVENTQ_ALLOC), NAME(IOMMU_HW_QUEUE_ALLOC),
};
const Table kDmaBuf = {
	NAME(DMA_BUF_IOCTL_SYNC), NAME(DMA_BUF_SET_NAME_A), NAME(DMA_BUF_SET_NAME_B),
	NAME(DMA_BUF_IOCTL_EXPORT_SYNC_FILE), NAME(DMA_BUF_IOCTL_IMPORT_SYNC_FILE),
};

#undef NAME

Table concat(Table a, const Table &b)
{
	a.insert(a.end(), b.begin(), b.end());
	return a;
}

/* What each kind answers to: iommufd also takes the container's commands
 * (its compatibility mode); an eventfd none of these. */
const std::map<TraceFdKind, Table> kKinds = {
	{TraceFdKind::Container, kContainer}, {TraceFdKind::Group, kGroup},
	{TraceFdKind::Device, kDevice},       {TraceFdKind::Iommufd, concat(kIommufdOwn, kContainer)},
	{TraceFdKind::DmaBuf, kDmaBuf},       {TraceFdKind::Eventfd, {}},
};

const std::vector<const Table *> kAll = {&kContainer, &kGroup, &kDevice, &kIommufdOwn, &kDmaBuf};

bool is_raw(const std::string &name) { return name.rfind("_IOC(", 0) == 0; }

TEST(TraceDecode, TheSameNumberIsNamedByTheKindOfFd)
{
	/* The numbers more than one family uses: the bug this guards against
	 * named a container's GET_INFO and MAP_DMA as device commands. */
	std::map<unsigned long, int> users;
	for (const Table *t : kAll)
		for (const auto &[value, name] : *t)
			users[value]++;
	std::set<unsigned long> ambiguous;
	for (const auto &[value, n] : users)
		if (n > 1)
			ambiguous.insert(value);
	ASSERT_EQ(ambiguous, (std::set<unsigned long>{VFIO_IOMMU_GET_INFO, VFIO_IOMMU_MAP_DMA, VFIO_IOMMU_DISABLE,
						       VFIO_IOMMU_DIRTY_PAGES}));

	for (const auto &[kind, table] : kKinds)
		for (unsigned long value : ambiguous) {
			std::string want;
			for (const auto &[v, name] : table)
				if (v == value)
					want = name;
			std::string got = ioctl_name(kind, value);
			if (want.empty())
				EXPECT_TRUE(is_raw(got)) << trace_fd_kind_name(kind) << " " << got;
			else
				EXPECT_EQ(got, want) << trace_fd_kind_name(kind);
		}
	/* Spelled out, for the reader. */
	EXPECT_EQ(ioctl_name(TraceFdKind::Container, 0x3b70), "VFIO_IOMMU_GET_INFO");
	EXPECT_EQ(ioctl_name(TraceFdKind::Iommufd, 0x3b71), "VFIO_IOMMU_MAP_DMA");
	EXPECT_EQ(ioctl_name(TraceFdKind::Device, 0x3b70), "VFIO_DEVICE_GET_PCI_HOT_RESET_INFO");
	EXPECT_EQ(ioctl_name(TraceFdKind::Device, 0x3b71), "VFIO_DEVICE_PCI_HOT_RESET");
	EXPECT_EQ(ioctl_name(TraceFdKind::Device, 0x3b74), "VFIO_DEVICE_IOEVENTFD");
	EXPECT_EQ(ioctl_name(TraceFdKind::Container, 0x3b75), "VFIO_IOMMU_DIRTY_PAGES");
	EXPECT_EQ(ioctl_name(TraceFdKind::Device, 0x3b75), "VFIO_DEVICE_FEATURE");
}

TEST(TraceDecode, EveryKindNamesItsOwnCommandsAndNoOthers)
{
	for (const auto &[kind, table] : kKinds)
		for (const Table *t : kAll)
			for (const auto &[value, name] : *t) {
				std::string want;
				for (const auto &[v, n] : table)
					if (v == value)
						want = n;
				std::string got = ioctl_name(kind, value);
				if (want.empty())
					EXPECT_TRUE(is_raw(got)) << trace_fd_kind_name(kind) << " " << name << ": " << got;
				else
					EXPECT_EQ(got, want) << trace_fd_kind_name(kind);
			}
}

TEST(TraceDecode, AnUnknownFdNamesOnlyWhatOneKindAloneUses)
{
	EXPECT_TRUE(is_raw(ioctl_name(TraceFdKind::Unknown, VFIO_IOMMU_GET_INFO)));
	EXPECT_TRUE(is_raw(ioctl_name(TraceFdKind::Unknown, VFIO_IOMMU_MAP_DMA)));
	EXPECT_EQ(ioctl_name(TraceFdKind::Unknown, VFIO_IOMMU_UNMAP_DMA), "VFIO_IOMMU_UNMAP_DMA");
	EXPECT_EQ(ioctl_name(TraceFdKind::Unknown, VFIO_GROUP_GET_STATUS), "VFIO_GROUP_GET_STATUS");
	EXPECT_EQ(ioctl_name(TraceFdKind::Unknown, IOMMU_IOAS_MAP), "IOMMU_IOAS_MAP");
	EXPECT_EQ(ioctl_name(TraceFdKind::Unknown, 0x3b00), "_IOC(0, 0x3b, 0, 0)");
}

TEST(TraceDecode, KindsFromTheKernelsLinkNames)
{
	EXPECT_EQ(trace_fd_kind("/dev/vfio/vfio"), TraceFdKind::Container);
	EXPECT_EQ(trace_fd_kind("/dev/vfio/7"), TraceFdKind::Group);
	EXPECT_EQ(trace_fd_kind("/dev/vfio/noiommu-0"), TraceFdKind::Group);
	EXPECT_EQ(trace_fd_kind("anon_inode:[vfio-device]"), TraceFdKind::Device);
	EXPECT_EQ(trace_fd_kind("/dev/vfio/devices/vfio0"), TraceFdKind::Device);
	EXPECT_EQ(trace_fd_kind("/dev/vfio/devices/noiommu-vfio0"), TraceFdKind::Device);
	EXPECT_EQ(trace_fd_kind("/dev/iommu"), TraceFdKind::Iommufd);
	EXPECT_EQ(trace_fd_kind("/dmabuf:bar2"), TraceFdKind::DmaBuf);
	EXPECT_EQ(trace_fd_kind("anon_inode:[eventfd]"), TraceFdKind::Eventfd);
	EXPECT_EQ(trace_fd_kind("/tmp/x"), TraceFdKind::Unknown);
	EXPECT_EQ(trace_fd_kind(""), TraceFdKind::Unknown);
}

uintptr_t ptr(const void *p) { return reinterpret_cast<uintptr_t>(p); }

TEST(TraceDecode, GetInfoIsTheContainersStructOnAContainer)
{
	vfio_iommu_type1_info info{};
	info.argsz = sizeof(info);
	info.flags = VFIO_IOMMU_INFO_PGSIZES | VFIO_IOMMU_INFO_CAPS;
	info.iova_pgsizes = 0x40201000;
	info.cap_offset = 24;
	for (TraceFdKind kind : {TraceFdKind::Container, TraceFdKind::Iommufd}) {
		auto a = decode_ioctl_arg(kind, VFIO_IOMMU_GET_INFO, ptr(&info));
		EXPECT_EQ(a.text, "{argsz=24, flags=VFIO_IOMMU_INFO_PGSIZES|VFIO_IOMMU_INFO_CAPS, iova_pgsizes=0x40201000, "
				  "cap_offset=24}");
		EXPECT_EQ(a.json["iova_pgsizes"], 0x40201000);
	}
	/* On a device the same number's struct is another one, not decoded
	 * as the container's. */
	auto d = decode_ioctl_arg(TraceFdKind::Device, VFIO_IOMMU_GET_INFO, ptr(&info));
	EXPECT_EQ(d.text.find("iova_pgsizes"), std::string::npos) << d.text;
}

TEST(TraceDecode, MapDmaIsTheContainersStructOnAContainer)
{
	vfio_iommu_type1_dma_map map{};
	map.argsz = sizeof(map);
	map.flags = VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE;
	map.vaddr = 0x7f0000000000;
	map.iova = 0x100000;
	map.size = 0x200000;
	auto a = decode_ioctl_arg(TraceFdKind::Container, VFIO_IOMMU_MAP_DMA, ptr(&map));
	EXPECT_EQ(a.text, "{argsz=32, flags=VFIO_DMA_MAP_FLAG_READ|VFIO_DMA_MAP_FLAG_WRITE, vaddr=0x7f0000000000, "
			  "iova=0x100000, size=0x200000}");
	EXPECT_EQ(a.json["flags"], "VFIO_DMA_MAP_FLAG_READ|VFIO_DMA_MAP_FLAG_WRITE");
	EXPECT_EQ(a.json["iova"], 0x100000);
	auto d = decode_ioctl_arg(TraceFdKind::Device, VFIO_IOMMU_MAP_DMA, ptr(&map));
	EXPECT_EQ(d.text.find("vaddr"), std::string::npos) << d.text;
}

TEST(TraceDecode, IoeventfdIsNotTheContainersDisable)
{
	/* 0x3b74: VFIO_IOMMU_DISABLE (no argument) on a container, a struct
	 * on a device. */
	vfio_device_ioeventfd ev{};
	ev.argsz = sizeof(ev);
	ev.flags = VFIO_DEVICE_IOEVENTFD_32;
	ev.offset = (uint64_t{VFIO_PCI_BAR0_REGION_INDEX} << VFIO_PCI_OFFSET_SHIFT) | 0x40;
	ev.data = 0x1234;
	ev.fd = 9;
	auto d = decode_ioctl_arg(TraceFdKind::Device, VFIO_DEVICE_IOEVENTFD, ptr(&ev));
	EXPECT_EQ(d.text, "{argsz=32, flags=VFIO_DEVICE_IOEVENTFD_32, offset=0x40 /* BAR0+0x40 */, data=0x1234, fd=9}");
	auto c = decode_ioctl_arg(TraceFdKind::Container, VFIO_IOMMU_DISABLE, ptr(&ev));
	EXPECT_EQ(c.text, "0");
}

TEST(TraceDecode, ValueArgumentsAndUnreadableStructs)
{
	EXPECT_EQ(decode_ioctl_arg(TraceFdKind::Container, VFIO_SET_IOMMU, VFIO_TYPE1v2_IOMMU).text, "VFIO_TYPE1v2_IOMMU");
	EXPECT_EQ(decode_ioctl_arg(TraceFdKind::Iommufd, VFIO_CHECK_EXTENSION, VFIO_TYPE1_IOMMU).text, "VFIO_TYPE1_IOMMU");
	/* A struct the trace cannot read shows as its address. */
	EXPECT_EQ(decode_ioctl_arg(TraceFdKind::Container, VFIO_IOMMU_MAP_DMA, 0x10).text, "0x10");
	/* An ambiguous number on an fd of unknown kind: its address. */
	vfio_iommu_type1_dma_map map{};
	EXPECT_EQ(decode_ioctl_arg(TraceFdKind::Unknown, VFIO_IOMMU_MAP_DMA, ptr(&map)).text,
		  "0x" + [&] {
			  char b[32];
			  std::snprintf(b, sizeof(b), "%lx", static_cast<unsigned long>(ptr(&map)));
			  return std::string(b);
		  }());
}

/* A SET_IRQS header followed by its payload, as a program builds it (in
 * bytes: the header ends in a flexible array). */
template<typename T, size_t N>
struct IrqSet {
	alignas(8) unsigned char bytes[sizeof(vfio_irq_set) + N * sizeof(T)] = {};
	vfio_irq_set &head = *reinterpret_cast<vfio_irq_set *>(bytes);
	struct Slot {
		unsigned char *at;
		void operator=(T v) { std::memcpy(at, &v, sizeof(T)); }
	};
	Slot data(size_t i) { return {bytes + sizeof(vfio_irq_set) + i * sizeof(T)}; }
	static constexpr uint32_t size() { return sizeof(vfio_irq_set) + N * sizeof(T); }
};

TEST(TraceDecode, SetIrqsShowsTheEventfdsAfterTheHeader)
{
	IrqSet<int32_t, 3> s{};
	s.head.argsz = s.size();
	s.head.flags = VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_TRIGGER;
	s.head.index = VFIO_PCI_MSIX_IRQ_INDEX;
	s.head.count = 3;
	s.data(0) = 7;
	s.data(1) = -1;
	s.data(2) = 9;
	auto a = decode_ioctl_arg(TraceFdKind::Device, VFIO_DEVICE_SET_IRQS, ptr(s.bytes));
	EXPECT_EQ(a.text, "{argsz=32, flags=VFIO_IRQ_SET_DATA_EVENTFD|VFIO_IRQ_SET_ACTION_TRIGGER, index=MSIX, start=0, "
			  "count=3, data=[7, -1, 9]}");
	EXPECT_EQ(a.json["data"], nlohmann::json::array({7, -1, 9}));
}

TEST(TraceDecode, SetIrqsShowsTheBools)
{
	IrqSet<uint8_t, 2> s{};
	s.head.argsz = sizeof(vfio_irq_set) + 2;
	s.head.flags = VFIO_IRQ_SET_DATA_BOOL | VFIO_IRQ_SET_ACTION_MASK;
	s.head.index = VFIO_PCI_INTX_IRQ_INDEX;
	s.head.count = 2;
	s.data(0) = 1;
	s.data(1) = 0;
	auto a = decode_ioctl_arg(TraceFdKind::Device, VFIO_DEVICE_SET_IRQS, ptr(s.bytes));
	EXPECT_EQ(a.text, "{argsz=22, flags=VFIO_IRQ_SET_DATA_BOOL|VFIO_IRQ_SET_ACTION_MASK, index=INTX, start=0, "
			  "count=2, data=[1, 0]}");
}

TEST(TraceDecode, SetIrqsWithoutDataOrWithTooSmallArgsz)
{
	IrqSet<int32_t, 2> s{};
	s.head.argsz = sizeof(vfio_irq_set);
	s.head.flags = VFIO_IRQ_SET_DATA_NONE | VFIO_IRQ_SET_ACTION_TRIGGER;
	s.head.count = 0;
	auto none = decode_ioctl_arg(TraceFdKind::Device, VFIO_DEVICE_SET_IRQS, ptr(s.bytes));
	EXPECT_EQ(none.text.find("data="), std::string::npos) << none.text;
	EXPECT_FALSE(none.json.contains("data"));
	/* Two eventfds claimed, room for one: the kernel reads argsz's worth. */
	s.head.flags = VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_TRIGGER;
	s.head.argsz = sizeof(vfio_irq_set) + 4;
	s.head.count = 2;
	s.data(0) = 5;
	s.data(1) = 6;
	auto shortened = decode_ioctl_arg(TraceFdKind::Device, VFIO_DEVICE_SET_IRQS, ptr(s.bytes));
	EXPECT_NE(shortened.text.find("count=2, data=[5]}"), std::string::npos) << shortened.text;
}

TEST(TraceDecode, SetIrqsShowsAtMost32)
{
	IrqSet<int32_t, 40> s{};
	s.head.argsz = s.size();
	s.head.flags = VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_TRIGGER;
	s.head.index = VFIO_PCI_MSIX_IRQ_INDEX;
	s.head.count = 40;
	for (int i = 0; i < 40; i++)
		s.data(i) = 100 + i;
	auto a = decode_ioctl_arg(TraceFdKind::Device, VFIO_DEVICE_SET_IRQS, ptr(s.bytes));
	EXPECT_NE(a.text.find("130, 131, ...]}"), std::string::npos) << a.text;
	EXPECT_EQ(a.json["data"].size(), 32u);
}

TEST(TraceDecode, IoasMapFlagsAreNamed)
{
	iommu_ioas_map map{};
	map.size = sizeof(map);
	map.flags = IOMMU_IOAS_MAP_FIXED_IOVA | IOMMU_IOAS_MAP_WRITEABLE | IOMMU_IOAS_MAP_READABLE;
	map.ioas_id = 2;
	map.user_va = 0x7f0000000000;
	map.length = 0x10000;
	map.iova = 0x100000;
	auto a = decode_ioctl_arg(TraceFdKind::Iommufd, IOMMU_IOAS_MAP, ptr(&map));
	EXPECT_EQ(a.text, "{size=40, flags=IOMMU_IOAS_MAP_FIXED_IOVA|IOMMU_IOAS_MAP_WRITEABLE|IOMMU_IOAS_MAP_READABLE, "
			  "ioas_id=2, user_va=0x7f0000000000, length=0x10000, iova=0x100000}");
	EXPECT_EQ(a.json["flags"], "IOMMU_IOAS_MAP_FIXED_IOVA|IOMMU_IOAS_MAP_WRITEABLE|IOMMU_IOAS_MAP_READABLE");
	/* An unknown bit stays visible as a number. */
	map.flags = IOMMU_IOAS_MAP_READABLE | 0x100;
	EXPECT_NE(decode_ioctl_arg(TraceFdKind::Iommufd, IOMMU_IOAS_MAP, ptr(&map)).text.find("flags=IOMMU_IOAS_MAP_READABLE|0x100,"),
		  std::string::npos);
}

TEST(TraceDecode, IoasMapFileShowsTheFileAndFlags)
{
	iommu_ioas_map_file map{};
	map.size = sizeof(map);
	map.flags = IOMMU_IOAS_MAP_WRITEABLE | IOMMU_IOAS_MAP_READABLE;
	map.ioas_id = 2;
	map.fd = 7;
	map.start = 0x1000;
	map.length = 0x200000;
	auto a = decode_ioctl_arg(TraceFdKind::Iommufd, IOMMU_IOAS_MAP_FILE, ptr(&map));
	EXPECT_EQ(a.text, "{size=40, flags=IOMMU_IOAS_MAP_WRITEABLE|IOMMU_IOAS_MAP_READABLE, ioas_id=2, fd=7, "
			  "start=0x1000, length=0x200000, iova=0}");
}

TEST(TraceFormat, DurationsAndEpochTimestamps)
{
	softvfio::shim::TraceEvent e{"close", {softvfio::shim::number_arg("fd", 5)}, 0};
	e.wall_ns = 1733505000123456789LL;
	e.duration_ns = 12345;
	using softvfio::shim::format_text;
	EXPECT_EQ(format_text(e), "close(5) = 0");
	EXPECT_EQ(format_text(e, {0, true}), "close(5) = 0 <0.000012>");
	EXPECT_EQ(format_text(e, {3, true}), "1733505000.123456 close(5) = 0 <0.000012>");
	e.result = -9;
	EXPECT_EQ(format_text(e, {0, true}), "close(5) = -1 EBADF (Bad file descriptor) <0.000012>");
	auto j = softvfio::shim::format_json(e, {3, true});
	EXPECT_DOUBLE_EQ(j["time"].get<double>(), 1733505000.123456);
	EXPECT_DOUBLE_EQ(j["duration"].get<double>(), 0.000012);
	EXPECT_FALSE(softvfio::shim::format_json(e).contains("time"));
	EXPECT_FALSE(softvfio::shim::format_json(e).contains("duration"));
}

TEST(TraceFormat, TimeOfDay)
{
	softvfio::shim::TraceEvent e{"close", {softvfio::shim::number_arg("fd", 5)}, 0};
	e.wall_ns = 1733505000123456789LL;
	time_t secs = 1733505000;
	struct tm tm {};
	localtime_r(&secs, &tm);
	char hms[16];
	std::snprintf(hms, sizeof(hms), "%02d:%02d:%02d", tm.tm_hour, tm.tm_min, tm.tm_sec);
	EXPECT_EQ(softvfio::shim::format_text(e, {1, false}), std::string(hms) + " close(5) = 0");
	EXPECT_EQ(softvfio::shim::format_text(e, {2, false}), std::string(hms) + ".123456 close(5) = 0");
}

} /* namespace */
