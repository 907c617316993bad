/* SPDX-License-Identifier: MIT */
/* The page-table orders and advice of `softvfio maps`, from hand-made snapshots. */
#include <gtest/gtest.h>

#include "cli/cmd_maps_render.h"

using namespace softvfio;
using softvfio::cli::analyse;

namespace {

constexpr uint64_t kMiB = 1 << 20;
constexpr uint64_t kGiB = kMiB << 10;
constexpr uint64_t kBarAddr = 0x8000000000;

/* One 4 GiB BAR2 mapped through the device fd at `start`, BAR offset `off`. */
session::Snapshot bar_mapping(uintptr_t start, uint64_t length, uint64_t off)
{
	session::Snapshot s;
	session::DeviceSnapshot d;
	d.state.bdf = "5f00:00:01.0";
	d.bars.push_back({2, 4 * kGiB, kBarAddr});
	s.devices.push_back(d);
	MappingInfo m;
	m.start = start;
	m.end = start + length;
	m.offset = (uint64_t(2) << 40) + off;
	m.kind = "vfio-device";
	s.mappings.push_back(m);
	return s;
}

TEST(MapsRender, AlignedGigabyteGetsPud)
{
	auto s = bar_mapping(0x7f0000000000 + 0 * kGiB, 2 * kGiB, 0);
	auto v = analyse(s);
	ASSERT_EQ(v.size(), 1u);
	EXPECT_EQ(v[0].best_order, 18u);
	EXPECT_EQ(v[0].paddr, kBarAddr);
	EXPECT_TRUE(v[0].advice.empty());
}

TEST(MapsRender, TwoMegabyteAlignmentGetsPmdAndAdviceForPud)
{
	auto s = bar_mapping(0x7f0000000000 + 2 * kMiB, 2 * kGiB, 0);
	auto v = analyse(s);
	EXPECT_EQ(v[0].best_order, 9u);
	EXPECT_EQ(v[0].ideal_order, 18u);
	EXPECT_NE(v[0].advice.find("PUD"), std::string::npos);
}

TEST(MapsRender, PageOffsetCostsEveryHugePage)
{
	auto s = bar_mapping(0x7f0000000000 + 4096, 4 * kMiB, 0);
	auto v = analyse(s);
	EXPECT_EQ(v[0].best_order, 0u);
	EXPECT_EQ(v[0].ideal_order, 9u);
	EXPECT_NE(v[0].advice.find("0x0 (mod 2 MiB)"), std::string::npos) << v[0].advice;
}

TEST(MapsRender, OffsetInTheBarMovesTheCongruence)
{
	/* BAR offset 4 KiB: the address must be 4 KiB past a 2 MiB boundary. */
	auto s = bar_mapping(0x7f0000000000 + 4096, 4 * kMiB, 4096);
	auto v = analyse(s);
	EXPECT_EQ(v[0].best_order, 9u);
}

TEST(MapsRender, SmallMappingHasNothingToGain)
{
	auto s = bar_mapping(0x7f0000001000, 64 << 10, 0);
	auto v = analyse(s);
	EXPECT_EQ(v[0].best_order, 0u);
	EXPECT_EQ(v[0].ideal_order, 0u);
	EXPECT_TRUE(v[0].advice.empty());
}

TEST(MapsRender, DmabufMappingFollowsItsRange)
{
	auto s = bar_mapping(0, 0, 0);
	s.mappings.clear();
	BufferInfo b;
	b.id = 7;
	b.device = "5f00:00:01.0";
	b.bar = 2;
	b.ranges = {{0x1000, 0x1000, kBarAddr + 0x1000}, {4 * kMiB, 4 * kMiB, kBarAddr + 4 * kMiB}};
	b.size = 0x1000 + 4 * kMiB;
	s.buffers.push_back(b);
	MappingInfo m;
	m.start = 0x7f0000200000 - 0x1000;   /* the second range lands 2 MiB-aligned */
	m.end = m.start + b.size;
	m.kind = "dma-buf";
	m.buffer_id = 7;
	s.mappings.push_back(m);
	auto v = analyse(s);
	EXPECT_EQ(v[0].bar_offset, 0x1000u);
	EXPECT_EQ(v[0].contiguous, 0x1000u);   /* the first range only */
	EXPECT_EQ(v[0].best_order, 0u);
}

TEST(MapsRender, InstalledEntriesAreCounted)
{
	auto s = bar_mapping(0x7f0000000000, 4 * kMiB, 0);
	s.mappings[0].page_table = {{0x7f0000000000, 9, 0, MemoryAttribute::Uncached},
				    {0x7f0000200000, 0, 0, MemoryAttribute::Uncached},
				    {0x7f0000201000, 0, 0, MemoryAttribute::Uncached}};
	auto v = analyse(s);
	EXPECT_EQ(v[0].installed[9], 1u);
	EXPECT_EQ(v[0].installed[0], 2u);
	std::string text = cli::render_text(s, false);
	EXPECT_NE(text.find("installed: 1 PMD, 2 PTE"), std::string::npos) << text;
}

TEST(MapsRender, JsonRoundTrips)
{
	auto s = bar_mapping(0x7f0000000000, 4 * kMiB, 0);
	auto back = session::snapshot_from_json(session::to_json(s));
	ASSERT_EQ(back.mappings.size(), 1u);
	EXPECT_EQ(back.mappings[0].offset, s.mappings[0].offset);
	EXPECT_EQ(back.devices[0].bars[0].size, 4 * kGiB);
}

/* Issue 16: the process list said "1 mappings". */
TEST(MapsRender, ProcessLineCountsInTheSingular)
{
	EXPECT_EQ(cli::process_line(42, "prog", 1, 1), "      42  prog  (1 mapping, 1 buffer)\n");
	EXPECT_EQ(cli::process_line(42, "prog", 0, 2), "      42  prog  (0 mappings, 2 buffers)\n");
}

} /* namespace */
