/* SPDX-License-Identifier: MIT */
/* Scenarios: BAR windows, write-combining fallback, revocation awareness. */
#include <cerrno>
#include <csignal>
#include <cstring>

#include "client/scenario_fixture.h"

namespace softvfio::test {
namespace {

using namespace softvfio::client;

TEST_F(ClientScenario, BarMappingKnowsItsOffsetAndAttribute)
{
	Device *dev = open();
	ASSERT_NE(dev, nullptr);
	auto map = dev->map_bar(2, 0x200000, k2M);
	ASSERT_TRUE(map) << map.error().message();
	EXPECT_EQ(map->kind(), MappingKind::DeviceFd);
	EXPECT_EQ(map->memattr(), MemAttr::NC);
	EXPECT_EQ(map->offset(), (2ull << 40) + 0x200000);
	EXPECT_EQ(map->bar(), 2);
	EXPECT_EQ(map->size(), k2M);
}

TEST_F(ClientScenario, BarWritesThroughAMappingReachTheRegion)
{
	Device *dev = open();
	ASSERT_NE(dev, nullptr);
	auto map = dev->map_bar(0, 0, kPage);
	ASSERT_TRUE(map);
	ASSERT_TRUE(map->write<uint32_t>(0x10, 0xcafe0001u));
	uint32_t v = 0;
	ASSERT_TRUE(dev->read_region(0, 0x10, &v, sizeof(v)));
	EXPECT_EQ(v, 0xcafe0001u);
}

TEST_F(ClientScenario, MappingBeyondTheBarIsEINVAL)
{
	Device *dev = open();
	ASSERT_NE(dev, nullptr);
	auto map = dev->map_bar(0, kNicBar0Size, kPage);
	ASSERT_FALSE(map);
	EXPECT_EQ(map.code(), EINVAL);
}

TEST_F(ClientScenario, AccessOutsideTheWindowIsEINVAL)
{
	Device *dev = open();
	ASSERT_NE(dev, nullptr);
	auto map = dev->map_bar(0, 0, kPage);
	ASSERT_TRUE(map);
	auto r = map->read<uint32_t>(kPage - 2);
	ASSERT_FALSE(r);
	EXPECT_EQ(r.code(), EINVAL);
}

TEST_F(ClientScenario, WriteCombiningWindowSaysWhichKindItGot)
{
	Device *dev = open();
	ASSERT_NE(dev, nullptr);
	auto map = dev->map_bar_wc(2, 0, k2M);
	ASSERT_TRUE(map) << map.error().message();
	if (has_dma_buf_mmap()) {
		EXPECT_EQ(map->kind(), MappingKind::DmaBuf);
		EXPECT_EQ(map->memattr(), MemAttr::WC);
		EXPECT_EQ(map->offset(), 0u);
	} else {
		EXPECT_EQ(map->kind(), MappingKind::DeviceFd);
		EXPECT_EQ(map->memattr(), MemAttr::NC);
		EXPECT_EQ(map->offset(), 2ull << 40);
	}
	EXPECT_EQ(map->bar(), 2);
}

TEST_F(ClientScenario, WriteCombiningWindowAliasesTheBar)
{
	Device *dev = open();
	ASSERT_NE(dev, nullptr);
	auto wc = dev->map_bar_wc(2, k2M, k2M);
	auto nc = dev->map_bar(2, k2M, k2M);
	ASSERT_TRUE(wc);
	ASSERT_TRUE(nc);
	ASSERT_TRUE(wc->write<uint64_t>(64, 0x1122334455667788ull));
	auto v = nc->read<uint64_t>(64);
	ASSERT_TRUE(v);
	EXPECT_EQ(*v, 0x1122334455667788ull);
}

TEST_F(ClientScenario, MemoryDisableMakesABarWindowInaccessible)
{
	Device *dev = open();
	ASSERT_NE(dev, nullptr);
	auto map = dev->map_bar(0, 0, kPage);
	ASSERT_TRUE(map);
	ASSERT_TRUE(map->write<uint32_t>(0, 0x5a5a5a5au));
	EXPECT_TRUE(map->accessible());

	ASSERT_TRUE(dev->set_memory_enable(false));
	EXPECT_FALSE(map->accessible());
	Fault fault;
	uint32_t v = 0;
	auto r = map->read(0, &v, sizeof(v), &fault);
	ASSERT_FALSE(r);
	EXPECT_EQ(r.code(), EIO);
	EXPECT_EQ(fault.signo, SIGBUS);
	EXPECT_EQ(fault.code, BUS_ADRERR);
	EXPECT_EQ(fault.addr, reinterpret_cast<uintptr_t>(map->data()));

	ASSERT_TRUE(dev->set_memory_enable(true));
	EXPECT_TRUE(map->accessible());
	auto after = map->read<uint32_t>(0);
	ASSERT_TRUE(after);
	EXPECT_EQ(*after, 0x5a5a5a5au);
}

TEST_F(ClientScenario, MemoryDisableMakesAWriteCombiningWindowInaccessible)
{
	Device *dev = open();
	ASSERT_NE(dev, nullptr);
	auto map = dev->map_bar_wc(2, 0, k2M);
	ASSERT_TRUE(map);
	EXPECT_TRUE(map->accessible());
	ASSERT_TRUE(dev->set_memory_enable(false));
	EXPECT_FALSE(map->accessible());
	auto r = map->write<uint32_t>(0, 1);
	EXPECT_EQ(r.code(), EIO);
	ASSERT_TRUE(dev->set_memory_enable(true));
	EXPECT_TRUE(map->accessible());
	EXPECT_TRUE(map->write<uint32_t>(0, 1));
}

TEST_F(ClientScenario, LowPowerMakesAWindowInaccessibleUntilExit)
{
	Device *dev = open();
	ASSERT_NE(dev, nullptr);
	auto map = dev->map_bar(0, 0, kPage);
	ASSERT_TRUE(map);
	auto entered = dev->enter_low_power();
	ASSERT_TRUE(entered) << entered.error().message();
	EXPECT_FALSE(map->accessible());
	EXPECT_EQ(map->read<uint32_t>(0).code(), EIO);
	ASSERT_TRUE(dev->exit_low_power());
	EXPECT_TRUE(map->accessible());
	EXPECT_TRUE(map->read<uint32_t>(0));
}

/* D3hot through PMCSR: the power state alone makes the window inaccessible. */
TEST_F(ClientScenario, D3hotMakesAWindowInaccessible)
{
	Device *dev = open();
	ASSERT_NE(dev, nullptr);
	auto pm = dev->find_capability(0x01);
	ASSERT_TRUE(pm);
	auto map = dev->map_bar(0, 0, kPage);
	ASSERT_TRUE(map);
	ASSERT_TRUE(dev->write_config<uint16_t>(*pm + 4, 3));
	auto command = dev->read_config<uint16_t>(4);
	ASSERT_TRUE(command);
	EXPECT_TRUE(*command & 0x2) << "memory decode stays on: only the power state decides";
	EXPECT_FALSE(map->accessible());
	EXPECT_EQ(map->read<uint32_t>(0).code(), EIO);
	ASSERT_TRUE(dev->write_config<uint16_t>(*pm + 4, 0));
	/* D3hot -> D0 without No_Soft_Reset resets the function. */
	ASSERT_TRUE(dev->set_memory_enable(true));
	EXPECT_TRUE(map->accessible());
	EXPECT_TRUE(map->read<uint32_t>(0));
}

TEST_F(ClientScenario, BarWindowKeepsTheDeviceOpen)
{
	Device *dev = open();
	ASSERT_NE(dev, nullptr);
	auto map = dev->map_bar(0, 0, kPage);
	ASSERT_TRUE(map);
	close();
	EXPECT_TRUE(map->accessible());
	EXPECT_TRUE(map->write<uint32_t>(0, 7));
}

TEST_F(ClientScenario, UnmapIsExplicitOrOnDestruction)
{
	Device *dev = open();
	ASSERT_NE(dev, nullptr);
	auto map = dev->map_bar(0, 0, kPage);
	ASSERT_TRUE(map);
	EXPECT_TRUE(map->unmap());
	EXPECT_FALSE(map->valid());
	EXPECT_FALSE(map->accessible());
	EXPECT_EQ(map->read<uint32_t>(0).code(), EINVAL);
}

/* Moving hands the window over whole; the source is left empty, and the
 * window is unmapped once, by its new owner. */
TEST_F(ClientScenario, MovingAMappingHandsTheWindowOver)
{
	Device *dev = open();
	ASSERT_NE(dev, nullptr);
	auto map = dev->map_bar(2, k2M, kPage);
	ASSERT_TRUE(map);
	void *addr = map->data();
	uint64_t offset = map->offset();
	Mapping moved = std::move(*map);
	EXPECT_FALSE(map->valid());
	EXPECT_EQ(map->size(), 0u);
	EXPECT_TRUE(map->unmap()) << "nothing left to unmap";
	EXPECT_EQ(moved.data(), addr);
	EXPECT_EQ(moved.size(), kPage);
	EXPECT_EQ(moved.offset(), offset);
	EXPECT_EQ(moved.bar(), 2);
	EXPECT_EQ(moved.kind(), MappingKind::DeviceFd);
	EXPECT_TRUE(moved.write<uint32_t>(0, 9));
	EXPECT_TRUE(moved.unmap());
	EXPECT_FALSE(moved.valid());
}

} /* namespace */
} /* namespace softvfio::test */
