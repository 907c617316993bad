/* SPDX-License-Identifier: MIT */
/*
 * A type1 program and an iommufd program under `softvfio trace`, read line
 * by line: every call each makes to the model, in order, as the trace
 * shows it. Addresses of the program's own memory are masked (ADDR).
 */
#include <fstream>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>
#include <string>
#include <unistd.h>
#include <vector>

#include "spawn.h"

using softvfio::test::run;

namespace {

constexpr const char *kBdf = "5f00:00:01.0";

/* The trace of `program`, line by line, masked. */
std::vector<std::string> traced(const char *program, std::vector<std::string> options = {})
{
	char name[] = "/tmp/softvfio-trace-e2e-XXXXXX";
	int fd = mkstemp(name);
	EXPECT_GE(fd, 0);
	close(fd);
	std::vector<std::string> argv{SOFTVFIO_BINARY, "trace", "-o", name};
	argv.insert(argv.end(), options.begin(), options.end());
	argv.insert(argv.end(), {"--", program, kBdf});
	auto o = run(argv);
	EXPECT_EQ(o.status, 0) << o.err;
	std::ifstream in(name);
	std::vector<std::string> lines;
	std::string line;
	/* The program's own memory, and the C library's DIR. */
	const std::regex address(R"(\b(vaddr|user_va|allowed_iovas)=0x[0-9a-f]+)");
	const std::regex dir(R"(^(opendir\(.*\)) = 0x[0-9a-f]+$)");
	while (std::getline(in, line))
		lines.push_back(std::regex_replace(std::regex_replace(line, address, "$1=ADDR"), dir, "$1 = ADDR"));
	unlink(name);
	return lines;
}

/* The fds the program gets are the lowest free ones: 3, 4, 5 unless the
 * test runner left one open to it. Expected lines say {3}, {4}, {5}; they
 * become the numbers the program's first open got and the next ones. */
std::vector<std::string> with_fds(const std::vector<std::string> &got, std::vector<std::string> want)
{
	int first = 3;
	std::smatch m;
	for (const auto &l : got)
		if (std::regex_match(l, m, std::regex(R"(^openat\(AT_FDCWD, "/dev/.*\) = (\d+)$)"))) {
			first = std::stoi(m[1]);
			break;
		}
	for (auto &w : want)
		for (int fd = 3; fd <= 9; fd++) {
			std::string token = "{" + std::to_string(fd) + "}";
			for (size_t at; (at = w.find(token)) != std::string::npos;)
				w.replace(at, token.size(), std::to_string(fd - 3 + first));
		}
	return want;
}

void expect_lines(const std::vector<std::string> &got, std::vector<std::string> want)
{
	want = with_fds(got, std::move(want));
	std::string all;
	for (const auto &l : got)
		all += l + "\n";
	for (size_t i = 0; i < std::max(got.size(), want.size()); i++) {
		std::string g = i < got.size() ? got[i] : "(none)";
		std::string w = i < want.size() ? want[i] : "(none)";
		EXPECT_EQ(g, w) << "line " << i + 1 << " of:\n" << all;
		if (g != w)
			break;   /* one mismatch says it; the rest would repeat it */
	}
}

/* tests/cli/programs/trace_type1.c on the nic preset. */
TEST(TraceE2e, Type1ProgramReadsRightLineByLine)
{
	expect_lines(
		traced(TRACE_TYPE1),
		{
			R"(readlink("/sys/bus/pci/devices/5f00:00:01.0/iommu_group", "../../../kernel/iommu_groups/1", 255) = 30)",
			R"(newfstatat(AT_FDCWD, "/dev/vfio/vfio", {st_mode=S_IFCHR|0666, st_rdev=makedev(0xa, 0xc4), ...}, 0) = 0)",
			R"(openat(AT_FDCWD, "/dev/vfio/vfio", O_RDWR|O_CLOEXEC) = {3})",
			R"(ioctl({3}</dev/vfio/vfio>, VFIO_GET_API_VERSION, 0) = 0)",
			R"(ioctl({3}</dev/vfio/vfio>, VFIO_CHECK_EXTENSION, VFIO_TYPE1v2_IOMMU) = 1)",
			R"(openat(AT_FDCWD, "/dev/vfio/1", O_RDWR|O_CLOEXEC) = {4})",
			R"(ioctl({4}</dev/vfio/1>, VFIO_GROUP_GET_STATUS, {argsz=8, flags=VFIO_GROUP_FLAGS_VIABLE}) = 0)",
			R"(ioctl({4}</dev/vfio/1>, VFIO_GROUP_SET_CONTAINER, [{3}]) = 0)",
			R"(ioctl({3}</dev/vfio/vfio>, VFIO_SET_IOMMU, VFIO_TYPE1v2_IOMMU) = 0)",
			/* 24 bytes asked, the chain needs 120. */
			R"(ioctl({3}</dev/vfio/vfio>, VFIO_IOMMU_GET_INFO, {argsz=120, flags=VFIO_IOMMU_INFO_PGSIZES|VFIO_IOMMU_INFO_CAPS, iova_pgsizes=0x40201000, cap_offset=0}) = 0)",
			R"(ioctl({3}</dev/vfio/vfio>, VFIO_IOMMU_GET_INFO, {argsz=120, flags=VFIO_IOMMU_INFO_PGSIZES|VFIO_IOMMU_INFO_CAPS, iova_pgsizes=0x40201000, cap_offset=24, caps=[{id=VFIO_IOMMU_TYPE1_INFO_CAP_MIGRATION, version=1, next=56, flags=0, pgsize_bitmap=0x1000, max_dirty_bitmap_size=0x10000000}, {id=VFIO_IOMMU_TYPE1_INFO_DMA_AVAIL, version=1, next=72, avail=65535}, {id=VFIO_IOMMU_TYPE1_INFO_CAP_IOVA_RANGE, version=1, next=0, nr_iovas=2, iova_ranges=[{start=0, end=0xfedfffff}, {start=0xfef00000, end=0x7fffffffff}]}]}) = 0)",
			R"(ioctl({4}</dev/vfio/1>, VFIO_GROUP_GET_DEVICE_FD, "5f00:00:01.0") = {5})",
			R"(ioctl({5}<anon_inode:[vfio-device]>, VFIO_DEVICE_GET_INFO, {argsz=24, flags=VFIO_DEVICE_FLAGS_RESET|VFIO_DEVICE_FLAGS_PCI, num_regions=9, num_irqs=5, cap_offset=0}) = 0)",
			R"(ioctl({5}<anon_inode:[vfio-device]>, VFIO_DEVICE_GET_REGION_INFO, {argsz=32, flags=VFIO_REGION_INFO_FLAG_READ|VFIO_REGION_INFO_FLAG_WRITE|VFIO_REGION_INFO_FLAG_MMAP, index=BAR0, cap_offset=0, size=0x20000, offset=0}) = 0)",
			R"(ioctl({5}<anon_inode:[vfio-device]>, VFIO_DEVICE_GET_IRQ_INFO, {argsz=16, flags=VFIO_IRQ_INFO_EVENTFD, index=MSIX, count=64}) = 0)",
			R"(ioctl({3}</dev/vfio/vfio>, VFIO_IOMMU_MAP_DMA, {argsz=32, flags=VFIO_DMA_MAP_FLAG_READ|VFIO_DMA_MAP_FLAG_WRITE, vaddr=ADDR, iova=0x100000, size=0x10000}) = 0)",
			R"(ioctl({3}</dev/vfio/vfio>, VFIO_IOMMU_UNMAP_DMA, {argsz=24, flags=0, iova=0x100000, size=0x10000}) = 0)",
			R"(ioctl({5}<anon_inode:[vfio-device]>, VFIO_DEVICE_RESET, 0) = 0)",
			R"(close({5}) = 0)",
			R"(close({4}) = 0)",
			R"(close({3}) = 0)",
		});
}

/* tests/cli/programs/trace_iommufd.c on the nic preset. */
TEST(TraceE2e, IommufdProgramReadsRightLineByLine)
{
	expect_lines(
		traced(TRACE_IOMMUFD),
		{
			R"(opendir("/sys/bus/pci/devices/5f00:00:01.0/vfio-dev") = ADDR)",
			R"(openat(AT_FDCWD, "/dev/iommu", O_RDWR|O_CLOEXEC) = {3})",
			R"(access("/dev/vfio/devices/vfio0", R_OK|W_OK) = 0)",
			R"(openat(AT_FDCWD, "/dev/vfio/devices/vfio0", O_RDWR|O_CLOEXEC) = {4})",
			R"(ioctl({4}</dev/vfio/devices/vfio0>, VFIO_DEVICE_BIND_IOMMUFD, {argsz=16, flags=0, iommufd={3}, out_devid=1}) = 0)",
			R"(ioctl({3}</dev/iommu>, IOMMU_IOAS_ALLOC, {size=12, flags=0, out_ioas_id=2}) = 0)",
			/* No room: the count comes back, no range is written. */
			R"(ioctl({3}</dev/iommu>, IOMMU_IOAS_IOVA_RANGES, {size=32, ioas_id=2, num_iovas=1, allowed_iovas=ADDR, out_iova_alignment=0x1}) = -1 EMSGSIZE (Message too long))",
			R"(ioctl({3}</dev/iommu>, IOMMU_IOAS_IOVA_RANGES, {size=32, ioas_id=2, num_iovas=1, allowed_iovas=[{start=0, last=0xffffffffffffffff}], out_iova_alignment=0x1}) = 0)",
			R"(ioctl({4}</dev/vfio/devices/vfio0>, VFIO_DEVICE_ATTACH_IOMMUFD_PT, {argsz=12, flags=0, pt_id=3}) = 0)",
			R"(ioctl({3}</dev/iommu>, IOMMU_IOAS_MAP, {size=40, flags=IOMMU_IOAS_MAP_FIXED_IOVA|IOMMU_IOAS_MAP_WRITEABLE|IOMMU_IOAS_MAP_READABLE, ioas_id=2, user_va=ADDR, length=0x10000, iova=0x100000}) = 0)",
			R"(ioctl({3}</dev/iommu>, IOMMU_IOAS_UNMAP, {size=24, ioas_id=2, iova=0x100000, length=0x10000}) = 0)",
			R"(ioctl({4}</dev/vfio/devices/vfio0>, VFIO_DEVICE_DETACH_IOMMUFD_PT, {argsz=12, flags=0}) = 0)",
			R"(ioctl({3}</dev/iommu>, IOMMU_DESTROY, {size=8, id=2}) = 0)",
			R"(close({4}) = 0)",
			R"(close({3}) = 0)",
		});
}

/* The same program in JSON: one object a line, the same calls. */
TEST(TraceE2e, Type1ProgramInJsonHasTheSameCalls)
{
	auto text = traced(TRACE_TYPE1);
	auto json = traced(TRACE_TYPE1, {"--json"});
	ASSERT_EQ(json.size(), text.size());
	for (size_t i = 0; i < json.size(); i++) {
		auto j = nlohmann::json::parse(json[i], nullptr, false);
		ASSERT_FALSE(j.is_discarded()) << json[i];
		EXPECT_EQ(text[i].rfind(j["call"].get<std::string>() + "(", 0), 0u) << text[i] << "\n" << json[i];
	}
}

} /* namespace */
