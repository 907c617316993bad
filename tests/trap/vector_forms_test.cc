/* SPDX-License-Identifier: MIT */
/* Every SSE/AVX move form the emulator takes, load and store, table-driven:
 * the bytes reach the register (SSE keeps bits 255:128, VEX zeroes them
 * unless it writes them) or the device, 8 bytes at a time. */
#include <string>

#include "trap/synthetic_context.h"

namespace softvfio::trap::test {
namespace {

struct VectorForm {
	const char *name;
	std::vector<uint8_t> bytes; /* operand: (%rdi) and xmm1/ymm1 */
	unsigned size;
	bool load;
	bool vex;
};

std::string form_name(const ::testing::TestParamInfo<VectorForm> &info)
{
	return info.param.name;
}

class VectorForms : public EmulationTest, public ::testing::WithParamInterface<VectorForm>
{
protected:
	void SetUp() override
	{
		for (unsigned i = 0; i < 32; i++)
			registers.bytes[0x80 + i] = static_cast<uint8_t>(0x60 + i);
		for (unsigned i = 0; i < 16; i++) {
			context.xmm(1)[i] = static_cast<uint8_t>(0x20 + i);
			context.ymm_high(1)[i] = static_cast<uint8_t>(0x30 + i);
		}
	}
};

TEST_P(VectorForms, MovesTheBytes)
{
	const VectorForm &form = GetParam();
	ASSERT_TRUE(run_at(0x80, form.bytes)) << diagnostic.text();
	EXPECT_TRUE(rip_advanced());
	unsigned width = form.size < 8 ? form.size : 8;
	ASSERT_EQ(registers.logged, form.size / width);
	for (unsigned i = 0; i < registers.logged; i++) {
		EXPECT_EQ(registers.log[i].write, !form.load);
		EXPECT_EQ(registers.log[i].offset, 0x80u + i * width);
		EXPECT_EQ(registers.log[i].width, width);
	}
	if (!form.load) {
		for (unsigned i = 0; i < form.size; i++)
			EXPECT_EQ(registers.bytes[0x80 + i], 0x20 + i) << i; /* xmm1 then ymm1's upper half */
		return;
	}
	uint8_t expected[32];
	for (unsigned i = 0; i < 32; i++) {
		if (i < form.size)
			expected[i] = static_cast<uint8_t>(0x60 + i);
		else if (i < 16 || form.vex)
			expected[i] = 0;
		else
			expected[i] = static_cast<uint8_t>(0x30 + i - 16); /* SSE keeps the upper half */
	}
	EXPECT_EQ(std::memcmp(context.xmm(1), expected, 16), 0);
	EXPECT_EQ(std::memcmp(context.ymm_high(1), expected + 16, 16), 0);
}

INSTANTIATE_TEST_SUITE_P(
	Trap, VectorForms,
	::testing::Values(VectorForm{"movapd_load", {0x66, 0x0f, 0x28, 0x0f}, 16, true, false},
			  VectorForm{"movupd_load", {0x66, 0x0f, 0x10, 0x0f}, 16, true, false},
			  VectorForm{"movntdqa_load", {0x66, 0x0f, 0x38, 0x2a, 0x0f}, 16, true, false},
			  VectorForm{"lddqu_load", {0xf2, 0x0f, 0xf0, 0x0f}, 16, true, false},
			  VectorForm{"movups_load", {0x0f, 0x10, 0x0f}, 16, true, false},
			  VectorForm{"movaps_load", {0x0f, 0x28, 0x0f}, 16, true, false},
			  VectorForm{"vmovaps_ymm_load", {0xc5, 0xfc, 0x28, 0x0f}, 32, true, true},
			  VectorForm{"vmovups_ymm_load", {0xc5, 0xfc, 0x10, 0x0f}, 32, true, true},
			  VectorForm{"vmovapd_ymm_load", {0xc5, 0xfd, 0x28, 0x0f}, 32, true, true},
			  VectorForm{"vmovupd_ymm_load", {0xc5, 0xfd, 0x10, 0x0f}, 32, true, true},
			  VectorForm{"vmovntdqa_ymm_load", {0xc4, 0xe2, 0x7d, 0x2a, 0x0f}, 32, true, true},
			  VectorForm{"vlddqu_ymm_load", {0xc5, 0xff, 0xf0, 0x0f}, 32, true, true},
			  VectorForm{"vmovdqa_xmm_load", {0xc5, 0xf9, 0x6f, 0x0f}, 16, true, true},
			  VectorForm{"vmovq_load", {0xc5, 0xfa, 0x7e, 0x0f}, 8, true, true},
			  VectorForm{"movntps_store", {0x0f, 0x2b, 0x0f}, 16, false, false},
			  VectorForm{"movntpd_store", {0x66, 0x0f, 0x2b, 0x0f}, 16, false, false},
			  VectorForm{"movapd_store", {0x66, 0x0f, 0x29, 0x0f}, 16, false, false},
			  VectorForm{"movupd_store", {0x66, 0x0f, 0x11, 0x0f}, 16, false, false},
			  VectorForm{"movdqa_store", {0x66, 0x0f, 0x7f, 0x0f}, 16, false, false},
			  VectorForm{"movdqu_store", {0xf3, 0x0f, 0x7f, 0x0f}, 16, false, false},
			  VectorForm{"vmovntdq_ymm_store", {0xc5, 0xfd, 0xe7, 0x0f}, 32, false, true},
			  VectorForm{"vmovntps_ymm_store", {0xc5, 0xfc, 0x2b, 0x0f}, 32, false, true},
			  VectorForm{"vmovntpd_ymm_store", {0xc5, 0xfd, 0x2b, 0x0f}, 32, false, true},
			  VectorForm{"vmovaps_ymm_store", {0xc5, 0xfc, 0x29, 0x0f}, 32, false, true},
			  VectorForm{"vmovapd_ymm_store", {0xc5, 0xfd, 0x29, 0x0f}, 32, false, true},
			  VectorForm{"vmovupd_ymm_store", {0xc5, 0xfd, 0x11, 0x0f}, 32, false, true},
			  VectorForm{"vmovdqa_ymm_store", {0xc5, 0xfd, 0x7f, 0x0f}, 32, false, true},
			  VectorForm{"vmovq_store", {0xc5, 0xf9, 0xd6, 0x0f}, 8, false, true},
			  VectorForm{"vmovd_store", {0xc5, 0xf9, 0x7e, 0x0f}, 4, false, true}),
	form_name);

} /* namespace */
} /* namespace softvfio::trap::test */
