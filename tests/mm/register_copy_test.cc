/* SPDX-License-Identifier: MIT */
/*
 * Mm::register_copy: a system call's copy through a register VMA, as the
 * accesses the model sees: naturally aligned pieces of up to 8 bytes, low
 * to high; the VMA's protection and state checked for each; EFAULT where
 * the CPU's access would fault, with the pieces before it made.
 */
#include <cstring>

#include "mm/fixture.h"

namespace softvfio::mm::test {
namespace {

/* Registers behind the fake: every access logged; a read answers bytes
 * that name their offset in the VMA (offset + i at byte i). */
class FakeRegisters final : public FakeMappable
{
public:
	using FakeMappable::FakeMappable;

	struct Access {
		uint64_t offset;
		unsigned width;
		uint64_t value;
		bool write;
		bool operator==(const Access &) const = default;
	};

	bool registers(const VmaGeometry &) override { return true; }
	Result<uint64_t> register_access(const VmaGeometry &g, uintptr_t address, unsigned width, uint64_t value,
					 bool write) override
	{
		if (!accessible_flag.load())
			return err(EFAULT);
		const uint64_t offset = address - g.start;
		uint64_t out = 0;
		if (!write)
			for (unsigned i = 0; i < width; i++)
				out |= ((offset + i) & 0xff) << (8 * i);
		log.push_back({offset, width, write ? value : out, write});
		return write ? 0 : out;
	}

	std::vector<Access> log;
};

struct RegisterCopyTest : MmTest {
	std::shared_ptr<FakeRegisters> regs = std::make_shared<FakeRegisters>(mem, std::vector<PhysRange>{{kBar2, 4 * kPageSize}});

	uintptr_t map_regs(int prot = kRW)
	{
		vfs::MmapArgs a{0, 4 * kPageSize, prot, MAP_SHARED, kBar2};
		auto at = mm.map(regs, *regs, a, kBar2 >> kPageShift, MemAttr::Uncached);
		EXPECT_TRUE(at);
		return at ? *at : 0;
	}
};

using Access = FakeRegisters::Access;

TEST_F(RegisterCopyTest, AReadGoesInNaturallyAlignedPiecesLowToHigh)
{
	const uintptr_t at = map_regs();
	unsigned char buf[15];
	ASSERT_TRUE(mm.register_copy(at + 1, buf, sizeof(buf), false));
	/* 1 at 1, 2 at 2, 4 at 4, 8 at 8: 15 bytes from offset 1. */
	const std::vector<Access> want{{1, 1, 0x01, false},
				       {2, 2, 0x0302, false},
				       {4, 4, 0x07060504, false},
				       {8, 8, 0x0f0e0d0c0b0a0908, false}};
	EXPECT_EQ(regs->log, want);
	for (unsigned i = 0; i < sizeof(buf); i++)
		EXPECT_EQ(buf[i], i + 1);
}

TEST_F(RegisterCopyTest, AStoreSendsTheBytesLittleEndian)
{
	const uintptr_t at = map_regs();
	const unsigned char bytes[12] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12};
	ASSERT_TRUE(mm.register_copy(at + 0x10, const_cast<unsigned char *>(bytes), sizeof(bytes), true));
	const std::vector<Access> want{{0x10, 8, 0x0807060504030201, true}, {0x18, 4, 0x0c0b0a09, true}};
	EXPECT_EQ(regs->log, want);
}

TEST_F(RegisterCopyTest, AStoreNeedsWriteProtectionAndAReadNeedsReadProtection)
{
	const uintptr_t ro = map_regs(PROT_READ);
	uint32_t v = 0;
	EXPECT_EQ(mm.register_copy(ro, &v, sizeof(v), true).error(), EFAULT);
	EXPECT_TRUE(mm.register_copy(ro, &v, sizeof(v), false));
	const uintptr_t none = map_regs(PROT_NONE);
	EXPECT_EQ(mm.register_copy(none, &v, sizeof(v), false).error(), EFAULT);
	EXPECT_EQ(regs->log.size(), 1u);
}

TEST_F(RegisterCopyTest, ARevokedVmaIsEfaultWithNoAccess)
{
	const uintptr_t at = map_regs();
	regs->accessible_flag = false;
	regs->address_space().zap();
	uint64_t v = 0;
	EXPECT_EQ(mm.register_copy(at, &v, sizeof(v), false).error(), EFAULT);
	EXPECT_TRUE(regs->log.empty());
}

TEST_F(RegisterCopyTest, PlainMemoryOrNothingIsNoRegisterVma)
{
	auto ram = make({{kBar2, kPageSize}});
	auto at = map(ram, kPageSize, kBar2 >> kPageShift);
	ASSERT_TRUE(at);
	uint32_t v = 0;
	EXPECT_EQ(mm.register_copy(*at, &v, sizeof(v), false).error(), EFAULT);
	EXPECT_EQ(mm.register_copy(0x1000, &v, sizeof(v), false).error(), EFAULT);
}

/* Past the VMA's end the copy stops: the pieces inside were made. */
TEST_F(RegisterCopyTest, ACopyRunningPastTheVmaStopsThereWithEfault)
{
	const uintptr_t at = map_regs();
	ASSERT_TRUE(mm.unmap(at + 3 * kPageSize, kPageSize));
	unsigned char buf[16];
	EXPECT_EQ(mm.register_copy(at + 3 * kPageSize - 8, buf, sizeof(buf), false).error(), EFAULT);
	ASSERT_EQ(regs->log.size(), 1u);
	EXPECT_EQ(regs->log[0].offset, 3 * kPageSize - 8);
}

} /* namespace */
} /* namespace softvfio::mm::test */
