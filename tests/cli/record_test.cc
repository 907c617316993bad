/* SPDX-License-Identifier: MIT */
/*
 * `softvfio record` on fabricated sysfs trees: reading (record_sysfs),
 * decoding (record_decode) and writing (record_toml), one behaviour a test.
 * Every recording is also parsed back with the description parser.
 */
#include <cerrno>
#include <variant>

#include <gtest/gtest.h>

#include <softvfio/device_description.h>

#include "cli/record_fixture.h"

namespace softvfio::test {
namespace {

using namespace cli::record;

constexpr const char *kBdf = "0000:01:00.0";
constexpr uint64_t kMem32 = 0x40200;        /* IORESOURCE_MEM | SIZEALIGN */
constexpr uint64_t kMem64Pref = 0x14220c;   /* + MEM_64, PREFETCH, BAR bits 0xc */
constexpr uint64_t kIo = 0x40101;           /* IORESOURCE_IO | SIZEALIGN, BAR bit 0 */

class RecordTest : public RecordFixture
{
protected:
	/* Reads and decodes kBdf; fails the test on an error. */
	Recording record() { return record_of(kBdf); }
};

TEST(RecordBdf, AcceptsBothFormsAndLowerCases)
{
	EXPECT_EQ(normalize_bdf("0000:01:00.0"), "0000:01:00.0");
	EXPECT_EQ(normalize_bdf("01:1F.7"), "0000:01:1f.7");
	EXPECT_EQ(normalize_bdf("5F00:00:01.0"), "5f00:00:01.0");
}

TEST(RecordBdf, RefusesWhatIsNoAddress)
{
	for (const char *bad : {"", "1:0.0", "0000:01:20.0", "0000:01:00.8", "0000-01-00.0", "nic", "0000:0g:00.0"})
		EXPECT_FALSE(normalize_bdf(bad)) << bad;
}

TEST(RecordResource, ParsesTheKernelsLines)
{
	auto lines = parse_resource(resource_line(0xfe000000, 0xfe01ffff, kMem32) + resource_line(0, 0, 0));
	ASSERT_TRUE(lines);
	ASSERT_EQ(lines->size(), 2u);
	EXPECT_EQ((*lines)[0].start, 0xfe000000u);
	EXPECT_EQ((*lines)[0].end, 0xfe01ffffu);
	EXPECT_EQ((*lines)[0].flags, kMem32);
	EXPECT_FALSE(parse_resource("0x1 0x2\n"));
	EXPECT_FALSE(parse_resource("0x1 0x2 0x3 extra\n"));
}

TEST_F(RecordTest, NoDeviceNamesThePath)
{
	auto read = read_sysfs_function(tree_.root(), kBdf);
	auto *e = std::get_if<ReadError>(&read);
	ASSERT_TRUE(e);
	EXPECT_EQ(e->error, ENOENT);
	EXPECT_NE(e->message.find(tree_.dir(kBdf)), std::string::npos) << e->message;
}

TEST_F(RecordTest, MissingConfigIsBadInput)
{
	tree_.file(kBdf, "vendor", "0x1234\n");
	auto read = read_sysfs_function(tree_.root(), kBdf);
	auto *e = std::get_if<ReadError>(&read);
	ASSERT_TRUE(e);
	EXPECT_EQ(e->error, EINVAL);
	EXPECT_NE(e->message.find(tree_.dir(kBdf) + "/config"), std::string::npos) << e->message;
}

TEST_F(RecordTest, ConfigShorterThanTheHeaderIsBadInput)
{
	tree_.file(kBdf, "config", std::string(32, '\0'));
	auto read = read_sysfs_function(tree_.root(), kBdf);
	auto *e = std::get_if<ReadError>(&read);
	ASSERT_TRUE(e);
	EXPECT_EQ(e->error, EINVAL);
}

/* A config that cannot be read at all (here a directory: root reads any
 * file) fails with the errno, naming the file. */
TEST_F(RecordTest, UnreadableConfigNamesTheFile)
{
	std::filesystem::create_directories(tree_.dir(kBdf) + "/config");
	auto read = read_sysfs_function(tree_.root(), kBdf);
	auto *e = std::get_if<ReadError>(&read);
	ASSERT_TRUE(e);
	EXPECT_EQ(e->error, EISDIR);
	EXPECT_NE(e->message.find(tree_.dir(kBdf) + "/config: cannot read"), std::string::npos) << e->message;
}

TEST_F(RecordTest, AbsentFunctionIsRefused)
{
	tree_.config(kBdf, ConfigBytes::header(0xffff, 0xffff, 0xffffff));
	auto read = read_sysfs_function(tree_.root(), kBdf);
	ASSERT_TRUE(std::holds_alternative<SysfsFunction>(read));
	auto decoded = decode_function(std::get<SysfsFunction>(read));
	auto *e = std::get_if<std::string>(&decoded);
	ASSERT_TRUE(e);
	EXPECT_NE(e->find("0xffff"), std::string::npos) << *e;
}

TEST_F(RecordTest, DeviceWithoutCapabilities)
{
	ConfigBytes cfg = ConfigBytes::header(0x1af4, 0x1110, 0x050000);
	cfg.w16(0x04, 0x0103).w16(0x2c, 0x1af4).w16(0x2e, 0x1100).w32(0x10, 0xfea01000);
	tree_.config(kBdf, cfg);
	tree_.file(kBdf, "resource", resource_file({resource_line(0xfea01000, 0xfea010ff, kMem32)}));
	Recording rec = record();
	EXPECT_TRUE(fn_.warnings.empty());
	DeviceDescription d = reparsed(rec);
	EXPECT_EQ(d.vendor_id, 0x1af4);
	EXPECT_EQ(d.device_id, 0x1110);
	EXPECT_EQ(d.class_code, 0x050000u);
	EXPECT_EQ(d.revision, 1);
	EXPECT_EQ(d.subsystem_vendor_id, 0x1af4);
	EXPECT_EQ(d.subsystem_id, 0x1100);
	EXPECT_EQ(d.command, 0x0103);
	EXPECT_FALSE(d.pm || d.msi || d.msix || d.express);
	EXPECT_EQ(d.bars[0].kind, BarKind::Mem32);
	EXPECT_EQ(d.bars[0].size, 0x100u);
	EXPECT_EQ(d.bars[0].address, 0xfea01000u);
	EXPECT_TRUE(rec.left_out.empty());
}

TEST_F(RecordTest, SixtyFourBitPrefetchableBar)
{
	tree_.config(kBdf, ConfigBytes::header(0x1234, 1, 0x020000));
	tree_.file(kBdf, "resource", resource_file({resource_line(0, 0, 0), resource_line(0, 0, 0),
						    resource_line(0x8000000000, 0x80ffffffff, kMem64Pref)}));
	DeviceDescription d = reparsed(record());
	EXPECT_EQ(d.bars[2].kind, BarKind::Mem64);
	EXPECT_TRUE(d.bars[2].prefetchable);
	EXPECT_EQ(d.bars[2].size, 0x100000000u);
	EXPECT_EQ(d.bars[2].address, 0x8000000000u);
	EXPECT_EQ(d.bars[3].kind, BarKind::None);
	EXPECT_NE(text_.find("size = \"4GiB\""), std::string::npos) << text_;
}

TEST_F(RecordTest, IoBar)
{
	tree_.config(kBdf, ConfigBytes::header(0x8086, 0x100e, 0x020000));
	tree_.file(kBdf, "resource", resource_file({resource_line(0, 0, 0), resource_line(0xc000, 0xc03f, kIo)}));
	DeviceDescription d = reparsed(record());
	EXPECT_EQ(d.bars[1].kind, BarKind::Io);
	EXPECT_EQ(d.bars[1].size, 0x40u);
	EXPECT_EQ(d.bars[1].address, 0xc000u);
	EXPECT_FALSE(d.bars[1].prefetchable);
}

TEST_F(RecordTest, RomFromTheSeventhLine)
{
	tree_.config(kBdf, ConfigBytes::header(0x1234, 1, 0x020000));
	std::vector<std::string> lines(6, resource_line(0, 0, 0));
	lines.push_back(resource_line(0xfe080000, 0xfe08ffff, 0x46200));
	tree_.file(kBdf, "resource", resource_file(lines));
	DeviceDescription d = reparsed(record());
	EXPECT_EQ(d.rom_size, 0x10000u);
	EXPECT_EQ(d.rom_address, 0xfe080000u);
}

TEST_F(RecordTest, KnownCapabilitiesAreDecoded)
{
	ConfigBytes cfg = ConfigBytes::header(0x5356, 1, 0x020000, 4096);
	cfg.cap(0, 0x40, 0x01).w16(0x42, 0x3 | 0x0200 | (0x19 << 11)).w16(0x44, 0x0008);   /* PM: D1, NoSoftRst */
	cfg.cap(0x40, 0x48, 0x05).w16(0x4a, (3 << 1) | 0x80 | 0x100);                     /* MSI: 8, 64-bit, mask */
	cfg.cap(0x48, 0x60, 0x10).w16(0x62, 0x0002).w32(0x64, 0x10000001);                /* PCIe: FLR, 256 B */
	cfg.cap(0x60, 0xa0, 0x11).w16(0xa2, 63).w32(0xa4, 0x4).w32(0xa8, 0x2004);          /* MSI-X: 64 in BAR4 */
	tree_.config(kBdf, cfg);
	std::vector<std::string> lines(4, resource_line(0, 0, 0));
	lines.push_back(resource_line(0xfe040000, 0xfe043fff, kMem32));
	tree_.file(kBdf, "resource", resource_file(lines));
	DeviceDescription d = reparsed(record());
	ASSERT_TRUE(d.pm && d.msi && d.express && d.msix);
	EXPECT_TRUE(d.pm->d1);
	EXPECT_FALSE(d.pm->d2);
	EXPECT_TRUE(d.pm->no_soft_reset);
	EXPECT_EQ(d.pm->pme_support, 0x19);
	EXPECT_EQ(d.msi->vectors, 8u);
	EXPECT_TRUE(d.msi->address64);
	EXPECT_TRUE(d.msi->per_vector_mask);
	EXPECT_EQ(d.express->port_type, ExpressPortType::Endpoint);
	EXPECT_TRUE(d.express->flr);
	EXPECT_EQ(d.express->max_payload, 256);
	EXPECT_EQ(d.msix->vectors, 64u);
	EXPECT_EQ(d.msix->table_bar, 4u);
	EXPECT_EQ(d.msix->table_offset, 0u);
	EXPECT_EQ(d.msix->pba_bar, 4u);
	EXPECT_EQ(d.msix->pba_offset, 0x2000u);
}

TEST_F(RecordTest, UnknownCapabilitiesAreNamedInComments)
{
	ConfigBytes cfg = ConfigBytes::header(0x5356, 1, 0x020000, 4096);
	cfg.cap(0, 0x40, 0x09).w8(0x42, 8);           /* vendor specific */
	cfg.cap(0x40, 0x50, 0x10).w16(0x52, 0x0002);  /* PCIe endpoint */
	cfg.w32(0x100, 0x00020001 | (0x150u << 20));  /* AER v2, then */
	cfg.w32(0x150, 0x00010003);                   /* serial number v1 */
	tree_.config(kBdf, cfg);
	tree_.file(kBdf, "resource", resource_file({}));
	Recording rec = record();
	EXPECT_TRUE(mentions(rec.left_out, "Vendor Specific"));
	EXPECT_TRUE(mentions(rec.left_out, "Advanced Error Reporting"));
	EXPECT_TRUE(mentions(rec.left_out, "Device Serial Number"));
	DeviceDescription d = reparsed(rec);
	EXPECT_TRUE(d.express);
	EXPECT_NE(text_.find("# Not expressible in this format, left out:\n#   0x40: capability 0x09 (Vendor Specific)"),
		  std::string::npos)
		<< text_;
}

TEST_F(RecordTest, CapabilityChainLoopIsCut)
{
	ConfigBytes cfg = ConfigBytes::header(0x1234, 1, 0x020000);
	cfg.cap(0, 0x40, 0x05).w8(0x41, 0x40);   /* MSI pointing at itself */
	tree_.config(kBdf, cfg);
	Recording rec = record();
	EXPECT_TRUE(rec.desc.msi);
	EXPECT_TRUE(mentions(rec.notes, "loops"));
}

TEST_F(RecordTest, ResetMethodsGiveBusReset)
{
	tree_.config(kBdf, ConfigBytes::header(0x1234, 1, 0x020000));
	tree_.file(kBdf, "reset_method", "bus\n");
	EXPECT_TRUE(reparsed(record()).bus_reset);
}

TEST_F(RecordTest, UnexpressibleResetMethodIsNamed)
{
	tree_.config(kBdf, ConfigBytes::header(0x1234, 1, 0x020000));
	tree_.file(kBdf, "reset_method", "acpi bus\n");
	Recording rec = record();
	EXPECT_TRUE(rec.desc.bus_reset);
	EXPECT_TRUE(mentions(rec.left_out, "reset method acpi"));
}

TEST_F(RecordTest, NoResetMethodFileMeansNone)
{
	tree_.config(kBdf, ConfigBytes::header(0x1234, 1, 0x020000));
	Recording rec = record();
	EXPECT_FALSE(rec.desc.bus_reset);
	EXPECT_TRUE(mentions(rec.notes, "no reset_method file"));
}

/* What Linux shows a reader without CAP_SYS_ADMIN, and what cp -r of
 * sysfs copies: the 64-byte header. */
TEST_F(RecordTest, HeaderOnlyConfigWarnsAndInfers)
{
	ConfigBytes cfg = ConfigBytes::header(0x8086, 0x1533, 0x020000, 64);
	cfg.w16(0x06, 0x0010);   /* capabilities exist, unreadable */
	tree_.config(kBdf, cfg);
	tree_.file(kBdf, "reset_method", "flr pm bus\n");
	Recording rec = record();
	ASSERT_FALSE(fn_.warnings.empty());
	EXPECT_NE(fn_.warnings[0].find("only 64 of 256 bytes"), std::string::npos) << fn_.warnings[0];
	DeviceDescription d = reparsed(rec);
	ASSERT_TRUE(d.express);
	EXPECT_TRUE(d.express->flr);
	ASSERT_TRUE(d.pm);
	EXPECT_FALSE(d.pm->no_soft_reset);
	EXPECT_TRUE(d.bus_reset);
	EXPECT_TRUE(mentions(rec.notes, "inferred"));
	EXPECT_NE(text_.find("CAP_SYS_ADMIN"), std::string::npos);
}

TEST_F(RecordTest, MissingResourceFileWarns)
{
	tree_.config(kBdf, ConfigBytes::header(0x1234, 1, 0x020000));
	Recording rec = record();
	EXPECT_TRUE(mentions(fn_.warnings, "resource"));
	for (const BarDescription &bar : reparsed(rec).bars)
		EXPECT_EQ(bar.kind, BarKind::None);
}

TEST_F(RecordTest, MalformedResourceIsBadInput)
{
	tree_.config(kBdf, ConfigBytes::header(0x1234, 1, 0x020000));
	tree_.file(kBdf, "resource", "not a resource\n");
	auto read = read_sysfs_function(tree_.root(), kBdf);
	auto *e = std::get_if<ReadError>(&read);
	ASSERT_TRUE(e);
	EXPECT_EQ(e->error, EINVAL);
}

/* A 32-bit BAR above 4 GiB (a host bridge translating addresses) is
 * no bus address the model takes: the address goes, the BAR stays. */
TEST_F(RecordTest, AddressTheModelRefusesIsLeftOut)
{
	tree_.config(kBdf, ConfigBytes::header(0x1234, 1, 0x020000));
	tree_.file(kBdf, "resource", resource_file({resource_line(0x100000000, 0x100000fff, kMem32)}));
	Recording rec = record();
	DeviceDescription d = reparsed(rec);
	EXPECT_EQ(d.bars[0].kind, BarKind::Mem32);
	EXPECT_EQ(d.bars[0].address, 0u);
	EXPECT_TRUE(mentions(rec.left_out, "bar[0] address"));
}

TEST_F(RecordTest, CommandBitsBeyondTheModelsAreNamed)
{
	ConfigBytes cfg = ConfigBytes::header(0x1234, 1, 0x020000);
	cfg.w16(0x04, 0x0146);   /* memory, master, parity, SERR# */
	tree_.config(kBdf, cfg);
	Recording rec = record();
	EXPECT_EQ(reparsed(rec).command, 0x0106);
	EXPECT_TRUE(mentions(rec.left_out, "command bits 0x0040"));
}

TEST_F(RecordTest, BridgeIsRecordedAsAnEndpointAndSaidSo)
{
	ConfigBytes cfg = ConfigBytes::header(0x8086, 0x1234, 0x060400);
	cfg.w8(0x0e, 0x01);
	tree_.config(kBdf, cfg);
	std::vector<std::string> lines(13, resource_line(0, 0, 0));
	lines[2] = resource_line(0xfe000000, 0xfe0fffff, kMem32);   /* not a BAR: bridge registers */
	tree_.file(kBdf, "resource", resource_file(lines));
	Recording rec = record();
	DeviceDescription d = reparsed(rec);
	EXPECT_EQ(d.bars[2].kind, BarKind::None);
	EXPECT_TRUE(mentions(rec.left_out, "PCI-to-PCI bridge"));
}

/* The writer alone: every preset, written without comments, reads back as
 * itself (register models included). */
TEST(RecordToml, PresetsRoundTrip)
{
	for (const std::string &name : preset_names()) {
		auto desc = preset(name);
		ASSERT_TRUE(desc);
		std::string text = description_toml(*desc);
		auto parsed = parse_device_description(text, name + ".toml");
		auto *d = std::get_if<DeviceDescription>(&parsed);
		ASSERT_TRUE(d) << std::get<DescriptionError>(parsed).message() << "\n" << text;
		EXPECT_EQ(description_toml(*d), text) << name;
	}
}

TEST(RecordToml, SizesInBinaryUnits)
{
	EXPECT_EQ(size_text(0x100), "0x100");
	EXPECT_EQ(size_text(0x4000), "\"16KiB\"");
	EXPECT_EQ(size_text(0x100000), "\"1MiB\"");
	EXPECT_EQ(size_text(0x100000000), "\"4GiB\"");
	EXPECT_EQ(size_text(0x10000000000), "\"1TiB\"");
}

} /* namespace */
} /* namespace softvfio::test */
