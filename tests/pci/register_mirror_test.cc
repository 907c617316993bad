/* SPDX-License-Identifier: MIT */
/*
 * Mirrored reads (pci/register_mirror.h): every read a model lets a
 * process serve from the BAR's mirror must equal what the model answers,
 * after any sequence of accesses, a reset included. A session client
 * trusts this promise without asking the model, so a model that stops
 * mirroring a listed register fails here, not in a program.
 */
#include <random>
#include <unistd.h>

#include "pci/register_mirror.h"
#include "pci_test_util.h"

namespace softvfio::pci::test {
namespace {

/* What the mirror holds at `offset` for a read of `width` bytes. */
uint64_t mirror_bytes(PciFunction &fn, unsigned bar, uint64_t offset, unsigned width)
{
	uint64_t v = 0;
	EXPECT_EQ(::pread(fn.memory_fd(), &v, width, static_cast<off_t>(region_offset(bar) + offset)),
		  static_cast<ssize_t>(width));
	return v;
}

uint64_t model_read(PciFunction &fn, unsigned bar, uint64_t offset, unsigned width)
{
	uint64_t v = 0;
	EXPECT_TRUE(fn.bar_read(bar, offset, &v, width).ok());
	return v;
}

/* Every listed read of BAR `bar`, model against mirror. */
void expect_mirror_agrees(PciFunction &fn, unsigned bar, const std::string &model, const std::string &when)
{
	for (const MirroredRead &r : mirrored_reads(model)) {
		for (unsigned width : {1u, 2u, 4u, 8u}) {
			if (!(r.widths & width))
				continue;
			EXPECT_EQ(mirror_bytes(fn, bar, r.offset, width), model_read(fn, bar, r.offset, width))
				<< model << " offset 0x" << std::hex << r.offset << " width " << width << " " << when;
		}
	}
}

struct Access {
	uint64_t offset;
	unsigned width;
};

/* Drive the model with `steps` writes (and reads, side effects included)
 * drawn from `accesses`, checking the promise after each. */
void drive(const char *preset_name, const std::string &model, const std::vector<Access> &accesses, int steps)
{
	auto fn = make_preset(preset_name);
	RecordingSink sink;
	FakeDma dma;
	dma.map(0x10000, 0x10000);
	fn->set_interrupt_sink(&sink);
	fn->set_dma_port(&dma);
	enable_master(*fn);
	expect_mirror_agrees(*fn, 0, model, "at power-on");
	std::mt19937_64 rng(0x5eed);
	for (int i = 0; i < steps && !::testing::Test::HasFailure(); i++) {
		const Access &a = accesses[rng() % accesses.size()];
		uint64_t value = rng();
		/* DMA addresses the fake IOMMU maps, some of the time. */
		if (rng() % 2)
			value &= 0x1ffff;
		if (rng() % 4 == 0)
			(void)model_read(*fn, 0, a.offset, a.width);
		else
			EXPECT_TRUE(fn->bar_write(0, a.offset, &value, a.width).ok());
		expect_mirror_agrees(*fn, 0, model, "after step " + std::to_string(i));
	}
	/* Whatever reset the device has: back to power-on, mirror included. */
	fn->power_on_reset();
	expect_mirror_agrees(*fn, 0, model, "after a reset");
}

TEST(RegisterMirror, EduKeepsEveryMirroredReadCurrent)
{
	ASSERT_FALSE(mirrored_reads("edu").empty());
	std::vector<Access> accesses;
	for (uint64_t off : {0x00, 0x04, 0x08, 0x20, 0x24, 0x60, 0x64, 0x80, 0x84, 0x88, 0x90, 0x98})
		accesses.push_back({off, 4});
	for (uint64_t off : {0x80, 0x88, 0x90, 0x98, 0x00})
		accesses.push_back({off, 8});
	accesses.push_back({0x04, 2});
	drive("edu", "edu", accesses, 2000);
}

TEST(RegisterMirror, IvshmemKeepsEveryMirroredReadCurrent)
{
	ASSERT_FALSE(mirrored_reads("ivshmem").empty());
	std::vector<Access> accesses;
	for (uint64_t off : {0x00, 0x04, 0x08, 0x0c})
		for (unsigned width : {1u, 2u, 4u})
			accesses.push_back({off, width});
	accesses.push_back({0x00, 8});
	drive("ivshmem-plain", "ivshmem", accesses, 2000);
}

/* Read-to-clear state is never promised: ivshmem's interrupt status. */
TEST(RegisterMirror, ReadsWithSideEffectsAreNotMirrored)
{
	for (const MirroredRead &r : mirrored_reads("ivshmem"))
		EXPECT_NE(r.offset, 0x04u);
	EXPECT_TRUE(mirrored_reads("plugin").empty());
	EXPECT_TRUE(mirrored_reads("no-such-model").empty());
}

} /* namespace */
} /* namespace softvfio::pci::test */
