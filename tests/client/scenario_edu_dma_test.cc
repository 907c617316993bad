/* SPDX-License-Identifier: MIT */
/*
 * Scenarios: DMA for real. The `edu` device's engine (BAR0: 0x80 source,
 * 0x88 destination, 0x90 count, 0x98 command; its buffer at device address
 * 0x40000) copies between its buffer and an IOVA mapped with
 * Device::map_dma, on type1 (group + container) and on iommufd (cdev +
 * IOAS); once unmapped, the same transfer reaches nothing.
 *
 * Under the shim these run as `softvfio run --device edu -- client_scenarios
 * --gtest_filter='Paths/EduDmaScenario.*'`; the device outlives the tests,
 * so each one writes the engine's buffer before reading it and puts the
 * command register back.
 */
#include <cerrno>
#include <cstring>
#include <sys/mman.h>
#include <vector>

#include "client/scenario_fixture.h"

namespace softvfio::test {
namespace {

using namespace softvfio::client;

constexpr uint16_t kEduVendor = 0x1234, kEduDevice = 0x11e8;
constexpr uint64_t kRegSrc = 0x80, kRegDst = 0x88, kRegCount = 0x90, kRegCmd = 0x98;
constexpr uint64_t kCmdRun = 0x1, kCmdToRam = 0x2;
constexpr uint64_t kEduBuffer = 0x40000;
constexpr uint16_t kCommandBusMaster = 0x4;

class EduDmaScenario : public ClientScenario, public ::testing::WithParamInterface<AccessPath>
{
protected:
	const char *device_preset() const override { return "edu"; }

	void SetUp() override
	{
		ClientScenario::SetUp();
		if (HasFatalFailure())
			return;
		mem_ = static_cast<uint8_t *>(
			::mmap(nullptr, kLength, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
		ASSERT_NE(mem_, MAP_FAILED);
		Device *dev = open({GetParam()});
		ASSERT_NE(dev, nullptr);
		auto vendor = dev->read_config<uint16_t>(0x00);
		auto device = dev->read_config<uint16_t>(0x02);
		ASSERT_TRUE(vendor && device);
		ASSERT_EQ(*vendor, kEduVendor) << "not edu: run under `softvfio run --device edu`";
		ASSERT_EQ(*device, kEduDevice);
		auto command = dev->read_config<uint16_t>(0x04);
		ASSERT_TRUE(command);
		command_ = *command;
		/* The engine masters the bus only when allowed to. */
		ASSERT_TRUE(dev->write_config<uint16_t>(0x04, *command | kCommandBusMaster));
	}
	void TearDown() override
	{
		if (dev_ && command_) {
			EXPECT_TRUE(dev_->write_config<uint16_t>(0x04, *command_));
		}
		ClientScenario::TearDown();
		if (mem_ && mem_ != MAP_FAILED)
			::munmap(mem_, kLength);
	}

	/* One transfer; the engine clears the run bit when it is done. */
	void dma(uint64_t src, uint64_t dst, uint64_t count, uint64_t cmd)
	{
		for (auto [reg, value] : {std::pair{kRegSrc, src}, {kRegDst, dst}, {kRegCount, count}, {kRegCmd, cmd}})
			ASSERT_TRUE(dev_->write_region(0, reg, &value, sizeof(value))) << "edu register " << reg;
		uint64_t done = ~0ull;
		ASSERT_TRUE(dev_->read_region(0, kRegCmd, &done, sizeof(done)));
		EXPECT_EQ(done & kCmdRun, 0u);
	}
	void to_device(uint64_t iova) { dma(iova, kEduBuffer, kCount, kCmdRun); }
	void to_ram(uint64_t iova) { dma(kEduBuffer, iova, kCount, kCmdRun | kCmdToRam); }

	static std::vector<uint8_t> pattern(uint8_t seed)
	{
		std::vector<uint8_t> p(kCount);
		for (size_t i = 0; i < p.size(); i++)
			p[i] = static_cast<uint8_t>(i * 7 + seed);
		return p;
	}
	uint8_t *page(unsigned n) { return mem_ + n * kPage; }
	bool page_holds(unsigned n, const std::vector<uint8_t> &p) { return std::memcmp(page(n), p.data(), p.size()) == 0; }
	bool page_is_zero(unsigned n)
	{
		for (size_t i = 0; i < kPage; i++)
			if (page(n)[i])
				return false;
		return true;
	}

	/* Two pages: the source at kIova, the destination one page up. */
	static constexpr size_t kLength = 2 * kPage;
	static constexpr uint64_t kIova = 0x100000;
	/* Less than a page, so a transfer's end is visible too. */
	static constexpr uint64_t kCount = 4000;
	uint8_t *mem_ = nullptr;
	std::optional<uint16_t> command_;
};

TEST_P(EduDmaScenario, CopiesToAndFromTheMappedIova)
{
	auto map = dev_->map_dma(mem_, kLength, kIova);
	ASSERT_TRUE(map) << map.error().message();
	const auto data = pattern(GetParam() == AccessPath::Cdev ? 1 : 2);
	std::memcpy(page(0), data.data(), data.size());
	ASSERT_NO_FATAL_FAILURE(to_device(kIova));
	ASSERT_NO_FATAL_FAILURE(to_ram(kIova + kPage));
	EXPECT_TRUE(page_holds(1, data));
	/* Exactly kCount bytes arrived. */
	EXPECT_EQ(page(1)[kCount], 0);
	EXPECT_EQ(page(1)[kPage - 1], 0);
}

TEST_P(EduDmaScenario, UnmappedIovaIsNotReached)
{
	auto map = dev_->map_dma(mem_, kLength, kIova);
	ASSERT_TRUE(map) << map.error().message();
	const auto before = pattern(3), after = pattern(200);
	std::memcpy(page(0), before.data(), before.size());
	ASSERT_NO_FATAL_FAILURE(to_device(kIova));
	ASSERT_TRUE(map->unmap());

	/* Device to memory: the page stays as it was. */
	ASSERT_NO_FATAL_FAILURE(to_ram(kIova + kPage));
	EXPECT_TRUE(page_is_zero(1));
	/* Memory to device: the engine's buffer keeps the earlier data. */
	std::memcpy(page(0), after.data(), after.size());
	ASSERT_NO_FATAL_FAILURE(to_device(kIova));
	auto again = dev_->map_dma(mem_, kLength, kIova);
	ASSERT_TRUE(again) << again.error().message();
	ASSERT_NO_FATAL_FAILURE(to_ram(kIova + kPage));
	EXPECT_TRUE(page_holds(1, before));
}

/* Dropping the DmaMapping unmaps as well as unmap() does. */
TEST_P(EduDmaScenario, DestroyedMappingIsNotReached)
{
	{
		auto map = dev_->map_dma(mem_, kLength, kIova);
		ASSERT_TRUE(map) << map.error().message();
		const auto data = pattern(9);
		std::memcpy(page(0), data.data(), data.size());
		ASSERT_NO_FATAL_FAILURE(to_device(kIova));
	}
	ASSERT_NO_FATAL_FAILURE(to_ram(kIova + kPage));
	EXPECT_TRUE(page_is_zero(1));
}

INSTANTIATE_TEST_SUITE_P(Paths, EduDmaScenario, ::testing::Values(AccessPath::Cdev, AccessPath::Group),
			 [](const auto &p) { return p.param == AccessPath::Cdev ? "Cdev" : "Group"; });

} /* namespace */
} /* namespace softvfio::test */
