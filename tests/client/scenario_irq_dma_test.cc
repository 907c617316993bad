/* SPDX-License-Identifier: MIT */
/* Scenarios: interrupts (eventfds) and DMA mappings on both ways in. */
#include <cerrno>
#include <sys/mman.h>

#include "client/scenario_fixture.h"

namespace softvfio::test {
namespace {

using namespace softvfio::client;

TEST_F(ClientScenario, IrqInfoCountsMsixVectors)
{
	Device *dev = open();
	ASSERT_NE(dev, nullptr);
	auto info = dev->irq_info(IrqIndex::Msix);
	ASSERT_TRUE(info) << info.error().message();
	EXPECT_EQ(info->count, 64u);
}

TEST_F(ClientScenario, LoopbackTriggerSignalsOnlyThatVector)
{
	Device *dev = open();
	ASSERT_NE(dev, nullptr);
	auto irqs = dev->enable_irqs(IrqIndex::Msix, 4);
	ASSERT_TRUE(irqs) << irqs.error().message();
	EXPECT_EQ(irqs->count(), 4u);
	ASSERT_TRUE(irqs->trigger(2));
	auto two = irqs->consume(2);
	auto one = irqs->consume(1);
	ASSERT_TRUE(two);
	ASSERT_TRUE(one);
	EXPECT_EQ(*two, 1u);
	EXPECT_EQ(*one, 0u);
	EXPECT_EQ(irqs->trigger(4).code(), EINVAL);
}

TEST_F(ClientScenario, TooManyVectorsIsEINVAL)
{
	Device *dev = open();
	ASSERT_NE(dev, nullptr);
	auto irqs = dev->enable_irqs(IrqIndex::Msi, 1000);
	ASSERT_FALSE(irqs);
	EXPECT_EQ(irqs.code(), EINVAL);
}

class DmaScenario : public ClientScenario, public ::testing::WithParamInterface<AccessPath>
{
protected:
	void SetUp() override
	{
		ClientScenario::SetUp();
		mem_ = ::mmap(nullptr, kLength, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		ASSERT_NE(mem_, MAP_FAILED);
	}
	void TearDown() override
	{
		ClientScenario::TearDown();
		::munmap(mem_, kLength);
	}

	static constexpr size_t kLength = 4 * kPage;
	static constexpr uint64_t kIova = 0x100000;
	void *mem_ = nullptr;
};

TEST_P(DmaScenario, MapsAndUnmapsAnIovaRange)
{
	Device *dev = open({GetParam()});
	ASSERT_NE(dev, nullptr);
	auto map = dev->map_dma(mem_, kLength, kIova);
	ASSERT_TRUE(map) << map.error().message();
	EXPECT_EQ(map->iova(), kIova);
	EXPECT_EQ(map->size(), kLength);
	EXPECT_TRUE(map->unmap());
	EXPECT_FALSE(map->valid());
	/* The range is free again. */
	auto again = dev->map_dma(mem_, kLength, kIova);
	EXPECT_TRUE(again);
}

TEST_P(DmaScenario, OverlappingMappingIsEEXIST)
{
	Device *dev = open({GetParam()});
	ASSERT_NE(dev, nullptr);
	auto map = dev->map_dma(mem_, kLength, kIova);
	ASSERT_TRUE(map);
	auto overlap = dev->map_dma(mem_, kPage, kIova + kPage);
	ASSERT_FALSE(overlap);
	EXPECT_EQ(overlap.code(), EEXIST);
}

INSTANTIATE_TEST_SUITE_P(Paths, DmaScenario, ::testing::Values(AccessPath::Cdev, AccessPath::Group),
			 [](const auto &p) { return p.param == AccessPath::Cdev ? "Cdev" : "Group"; });

/* type1's alignment rule (docs/semantics-client.md 3.1). */
TEST_F(ClientScenario, UnalignedType1MappingIsEINVAL)
{
	Device *dev = open({AccessPath::Group});
	ASSERT_NE(dev, nullptr);
	alignas(4096) static char buffer[2 * kPage];
	auto map = dev->map_dma(buffer + 1, kPage, 0x100000);
	ASSERT_FALSE(map);
	EXPECT_EQ(map.code(), EINVAL);
}

} /* namespace */
} /* namespace softvfio::test */
