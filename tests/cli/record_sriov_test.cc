/* SPDX-License-Identifier: MIT */
/*
 * `softvfio record` of SR-IOV functions on fabricated sysfs trees: each
 * [sriov] field from the SR-IOV capability, the VF BARs from `resource`
 * lines 7..12, [sriov.msix] from the first VF's config, what the sriov_*
 * files say, a VF refused, and capabilities that are malformed or cut
 * short. Every recording is parsed back.
 */
#include <filesystem>
#include <variant>

#include <gtest/gtest.h>

#include <softvfio/device_description.h>

#include "cli/record_fixture.h"

namespace softvfio::test {
namespace {

using namespace cli::record;

constexpr const char *kPf = "0000:01:00.0";
constexpr const char *kVf = "0000:01:00.2";
constexpr uint16_t kSriov = 0x100;
constexpr uint64_t kMem32 = 0x40200;
constexpr uint64_t kMem64Pref = 0x14220c;
constexpr uint64_t kMem64 = 0x140204;

/* An NVMe-like PF: PCIe endpoint with FLR at 0x40, SR-IOV at 0x100 with
 * TotalVFs 4, InitialVFs 2, offset 2, stride 2, VF device 0x0011, page
 * sizes 0x13; VF BAR 0 64-bit prefetchable, VF BAR 2 32-bit. */
ConfigBytes sriov_config(uint16_t at = kSriov)
{
	ConfigBytes cfg = ConfigBytes::header(0x1b36, 0x0010, 0x010802, 4096);
	cfg.cap(0, 0x40, 0x10).w16(0x42, 0x0002).w32(0x44, 0x10000000);
	if (at != kSriov)
		cfg.w32(kSriov, 0u | (static_cast<uint32_t>(at) << 20));   /* a placeholder header, then */
	cfg.w32(at, 0x00010010);
	cfg.w16(at + 0x0c, 2).w16(at + 0x0e, 4).w16(at + 0x14, 2).w16(at + 0x16, 2).w16(at + 0x1a, 0x0011);
	cfg.w32(at + 0x1c, 0x13).w32(at + 0x20, 0x1);
	cfg.w32(at + 0x24, 0x0000000c).w32(at + 0x28, 0x80);   /* VF BAR 0: 64-bit prefetchable at 0x80_0000_0000 */
	cfg.w32(at + 0x2c, 0xc0000000);                       /* VF BAR 2: 32-bit */
	return cfg;
}

/* BAR 0 and the VF BAR apertures: 4 x 16 KiB and 4 x 8 KiB. */
std::vector<std::string> sriov_resources()
{
	std::vector<std::string> lines(13, resource_line(0, 0, 0));
	lines[0] = resource_line(0xfe000000, 0xfe003fff, kMem64);
	lines[7] = resource_line(0x8000000000, 0x800000ffff, kMem64Pref);
	lines[9] = resource_line(0xc0000000, 0xc0007fff, kMem32);
	return lines;
}

class RecordSriovTest : public RecordFixture
{
protected:
	void SetUp() override
	{
		tree_.config(kPf, sriov_config());
		tree_.file(kPf, "resource", resource_file(sriov_resources()));
		tree_.file(kPf, "reset_method", "flr\n");
		files("4", "2", "2", "11", "0");
	}
	void files(const char *total, const char *numvfs, const char *offset, const char *vf_device,
		   const char *total_msix) const
	{
		tree_.file(kPf, "sriov_totalvfs", std::string(total) + "\n");
		tree_.file(kPf, "sriov_numvfs", std::string(numvfs) + "\n");
		tree_.file(kPf, "sriov_offset", std::string(offset) + "\n");
		tree_.file(kPf, "sriov_stride", "2\n");
		tree_.file(kPf, "sriov_vf_device", std::string(vf_device) + "\n");
		tree_.file(kPf, "sriov_vf_total_msix", std::string(total_msix) + "\n");
	}
	/* VF 0 at kVf with `cfg`, linked as the PF's virtfn0. */
	void enable_vf(const ConfigBytes &cfg) const
	{
		tree_.config(kVf, cfg);
		std::filesystem::create_directory_symlink(std::string("../") + kPf, tree_.dir(kVf) + "/physfn");
		std::filesystem::create_directory_symlink(std::string("../") + kVf, tree_.dir(kPf) + "/virtfn0");
	}
	std::variant<Recording, std::string> decode(const char *bdf = kPf) { return RecordFixture::decode(bdf); }
	Recording record() { return record_of(kPf); }
	static std::string all(const std::vector<std::string> &lines)
	{
		std::string out;
		for (const auto &l : lines)
			out += l + "\n";
		return out;
	}

};

TEST_F(RecordSriovTest, EveryFieldOfTheCapability)
{
	Recording rec = record();
	EXPECT_TRUE(rec.left_out.empty()) << all(rec.left_out);
	DeviceDescription d = reparsed(rec);
	ASSERT_TRUE(d.sriov) << text_;
	EXPECT_EQ(d.sriov->total_vfs, 4);
	EXPECT_EQ(d.sriov->initial_vfs, 2);
	EXPECT_EQ(d.sriov->vf_device_id, 0x0011);
	EXPECT_EQ(d.sriov->first_vf_offset, 2);
	EXPECT_EQ(d.sriov->vf_stride, 2);
	EXPECT_EQ(d.sriov->supported_page_sizes, 0x13u);
	EXPECT_FALSE(d.sriov->vf_msix);
	EXPECT_NE(text_.find("[sriov]\ntotal_vfs = 4\ninitial_vfs = 2\nvf_device_id = 0x0011\n"), std::string::npos)
		<< text_;
}

/* One VF's BAR is the aperture the PCI core made TotalVFs BARs long. */
TEST_F(RecordSriovTest, VfBarsAreTheAperturesOverTotalVfs)
{
	DeviceDescription d = reparsed(record());
	ASSERT_TRUE(d.sriov);
	const auto &bars = d.sriov->vf_bars;
	EXPECT_EQ(bars[0].kind, BarKind::Mem64);
	EXPECT_TRUE(bars[0].prefetchable);
	EXPECT_EQ(bars[0].size, 0x4000u);
	EXPECT_EQ(bars[0].address, 0u);
	EXPECT_EQ(bars[1].kind, BarKind::None);
	EXPECT_EQ(bars[2].kind, BarKind::Mem32);
	EXPECT_FALSE(bars[2].prefetchable);
	EXPECT_EQ(bars[2].size, 0x2000u);
	for (unsigned i : {3u, 4u, 5u})
		EXPECT_EQ(bars[i].kind, BarKind::None) << i;
}

TEST_F(RecordSriovTest, InitialVfsEqualToTotalIsTheDefault)
{
	tree_.config(kPf, sriov_config().w16(kSriov + 0x0c, 4));
	Recording rec = record();
	ASSERT_TRUE(rec.desc.sriov);
	EXPECT_EQ(rec.desc.sriov->initial_vfs, 0);
	EXPECT_EQ(reparsed(rec).sriov->total_vfs, 4);
	EXPECT_NE(text_.find("initial_vfs = 4\n"), std::string::npos) << text_;
}

/* With no VF enabled, the VFs' MSI-X is nowhere to be read: said so. */
TEST_F(RecordSriovTest, NoVfEnabledSaysHowToRecordTheirMsix)
{
	Recording rec = record();
	EXPECT_TRUE(mentions(rec.notes, "echo 1 > " + tree_.dir(kPf) + "/sriov_numvfs")) << all(rec.notes);
}

TEST_F(RecordSriovTest, VfMsixFromTheFirstVfsConfig)
{
	ConfigBytes vf = ConfigBytes::header(0xffff, 0xffff, 0x010802, 4096);
	vf.cap(0, 0x40, 0x10).w16(0x42, 0x0002);
	vf.cap(0x40, 0x80, 0x11).w16(0x82, 3).w32(0x84, 0x2).w32(0x88, 0x1002);   /* 4 vectors in VF BAR 2 */
	enable_vf(vf);
	Recording rec = record();
	EXPECT_FALSE(mentions(rec.notes, "sriov_numvfs")) << all(rec.notes);
	DeviceDescription d = reparsed(rec);
	ASSERT_TRUE(d.sriov && d.sriov->vf_msix) << text_;
	EXPECT_EQ(d.sriov->vf_msix->vectors, 4u);
	EXPECT_EQ(d.sriov->vf_msix->table_bar, 2u);
	EXPECT_EQ(d.sriov->vf_msix->table_offset, 0u);
	EXPECT_EQ(d.sriov->vf_msix->pba_bar, 2u);
	EXPECT_EQ(d.sriov->vf_msix->pba_offset, 0x1000u);
	EXPECT_NE(text_.find("each VF MSI-X 4 vectors"), std::string::npos) << text_;
}

TEST_F(RecordSriovTest, VfMsiIsNamedAsNotExpressible)
{
	ConfigBytes vf = ConfigBytes::header(0xffff, 0xffff, 0x010802, 4096);
	vf.cap(0, 0x40, 0x05);
	enable_vf(vf);
	Recording rec = record();
	EXPECT_TRUE(mentions(rec.left_out, "MSI capability: the format gives VFs MSI-X only")) << all(rec.left_out);
	EXPECT_TRUE(rec.desc.sriov);
}

/* A VF MSI-X table in a BAR the VF does not have: [sriov.msix] goes, with
 * the validator's reason, and the rest of [sriov] stays. */
TEST_F(RecordSriovTest, VfMsixTheModelRefusesIsLeftOut)
{
	ConfigBytes vf = ConfigBytes::header(0xffff, 0xffff, 0x010802, 4096);
	vf.cap(0, 0x40, 0x11).w16(0x42, 3).w32(0x44, 0x5).w32(0x48, 0x1005);
	enable_vf(vf);
	Recording rec = record();
	EXPECT_TRUE(mentions(rec.left_out, "[sriov.msix]")) << all(rec.left_out);
	DeviceDescription d = reparsed(rec);
	ASSERT_TRUE(d.sriov);
	EXPECT_FALSE(d.sriov->vf_msix);
}

TEST_F(RecordSriovTest, AVirtualFunctionIsRefusedNamingItsPf)
{
	enable_vf(ConfigBytes::header(0xffff, 0xffff, 0x010802, 4096));
	auto decoded = decode(kVf);
	auto *e = std::get_if<std::string>(&decoded);
	ASSERT_TRUE(e);
	EXPECT_NE(e->find("a virtual function of 0000:01:00.0"), std::string::npos) << *e;
	EXPECT_NE(e->find("softvfio record 0000:01:00.0"), std::string::npos) << *e;
}

TEST_F(RecordSriovTest, SysfsFilesThatDifferAreNoted)
{
	files("2", "0", "4", "12", "0");
	Recording rec = record();
	EXPECT_TRUE(mentions(rec.notes, "sriov_totalvfs 0x2 but the capability's TotalVFs is 0x4")) << all(rec.notes);
	EXPECT_TRUE(mentions(rec.notes, "sriov_offset 0x4")) << all(rec.notes);
	EXPECT_TRUE(mentions(rec.notes, "sriov_vf_device 0x12")) << all(rec.notes);
	EXPECT_EQ(rec.desc.sriov->total_vfs, 4);   /* the hardware's */
}

TEST_F(RecordSriovTest, SharedVfMsixIsNotExpressible)
{
	files("4", "0", "2", "11", "64");
	EXPECT_TRUE(mentions(record().left_out, "sriov_vf_total_msix 64"));
}

TEST_F(RecordSriovTest, EnabledVfsAreANote)
{
	tree_.config(kPf, sriov_config().w16(kSriov + 0x08, 1).w16(kSriov + 0x10, 2));
	Recording rec = record();
	EXPECT_TRUE(mentions(rec.notes, "2 VFs enabled when recorded")) << all(rec.notes);
	EXPECT_TRUE(rec.left_out.empty()) << all(rec.left_out);
}

TEST_F(RecordSriovTest, CapabilityRegistersWithoutAFieldAreNamed)
{
	tree_.config(kPf, sriov_config().w32(kSriov + 0x04, 0x2).w8(kSriov + 0x12, 1));
	Recording rec = record();
	EXPECT_TRUE(mentions(rec.left_out, "0x100: SR-IOV: SR-IOV Capabilities 0x00000002")) << all(rec.left_out);
	EXPECT_TRUE(mentions(rec.left_out, "Function Dependency Link 0x01")) << all(rec.left_out);
	EXPECT_TRUE(rec.desc.sriov);
}

TEST_F(RecordSriovTest, TotalVfsAboveTheModelsLimit)
{
	tree_.config(kPf, sriov_config().w16(kSriov + 0x0e, 512).w16(kSriov + 0x0c, 512));
	std::vector<std::string> lines = sriov_resources();
	lines[7] = resource_line(0x8000000000, 0x8000000000 + 512 * 0x4000 - 1, kMem64Pref);
	lines[9] = resource_line(0xc0000000, 0xc0000000 + 512 * 0x2000 - 1, kMem32);
	tree_.file(kPf, "resource", resource_file(lines));
	Recording rec = record();
	EXPECT_TRUE(mentions(rec.left_out, "TotalVFs 512: the model has at most 256 VFs")) << all(rec.left_out);
	DeviceDescription d = reparsed(rec);
	ASSERT_TRUE(d.sriov);
	EXPECT_EQ(d.sriov->total_vfs, 256);
	EXPECT_EQ(d.sriov->initial_vfs, 256);   /* InitialVFs = TotalVFs, written as the number */
	EXPECT_EQ(d.sriov->vf_bars[0].size, 0x4000u);   /* divided by the hardware's TotalVFs */
}

/* Registers no working PF has: [sriov] is not recorded, and the reason
 * names the register. */
TEST_F(RecordSriovTest, MalformedCapabilityIsNotRecorded)
{
	struct Case {
		uint16_t reg;
		uint32_t value;
		unsigned width;
		const char *says;
	};
	for (const Case &c : {Case{0x0e, 0, 2, "TotalVFs 0"}, Case{0x14, 0, 2, "First VF Offset 0"},
			      Case{0x16, 0, 2, "VF Stride 0 with 4 VFs"}, Case{0x1c, 0, 4, "Supported Page Sizes 0"}}) {
		ConfigBytes cfg = sriov_config();
		if (c.width == 2)
			cfg.w16(kSriov + c.reg, static_cast<uint16_t>(c.value));
		else
			cfg.w32(kSriov + c.reg, c.value);
		tree_.config(kPf, cfg);
		Recording rec = record();
		EXPECT_FALSE(rec.desc.sriov) << c.says;
		EXPECT_TRUE(mentions(rec.left_out, std::string("0x100: SR-IOV: ") + c.says)) << all(rec.left_out);
		EXPECT_TRUE(mentions(rec.left_out, "[sriov] not recorded")) << all(rec.left_out);
		reparsed(rec);
	}
}

TEST_F(RecordSriovTest, ApertureThatIsNotTotalVfsBarsIsLeftOut)
{
	/* TotalVFs 3: 48 KiB is three 16 KiB BARs, 32 KiB no three of one size. */
	tree_.config(kPf, sriov_config().w16(kSriov + 0x0e, 3));
	std::vector<std::string> lines = sriov_resources();
	lines[7] = resource_line(0x8000000000, 0x800000bfff, kMem64Pref);
	tree_.file(kPf, "resource", resource_file(lines));
	Recording rec = record();
	EXPECT_TRUE(mentions(rec.left_out, "VF BAR 2 (resource line 9): aperture 0x8000 is not 3 (TotalVFs)"))
		<< all(rec.left_out);
	DeviceDescription d = reparsed(rec);
	ASSERT_TRUE(d.sriov);
	EXPECT_EQ(d.sriov->vf_bars[2].kind, BarKind::None);
	EXPECT_EQ(d.sriov->vf_bars[0].kind, BarKind::Mem64);
}

/* A VF BAR the model refuses (not a power of two): that BAR goes with the
 * validator's reason; with none left, [sriov] goes too. */
TEST_F(RecordSriovTest, VfBarTheModelRefusesIsLeftOut)
{
	std::vector<std::string> lines(13, resource_line(0, 0, 0));
	lines[0] = resource_line(0xfe000000, 0xfe003fff, kMem64);
	lines[7] = resource_line(0x8000000000, 0x800000bfff, kMem64Pref);   /* 4 x 12 KiB */
	tree_.file(kPf, "resource", resource_file(lines));
	Recording rec = record();
	EXPECT_TRUE(mentions(rec.left_out, "sriov.bar[0]: ")) << all(rec.left_out);
	EXPECT_TRUE(mentions(rec.left_out, "[sriov]: ")) << all(rec.left_out);
	EXPECT_FALSE(reparsed(rec).sriov);
}

TEST_F(RecordSriovTest, IoApertureIsLeftOut)
{
	std::vector<std::string> lines = sriov_resources();
	lines[9] = resource_line(0xc000, 0xc03f, 0x40101);
	tree_.file(kPf, "resource", resource_file(lines));
	Recording rec = record();
	EXPECT_TRUE(mentions(rec.left_out, "VF BAR 2 (resource line 9): an I/O BAR")) << all(rec.left_out);
	EXPECT_EQ(reparsed(rec).sriov->vf_bars[2].kind, BarKind::None);
}

TEST_F(RecordSriovTest, ImplementedVfBarWithoutApertureIsNamed)
{
	std::vector<std::string> lines = sriov_resources();
	lines[9] = resource_line(0, 0, 0);
	tree_.file(kPf, "resource", resource_file(lines));
	tree_.config(kPf, sriov_config().w32(kSriov + 0x2c, 0xc0000008));
	Recording rec = record();
	EXPECT_TRUE(mentions(rec.left_out, "VF BAR 2 (resource line 9): the capability's register is 0xc0000008"))
		<< all(rec.left_out);
}

TEST_F(RecordSriovTest, ResourceWithoutVfLinesIsNamed)
{
	std::vector<std::string> lines = sriov_resources();
	lines.resize(7);
	std::string text;
	for (const auto &l : lines)
		text += l;
	tree_.file(kPf, "resource", text);
	Recording rec = record();
	EXPECT_TRUE(mentions(rec.left_out, "`resource` has 7 lines, not the 13")) << all(rec.left_out);
	EXPECT_FALSE(reparsed(rec).sriov);
}

/* The capability's last registers past the end of config space. */
TEST_F(RecordSriovTest, CapabilityCutShortIsLeftOut)
{
	tree_.config(kPf, sriov_config(0xfd0));
	Recording rec = record();
	EXPECT_TRUE(mentions(rec.notes, "0xfd0: SR-IOV capability cut short by the readable config, left out"))
		<< all(rec.notes);
	EXPECT_FALSE(reparsed(rec).sriov);
}

/* Config read short (no CAP_SYS_ADMIN): [sriov] from the sriov_* files and
 * resource, said to be inferred. */
TEST_F(RecordSriovTest, UnreadableCapabilityIsInferredFromSysfs)
{
	ConfigBytes cfg = ConfigBytes::header(0x1b36, 0x0010, 0x010802, 64);
	cfg.w16(0x06, 0x0010);
	tree_.config(kPf, cfg);
	Recording rec = record();
	EXPECT_TRUE(mentions(rec.notes, "[sriov] inferred from sriov_totalvfs")) << all(rec.notes);
	DeviceDescription d = reparsed(rec);
	ASSERT_TRUE(d.sriov) << text_;
	EXPECT_EQ(d.sriov->total_vfs, 4);
	EXPECT_EQ(d.sriov->first_vf_offset, 2);
	EXPECT_EQ(d.sriov->vf_stride, 2);
	EXPECT_EQ(d.sriov->vf_device_id, 0x0011);
	EXPECT_EQ(d.sriov->vf_bars[0].size, 0x4000u);
	EXPECT_EQ(d.sriov->vf_bars[2].size, 0x2000u);
}

/* The writer alone: [sriov], its BARs and [sriov.msix] read back as they
 * were written. */
TEST(RecordSriovToml, RoundTrip)
{
	DeviceDescription d;
	d.name = "pf";
	d.vendor_id = 0x1b36;
	d.express = ExpressCapability{};
	auto bar = [](BarKind kind, uint64_t size, bool prefetchable) {
		BarDescription b;
		b.kind = kind;
		b.size = size;
		b.prefetchable = prefetchable;
		return b;
	};
	d.bars[0] = bar(BarKind::Mem64, 0x4000, false);
	SriovCapability s;
	s.total_vfs = 8;
	s.initial_vfs = 3;
	s.vf_device_id = 0x1234;
	s.first_vf_offset = 0x80;
	s.vf_stride = 4;
	s.supported_page_sizes = 0x1;
	s.vf_bars[0] = bar(BarKind::Mem64, 0x8000, true);
	s.vf_bars[2] = bar(BarKind::Mem32, 0x1000, false);
	s.vf_msix = MsixCapability{.vectors = 2, .table_bar = 2, .table_offset = 0, .pba_bar = 2, .pba_offset = 0x800};
	d.sriov = s;
	const std::string text = description_toml(d);
	auto parsed = parse_device_description(text, "pf.toml");
	auto *back = std::get_if<DeviceDescription>(&parsed);
	ASSERT_TRUE(back) << std::get<DescriptionError>(parsed).message() << "\n" << text;
	EXPECT_EQ(description_toml(*back), text);
	ASSERT_TRUE(back->sriov && back->sriov->vf_msix);
	EXPECT_EQ(back->sriov->first_vf_offset, 0x80);
	EXPECT_EQ(back->sriov->vf_msix->pba_offset, 0x800u);
}

} /* namespace */
} /* namespace softvfio::test */
