/* SPDX-License-Identifier: MIT */
/*
 * The TOML format: every field lands where it should, sizes take units, and
 * every syntax-level problem (unknown key, wrong type, out of range, bad
 * enumeration value, TOML syntax) is reported with file and field.
 */
#include "pci/description_util.h"
#include "pci_test_util.h"

namespace softvfio::pci::test {
namespace {

constexpr const char *kFull = R"(
name = "full"
vendor_id = 0x1af4
device_id = 0x1110
subsystem_vendor_id = 0x1af4
subsystem_id = 0x1100
class_code = 0x050000
revision = 2
interrupt_pin = 1
interrupt_line = 10
command = 0x0106
rom_size = "32KiB"
rom_address = 0xfe800000
bus_reset = true

[[bar]]
index = 0
kind = "mem32"
size = "16KiB"
address = 0xfe000000
contents = "ram"
clear_on_reset = true

[[bar]]
index = 1
kind = "io"
size = 64
address = 0xc000

[[bar]]
index = 2
kind = "mem64"
prefetchable = true
size = "2GiB"
mmap = false

[[bar]]
index = 4
kind = "mem32"
size = "1MiB"
contents = "registers"
model = "edu"

[pm]
no_soft_reset = true
d1 = true
d2 = true
pme_support = 8

[msi]
vectors = 4
address64 = false
per_vector_mask = true

[msix]
vectors = 16
table_bar = 0
table_offset = "8KiB"
pba_bar = 0
pba_offset = 0x3000

[express]
port_type = "legacy-endpoint"
flr = true
max_payload = 512
)";

TEST(DescriptionParse, EveryTopLevelField)
{
	DeviceDescription d = must_parse(kFull);
	EXPECT_EQ(d.name, "full");
	EXPECT_EQ(d.source, "test.toml");
	EXPECT_EQ(d.vendor_id, 0x1af4);
	EXPECT_EQ(d.device_id, 0x1110);
	EXPECT_EQ(d.subsystem_vendor_id, 0x1af4);
	EXPECT_EQ(d.subsystem_id, 0x1100);
	EXPECT_EQ(d.class_code, 0x050000u);
	EXPECT_EQ(d.revision, 2);
	EXPECT_EQ(d.interrupt_pin, 1);
	EXPECT_EQ(d.interrupt_line, 10);
	EXPECT_EQ(d.command, 0x0106);
	EXPECT_EQ(d.rom_size, 0x8000u);
	EXPECT_EQ(d.rom_address, 0xfe800000u);
	EXPECT_TRUE(d.bus_reset);
}

TEST(DescriptionParse, EveryBarField)
{
	DeviceDescription d = must_parse(kFull);
	EXPECT_EQ(d.bars[0].kind, BarKind::Mem32);
	EXPECT_EQ(d.bars[0].size, 0x4000u);
	EXPECT_EQ(d.bars[0].address, 0xfe000000u);
	EXPECT_EQ(d.bars[0].contents, BarContents::Ram);
	EXPECT_TRUE(d.bars[0].clear_on_reset);
	EXPECT_EQ(d.bars[1].kind, BarKind::Io);
	EXPECT_EQ(d.bars[1].size, 64u);
	EXPECT_EQ(d.bars[2].kind, BarKind::Mem64);
	EXPECT_TRUE(d.bars[2].prefetchable);
	EXPECT_EQ(d.bars[2].size, uint64_t(2) << 30);
	EXPECT_FALSE(d.bars[2].mmap);
	EXPECT_EQ(d.bars[3].kind, BarKind::None);
	EXPECT_EQ(d.bars[4].contents, BarContents::Registers);
	EXPECT_EQ(d.bars[4].model, "edu");
	EXPECT_TRUE(d.bars[4].mmap);
	EXPECT_EQ(d.bars[5].kind, BarKind::None);
}

TEST(DescriptionParse, EveryCapabilityField)
{
	DeviceDescription d = must_parse(kFull);
	ASSERT_TRUE(d.pm && d.msi && d.msix && d.express);
	EXPECT_TRUE(d.pm->no_soft_reset);
	EXPECT_TRUE(d.pm->d1);
	EXPECT_TRUE(d.pm->d2);
	EXPECT_EQ(d.pm->pme_support, 8);
	EXPECT_EQ(d.msi->vectors, 4u);
	EXPECT_FALSE(d.msi->address64);
	EXPECT_TRUE(d.msi->per_vector_mask);
	EXPECT_EQ(d.msix->vectors, 16u);
	EXPECT_EQ(d.msix->table_bar, 0u);
	EXPECT_EQ(d.msix->table_offset, 0x2000u);
	EXPECT_EQ(d.msix->pba_bar, 0u);
	EXPECT_EQ(d.msix->pba_offset, 0x3000u);
	EXPECT_EQ(d.express->port_type, ExpressPortType::LegacyEndpoint);
	EXPECT_TRUE(d.express->flr);
	EXPECT_EQ(d.express->max_payload, 512);
	EXPECT_TRUE(d.is_express());
}

TEST(DescriptionParse, DefaultsForOmittedFields)
{
	DeviceDescription d = must_parse("vendor_id = 0x1234\n");
	EXPECT_EQ(d.command, 0x0103);
	EXPECT_EQ(d.interrupt_pin, 0);
	EXPECT_FALSE(d.bus_reset);
	EXPECT_FALSE(d.pm || d.msi || d.msix || d.express);
	EXPECT_EQ(d.name, "test");   /* the file's stem */
}

TEST(DescriptionParse, CapabilityTablesTakeDefaults)
{
	DeviceDescription d = must_parse("vendor_id = 0x1234\n[msi]\n[express]\n");
	ASSERT_TRUE(d.msi && d.express);
	EXPECT_EQ(d.msi->vectors, 1u);
	EXPECT_TRUE(d.msi->address64);
	EXPECT_EQ(d.express->max_payload, 128);
	EXPECT_EQ(d.express->port_type, ExpressPortType::Endpoint);
}

TEST(DescriptionParse, NameDefaultsToTheFileStem)
{
	auto r = parse_device_description("vendor_id = 0x1234\n", "/some/dir/mydev.toml");
	ASSERT_TRUE(std::holds_alternative<DeviceDescription>(r));
	EXPECT_EQ(std::get<DeviceDescription>(r).name, "mydev");
}

TEST(SizeStrings, UnitsAndNumbers)
{
	using desc_util::parse_size_string;
	EXPECT_EQ(parse_size_string("4096"), 4096u);
	EXPECT_EQ(parse_size_string("0x1000"), 4096u);
	EXPECT_EQ(parse_size_string("256B"), 256u);
	EXPECT_EQ(parse_size_string("4KiB"), 4096u);
	EXPECT_EQ(parse_size_string("4 KiB"), 4096u);
	EXPECT_EQ(parse_size_string("1MiB"), 1u << 20);
	EXPECT_EQ(parse_size_string("2GiB"), uint64_t(2) << 30);
	EXPECT_EQ(parse_size_string("1TiB"), uint64_t(1) << 40);
}

TEST(SizeStrings, Rejected)
{
	using desc_util::parse_size_string;
	for (const char *bad : {"", "MiB", "1MB", "1 mib", "1.5MiB", "0x10KiB", "-1", "1  KiB",
				"99999999999999999999", "20000000TiB"})
		EXPECT_FALSE(parse_size_string(bad).has_value()) << bad;
}

TEST(DescriptionParseErrors, TomlSyntaxHasLineAndColumn)
{
	EXPECT_EQ(parse_error("vendor_id = 0x1234\ndevice_id = = 3\n").rfind(
			  "test.toml: line 2, column ", 0),
		  0u);
}

TEST(DescriptionParseErrors, UnknownTopLevelKey)
{
	EXPECT_EQ(parse_error("vendor_id = 0x1234\nvendor = 1\n"), "test.toml: vendor: unknown key");
}

TEST(DescriptionParseErrors, UnknownBarKey)
{
	EXPECT_EQ(parse_error(small_device("", "sise = 16")), "test.toml: bar[0].sise: unknown key");
}

TEST(DescriptionParseErrors, UnknownCapabilityKeys)
{
	const std::string base = "vendor_id = 0x1234\n";
	EXPECT_EQ(parse_error(base + "[pm]\nd3 = true\n"), "test.toml: pm.d3: unknown key");
	EXPECT_EQ(parse_error(base + "[msi]\nvector = 2\n"), "test.toml: msi.vector: unknown key");
	EXPECT_EQ(parse_error(base + "[msix]\ntable = 0\n"), "test.toml: msix.table: unknown key");
	EXPECT_EQ(parse_error(base + "[express]\nFLR = true\n"),
		  "test.toml: express.FLR: unknown key");
}

TEST(DescriptionParseErrors, WrongTypes)
{
	EXPECT_EQ(parse_error("vendor_id = \"0x1234\"\n"),
		  "test.toml: vendor_id: expected an integer, found a string");
	EXPECT_EQ(parse_error("vendor_id = 0x1234\nbus_reset = 1\n"),
		  "test.toml: bus_reset: expected true or false, found an integer");
	EXPECT_EQ(parse_error("vendor_id = 0x1234\nname = 3\n"),
		  "test.toml: name: expected a string, found an integer");
	EXPECT_EQ(parse_error("vendor_id = 0x1234\npm = 1\n"),
		  "test.toml: pm: expected a table, found an integer");
	EXPECT_EQ(parse_error("vendor_id = 0x1234\n[bar]\nindex = 0\n"),
		  "test.toml: bar: expected an array of tables ([[bar]]), found a table");
	EXPECT_EQ(parse_error("vendor_id = 1\n[[bar]]\nindex = 0\nkind = \"io\"\nsize = 1.5\n"),
		  "test.toml: bar[0].size: expected an integer or a size string, found a "
		  "floating-point number");
}

TEST(DescriptionParseErrors, OutOfRangeIntegers)
{
	EXPECT_EQ(parse_error("vendor_id = 0x10000\n"),
		  "test.toml: vendor_id: 0x10000 is larger than 0xffff");
	EXPECT_EQ(parse_error("vendor_id = -1\n"), "test.toml: vendor_id: -1 is negative");
	EXPECT_EQ(parse_error("vendor_id = 1\nclass_code = 0x1000000\n"),
		  "test.toml: class_code: 0x1000000 is larger than 0xffffff");
	EXPECT_EQ(parse_error("vendor_id = 1\nrom_size = \"8GiB\"\n"),
		  "test.toml: rom_size: 0x200000000 is larger than 0xffffffff");
}

TEST(DescriptionParseErrors, BadSizeString)
{
	EXPECT_EQ(parse_error("vendor_id = 1\n[[bar]]\nindex = 0\nkind = \"mem32\"\nsize = \"1MB\"\n"),
		  "test.toml: bar[0].size: \"1MB\" is not a size (use a number, optionally "
		  "followed by B, KiB, MiB, GiB or TiB)");
}

TEST(DescriptionParseErrors, BadEnumerations)
{
	EXPECT_EQ(parse_error("vendor_id = 1\n[[bar]]\nindex = 0\nkind = \"mem\"\nsize = 16\n"),
		  "test.toml: bar[0].kind: \"mem\" is not a BAR kind (mem32, mem64 or io)");
	EXPECT_EQ(parse_error(small_device("", "contents = \"rom\"")),
		  "test.toml: bar[0].contents: \"rom\" is not a contents kind (ram or registers)");
	EXPECT_EQ(parse_error("vendor_id = 1\n[express]\nport_type = \"root-port\"\n"),
		  "test.toml: express.port_type: \"root-port\" is not a port type (endpoint, "
		  "legacy-endpoint or rc-integrated)");
}

TEST(DescriptionParseErrors, BarIndexMissing)
{
	EXPECT_EQ(parse_error("vendor_id = 1\n[[bar]]\nkind = \"mem32\"\nsize = 16\n"),
		  "test.toml: bar[#1].index: missing (every [[bar]] needs its index, 0..5)");
}

TEST(DescriptionParseErrors, BarIndexOutOfRange)
{
	EXPECT_EQ(parse_error("vendor_id = 1\n[[bar]]\nindex = 6\nkind = \"mem32\"\nsize = 16\n"),
		  "test.toml: bar[#1].index: 0x6 is larger than 0x5");
}

TEST(DescriptionParseErrors, BarIndexTwice)
{
	EXPECT_EQ(parse_error(small_device("", "", "[[bar]]\nindex = 0\nkind = \"io\"\nsize = 4\n")),
		  "test.toml: bar[#2].index: BAR 0 is described twice");
}

TEST(DescriptionParseErrors, BarKindMissing)
{
	EXPECT_EQ(parse_error("vendor_id = 1\n[[bar]]\nindex = 3\nsize = 16\n"),
		  "test.toml: bar[3].kind: missing (mem32, mem64 or io)");
}

TEST(DescriptionParseErrors, BarSizeMissing)
{
	EXPECT_EQ(parse_error("vendor_id = 1\n[[bar]]\nindex = 3\nkind = \"mem32\"\n"),
		  "test.toml: bar[3].size: missing");
}

TEST(DescriptionParseErrors, BarNotATable)
{
	EXPECT_EQ(parse_error("vendor_id = 1\nbar = [1]\n"),
		  "test.toml: bar[#1]: expected a table, found an integer");
}

/* Issue 16: both said "vendor_id: 0x0 is not a valid vendor ID". */
TEST(DescriptionParseErrors, EmptyDescriptionSaysSo)
{
	EXPECT_EQ(parse_error(""), "test.toml: the description is empty (it needs at least vendor_id)");
	EXPECT_EQ(parse_error("# only a comment\n\n"), "test.toml: the description is empty (it needs at least vendor_id)");
}

TEST(DescriptionParseErrors, MissingVendorIdIsMissing)
{
	EXPECT_EQ(parse_error("device_id = 0x1234\n"),
		  "test.toml: vendor_id: missing (every description needs its PCI vendor ID)");
}

TEST(DescriptionLoad, MissingFile)
{
	auto r = load_device_description("/nonexistent/x.toml");
	ASSERT_TRUE(std::holds_alternative<DescriptionError>(r));
	const auto &e = std::get<DescriptionError>(r);
	EXPECT_EQ(e.file, "/nonexistent/x.toml");
	EXPECT_EQ(e.field, "");
	EXPECT_EQ(e.message(), "/nonexistent/x.toml: cannot open the file");
}

TEST(DescriptionError, MessageFormat)
{
	EXPECT_EQ((DescriptionError{"nic.toml", "bar[2].size", "0x3000 is not a power of two"}
			   .message()),
		  "nic.toml: bar[2].size: 0x3000 is not a power of two");
	EXPECT_EQ((DescriptionError{"nic.toml", "", "cannot open the file"}.message()),
		  "nic.toml: cannot open the file");
}

} /* namespace */
} /* namespace softvfio::pci::test */
