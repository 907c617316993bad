/* SPDX-License-Identifier: MIT */
#include <gtest/gtest.h>
#include <sys/mman.h>

#include "shim/proc_maps.h"

namespace softvfio::shim {
namespace {

/* The reference kernel's line (docs/semantics-realkernel.md §8.3). */
TEST(ProcMaps, FormatsLikeTheKernel)
{
	MapsVma v{0x7f42eeb63000, 0x7f42eec63000, 0x20000000000, PROT_READ | PROT_WRITE, true, 0, 0x10, 42,
		  "anon_inode:[vfio-device]"};
	EXPECT_EQ(format_maps_line(v),
		  "7f42eeb63000-7f42eec63000 rw-s 20000000000 00:10 42                      anon_inode:[vfio-device]\n");
}

TEST(ProcMaps, PadsShortHeadersAndKeepsLongOnes)
{
	MapsVma small{0x1000, 0x2000, 0, PROT_READ, false, 0xfe, 0, 7, "/x"};
	std::string line = format_maps_line(small);
	EXPECT_EQ(line.find("/x"), 73u);
	EXPECT_EQ(line.substr(0, 34), "00001000-00002000 r--p 00000000 fe");
	/* A header of 73 columns (a 20-digit inode) is wider than the pad:
	 * the path follows its trailing space after one more. */
	MapsVma wide{0x7fffffff0000, 0x7ffffffff000, 0x70000000000, 0, true, 0x123, 0x4567, 12345678901234567890u, "/p"};
	line = format_maps_line(wide);
	EXPECT_NE(line.find("---s 70000000000 123:4567 12345678901234567890  /p\n"), std::string::npos) << line;
	MapsVma anon{0x1000, 0x2000, 0, PROT_READ | PROT_WRITE, false, 0, 0, 0, ""};
	EXPECT_EQ(format_maps_line(anon), "00001000-00002000 rw-p 00000000 00:00 0 \n");
}

TEST(ProcMaps, ParsesWhatItFormats)
{
	MapsVma v{0x10000, 0x30000, 0x5000, PROT_READ | PROT_EXEC, false, 8, 1, 99, "/usr/lib/libc.so.6"};
	MapsVma back;
	std::string line = format_maps_line(v);
	line.pop_back();
	ASSERT_TRUE(parse_maps_line(line, back));
	EXPECT_EQ(back.start, v.start);
	EXPECT_EQ(back.end, v.end);
	EXPECT_EQ(back.offset, v.offset);
	EXPECT_EQ(back.prot, v.prot);
	EXPECT_FALSE(back.shared);
	EXPECT_EQ(back.dev_major, 8u);
	EXPECT_EQ(back.ino, 99u);
	EXPECT_EQ(back.path, v.path);
	EXPECT_FALSE(parse_maps_line("not a maps line", back));
}

/* Two host pieces of one VMA (a two-range buffer) and a revoked piece
 * become the VMA's one line; lines around it stay byte for byte. */
TEST(ProcMaps, OneLinePerEmulatedVmaInPlaceOfItsHostPieces)
{
	std::string real = "00400000-00401000 r-xp 00000000 fe:00 12                                 /bin/prog\n"
			   "7f0000000000-7f0000001000 rw-s 20000000000 00:01 55                     /memfd:softvfio-bar (deleted)\n"
			   "7f0000001000-7f0000003000 rw-s 20000100000 00:01 55                     /memfd:softvfio-bar (deleted)\n"
			   "7f0000003000-7f0000004000 rw-p 00000000 00:00 0 \n";
	MapsVma vma{0x7f0000000000, 0x7f0000003000, 0, PROT_READ | PROT_WRITE, true, 0, 0x0c, 7, "/dmabuf:"};
	std::string out = rewrite_maps(real, {vma});
	EXPECT_EQ(out, "00400000-00401000 r-xp 00000000 fe:00 12                                 /bin/prog\n" +
			       format_maps_line(vma) + "7f0000003000-7f0000004000 rw-p 00000000 00:00 0 \n");
}

/* A host line the kernel merged across two emulated VMAs and something
 * else: the uncovered rest keeps its own offset. */
TEST(ProcMaps, SplitsHostLinesAroundEmulatedVmas)
{
	std::string real = "7f0000000000-7f0000004000 rw-s 00010000 00:01 55                         /memfd:x\n";
	MapsVma a{0x7f0000001000, 0x7f0000002000, 0x20000000000, PROT_READ, true, 0, 0x10, 1, "anon_inode:[vfio-device]"};
	MapsVma b = a;
	b.start = 0x7f0000002000;
	b.end = 0x7f0000003000;
	b.offset = 0x20000001000;
	std::string out = rewrite_maps(real, {b, a});
	MapsVma head{0x7f0000000000, 0x7f0000001000, 0x10000, PROT_READ | PROT_WRITE, true, 0, 1, 55, "/memfd:x"};
	MapsVma tail{0x7f0000003000, 0x7f0000004000, 0x13000, PROT_READ | PROT_WRITE, true, 0, 1, 55, "/memfd:x"};
	EXPECT_EQ(out, format_maps_line(head) + format_maps_line(a) + format_maps_line(b) + format_maps_line(tail));
}

TEST(ProcMaps, NothingEmulatedLeavesTheTextAlone)
{
	std::string real = "00400000-00401000 r-xp 00000000 fe:00 12  /bin/prog\n";
	EXPECT_EQ(rewrite_maps(real, {}), real);
}

} /* namespace */
} /* namespace softvfio::shim */
