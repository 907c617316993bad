/* SPDX-License-Identifier: MIT */
/*
 * One test per validation rule: each gives the exact message naming file,
 * field and problem, and no function can be built from such a description.
 */
#include "pci_test_util.h"

namespace softvfio::pci::test {
namespace {

std::string bar_toml(unsigned index, const std::string &kind, const std::string &size,
		     const std::string &extra = "")
{
	return "[[bar]]\nindex = " + std::to_string(index) + "\nkind = \"" + kind +
	       "\"\nsize = " + size + "\n" + extra + "\n";
}

std::string device(const std::string &rest)
{
	return "vendor_id = 0x1234\n" + rest;
}

/* The message for `toml` in a file named nic.toml. */
std::string problem(const std::string &toml)
{
	return parse_error(toml, "nic.toml");
}

TEST(Validate, BarSizeNotAPowerOfTwo)
{
	EXPECT_EQ(problem(device(bar_toml(2, "mem32", "0x3000"))),
		  "nic.toml: bar[2].size: 0x3000 is not a power of two");
}

TEST(Validate, BarSizeZero)
{
	EXPECT_EQ(problem(device(bar_toml(1, "mem32", "0"))),
		  "nic.toml: bar[1].size: a used BAR needs a size");
}

TEST(Validate, MemoryBarTooSmall)
{
	EXPECT_EQ(problem(device(bar_toml(0, "mem32", "8"))),
		  "nic.toml: bar[0].size: 0x8 is smaller than the minimum memory BAR size 0x10");
}

TEST(Validate, IoBarTooSmall)
{
	EXPECT_EQ(problem(device(bar_toml(0, "io", "2"))),
		  "nic.toml: bar[0].size: 0x2 is smaller than the minimum I/O BAR size 0x4");
}

TEST(Validate, IoBarTooLarge)
{
	EXPECT_EQ(problem(device(bar_toml(0, "io", "512"))),
		  "nic.toml: bar[0].size: 0x200 is larger than the maximum 0x100 for this kind "
		  "of BAR");
}

TEST(Validate, Mem32BarTooLarge)
{
	EXPECT_EQ(problem(device(bar_toml(0, "mem32", "\"4GiB\""))),
		  "nic.toml: bar[0].size: 0x100000000 is larger than the maximum 0x80000000 for "
		  "this kind of BAR");
}

TEST(Validate, Mem64BarLargerThanItsRegion)
{
	EXPECT_EQ(problem(device(bar_toml(0, "mem64", "\"2TiB\""))),
		  "nic.toml: bar[0].size: 0x20000000000 is larger than the maximum "
		  "0x10000000000 for this kind of BAR");
}

TEST(Validate, Mem64InSlot5)
{
	EXPECT_EQ(problem(device(bar_toml(5, "mem64", "16"))),
		  "nic.toml: bar[5].kind: a 64-bit BAR cannot be in slot 5 (it needs slot 6 "
		  "for its upper half)");
}

TEST(Validate, Mem64OverlapsTheNextSlot)
{
	EXPECT_EQ(problem(device(bar_toml(2, "mem64", "16") + bar_toml(3, "mem32", "16"))),
		  "nic.toml: bar[3].kind: slot 3 is the upper half of 64-bit bar[2]");
}

TEST(Validate, IoBarCannotBePrefetchable)
{
	EXPECT_EQ(problem(device(bar_toml(0, "io", "16", "prefetchable = true"))),
		  "nic.toml: bar[0].prefetchable: an I/O BAR cannot be prefetchable");
}

TEST(Validate, BarAddressMisaligned)
{
	EXPECT_EQ(problem(device(bar_toml(0, "mem32", "\"1MiB\"", "address = 0xfe080000"))),
		  "nic.toml: bar[0].address: 0xfe080000 is not aligned to the BAR size 0x100000");
}

TEST(Validate, Mem32AddressAbove4GiB)
{
	EXPECT_EQ(problem(device(bar_toml(0, "mem32", "16", "address = 0x100000000"))),
		  "nic.toml: bar[0].address: 0x100000000 + 0x10 does not fit below 0x100000000");
}

TEST(Validate, IoAddressAbove64KiB)
{
	EXPECT_EQ(problem(device(bar_toml(0, "io", "16", "address = 0x10000"))),
		  "nic.toml: bar[0].address: 0x10000 + 0x10 does not fit below 0x10000");
}

TEST(Validate, BarAddressesOverlap)
{
	EXPECT_EQ(problem(device(bar_toml(0, "mem32", "\"1MiB\"", "address = 0xfe000000") +
				 bar_toml(1, "mem32", "16", "address = 0xfe000100"))),
		  "nic.toml: bar[1].address: 0xfe000100 overlaps bar[0]");
}

TEST(Validate, IoAndMemoryAddressesDoNotCollide)
{
	EXPECT_EQ(problem(device(bar_toml(0, "mem32", "16", "address = 0xc000") +
				 bar_toml(1, "io", "16", "address = 0xc000"))),
		  "");
}

TEST(Validate, BarAddressOverlapsRom)
{
	EXPECT_EQ(problem(device("rom_size = 0x800\nrom_address = 0xfe000000\n" +
				 bar_toml(0, "mem32", "16", "address = 0xfe000400"))),
		  "nic.toml: bar[0].address: 0xfe000400 overlaps the expansion ROM");
}

TEST(Validate, ModelOnRamBar)
{
	EXPECT_EQ(problem(device(bar_toml(0, "mem32", "\"1MiB\"", "model = \"edu\""))),
		  "nic.toml: bar[0].model: a model is only for contents = \"registers\"");
}

TEST(Validate, RegistersWithoutModel)
{
	EXPECT_EQ(problem(device(bar_toml(0, "mem32", "16", "contents = \"registers\""))),
		  "nic.toml: bar[0].model: contents = \"registers\" needs a model");
}

TEST(Validate, UnknownRegisterModel)
{
	EXPECT_EQ(problem(device(bar_toml(0, "mem32", "16",
					  "contents = \"registers\"\nmodel = \"e1000\""))),
		  "nic.toml: bar[0].model: unknown register model \"e1000\" (known: edu, "
		  "ivshmem)");
}

TEST(Validate, RegisterBarTooSmallForItsModel)
{
	EXPECT_EQ(problem(device(bar_toml(0, "mem32", "\"256KiB\"",
					  "contents = \"registers\"\nmodel = \"edu\""))),
		  "nic.toml: bar[0].size: 0x40000 is too small for the edu model (it needs "
		  "0x41000)");
}

TEST(Validate, ClearOnResetOnRegisters)
{
	EXPECT_EQ(problem(device(bar_toml(0, "mem32", "256",
					  "contents = \"registers\"\nmodel = \"ivshmem\"\n"
					  "clear_on_reset = true"))),
		  "nic.toml: bar[0].clear_on_reset: only RAM contents can be cleared on reset");
}

TEST(Validate, VendorIdAllOnes)
{
	EXPECT_EQ(problem("vendor_id = 0xffff\n"),
		  "nic.toml: vendor_id: 0xffff is not a valid vendor ID (it means \"no device\")");
}

/* A missing vendor_id is reported as missing by the parser, not as the
 * zero it would default to (issue 16); an explicit zero is invalid. */
TEST(Validate, VendorIdMissing)
{
	EXPECT_EQ(problem("device_id = 1\n"), "nic.toml: vendor_id: missing (every description needs its PCI vendor ID)");
}

TEST(Validate, VendorIdZero)
{
	EXPECT_EQ(problem("vendor_id = 0\n"),
		  "nic.toml: vendor_id: 0x0 is not a valid vendor ID (it means \"no device\")");
}

TEST(Validate, InterruptPinAboveIntd)
{
	EXPECT_EQ(problem(device("interrupt_pin = 5\n")),
		  "nic.toml: interrupt_pin: 5 is not a pin (0 = none, 1..4 = INTA..INTD)");
}

TEST(Validate, CommandBitsNotImplemented)
{
	EXPECT_EQ(problem(device("command = 0x0008\n")),
		  "nic.toml: command: 0x8 sets bits the function does not implement (it has "
		  "0x507)");
}

TEST(Validate, ClassCodeAbove24Bits)
{
	DeviceDescription d = must_parse(device(""));
	d.class_code = 0x1000000;
	auto e = validate_device_description(d, "code");
	ASSERT_TRUE(e.has_value());
	EXPECT_EQ(e->message(), "code: class_code: 0x1000000 does not fit in 24 bits");
}

TEST(Validate, SizeWithoutKind)
{
	DeviceDescription d = must_parse(device(""));
	d.bars[1].size = 16;
	auto e = validate_device_description(d, "code");
	ASSERT_TRUE(e.has_value());
	EXPECT_EQ(e->message(), "code: bar[1].kind: a BAR with a size needs a kind");
}

TEST(Validate, RomSizeNotAPowerOfTwo)
{
	EXPECT_EQ(problem(device("rom_size = 0x3000\n")),
		  "nic.toml: rom_size: 0x3000 is not a power of two");
}

TEST(Validate, RomTooSmall)
{
	EXPECT_EQ(problem(device("rom_size = 1024\n")),
		  "nic.toml: rom_size: 0x400 is smaller than the minimum ROM size 0x800");
}

TEST(Validate, RomTooLarge)
{
	EXPECT_EQ(problem(device("rom_size = \"32MiB\"\n")),
		  "nic.toml: rom_size: 0x2000000 is larger than the maximum 0x1000000");
}

TEST(Validate, RomAddressWithoutRom)
{
	EXPECT_EQ(problem(device("rom_address = 0xfe000000\n")),
		  "nic.toml: rom_address: an address without a ROM (rom_size is 0)");
}

TEST(Validate, RomAddressMisaligned)
{
	EXPECT_EQ(problem(device("rom_size = 0x10000\nrom_address = 0xfe008000\n")),
		  "nic.toml: rom_address: 0xfe008000 is not aligned to the ROM size 0x10000");
}

TEST(Validate, PmeSupportTooWide)
{
	EXPECT_EQ(problem(device("[pm]\npme_support = 0x20\n")),
		  "nic.toml: pm.pme_support: 0x20 does not fit in 5 bits (D0, D1, D2, D3hot, "
		  "D3cold)");
}

TEST(Validate, MsiVectorsNotAPowerOfTwo)
{
	EXPECT_EQ(problem(device("[msi]\nvectors = 3\n")),
		  "nic.toml: msi.vectors: 3 is not 1, 2, 4, 8, 16 or 32");
}

TEST(Validate, MsiVectorsAbove32)
{
	EXPECT_EQ(problem(device("[msi]\nvectors = 64\n")),
		  "nic.toml: msi.vectors: 64 is not 1, 2, 4, 8, 16 or 32");
}

TEST(Validate, MsiVectorsZero)
{
	EXPECT_EQ(problem(device("[msi]\nvectors = 0\n")),
		  "nic.toml: msi.vectors: 0 is not 1, 2, 4, 8, 16 or 32");
}

std::string msix(const std::string &fields)
{
	return device(bar_toml(4, "mem64", "\"16KiB\"") + "[msix]\ntable_bar = 4\npba_bar = 4\n" +
		      "pba_offset = 0x2000\n" + fields);
}

TEST(Validate, MsixValidBaseline)
{
	EXPECT_EQ(problem(msix("vectors = 64\n")), "");
}

TEST(Validate, MsixVectorsZero)
{
	EXPECT_EQ(problem(msix("vectors = 0\n")), "nic.toml: msix.vectors: 0 is not in 1..2048");
}

TEST(Validate, MsixVectorsAbove2048)
{
	EXPECT_EQ(problem(msix("vectors = 2049\n")),
		  "nic.toml: msix.vectors: 2049 is not in 1..2048");
}

TEST(Validate, MsixTableBarUnused)
{
	EXPECT_EQ(problem(device(bar_toml(4, "mem64", "\"16KiB\"") + "[msix]\ntable_bar = 0\n"
								       "pba_bar = 4\n")),
		  "nic.toml: msix.table_bar: bar[0] is not a memory BAR");
}

TEST(Validate, MsixPbaBarIsIo)
{
	EXPECT_EQ(problem(device(bar_toml(4, "mem64", "\"16KiB\"") + bar_toml(0, "io", "16") +
				 "[msix]\ntable_bar = 4\npba_bar = 0\n")),
		  "nic.toml: msix.pba_bar: bar[0] is not a memory BAR");
}

TEST(Validate, MsixBarIndexOutOfRange)
{
	EXPECT_EQ(problem(device(bar_toml(4, "mem64", "\"16KiB\"") + "[msix]\ntable_bar = 7\n")),
		  "nic.toml: msix.table_bar: 7 is not a BAR index (0..5)");
}

TEST(Validate, MsixInRegisterBar)
{
	EXPECT_EQ(problem(device(bar_toml(0, "mem32", "\"1MiB\"",
					  "contents = \"registers\"\nmodel = \"edu\"") +
				 "[msix]\ntable_bar = 0\npba_bar = 0\npba_offset = 0x800\n")),
		  "nic.toml: msix.table_bar: bar[0] holds registers; the MSI-X structures need a "
		  "RAM BAR");
}

TEST(Validate, MsixTableOffsetUnaligned)
{
	EXPECT_EQ(problem(msix("table_offset = 4\n")),
		  "nic.toml: msix.table_offset: 0x4 is not 8-byte aligned");
}

TEST(Validate, MsixPbaOffsetUnaligned)
{
	EXPECT_EQ(problem(device(bar_toml(4, "mem64", "\"16KiB\"") +
				 "[msix]\ntable_bar = 4\npba_bar = 4\npba_offset = 0x2004\n")),
		  "nic.toml: msix.pba_offset: 0x2004 is not 8-byte aligned");
}

TEST(Validate, MsixTableOutsideItsBar)
{
	EXPECT_EQ(problem(msix("vectors = 64\ntable_offset = 0x3c08\n")),
		  "nic.toml: msix.table_offset: the table (0x400 bytes at 0x3c08) does not fit in "
		  "bar[4] (0x4000 bytes)");
}

TEST(Validate, MsixPbaOutsideItsBar)
{
	EXPECT_EQ(problem(device(bar_toml(4, "mem64", "\"16KiB\"") +
				 "[msix]\ntable_bar = 4\npba_bar = 4\npba_offset = 0x4000\n")),
		  "nic.toml: msix.pba_offset: the PBA (0x8 bytes at 0x4000) does not fit in bar[4] "
		  "(0x4000 bytes)");
}

TEST(Validate, MsixPbaOverlapsTable)
{
	EXPECT_EQ(problem(device(bar_toml(4, "mem64", "\"16KiB\"") +
				 "[msix]\nvectors = 64\ntable_bar = 4\npba_bar = 4\n"
				 "pba_offset = 0x200\n")),
		  "nic.toml: msix.pba_offset: the PBA overlaps the table");
}

TEST(Validate, ExpressMaxPayload)
{
	EXPECT_EQ(problem(device("[express]\nmax_payload = 8192\n")),
		  "nic.toml: express.max_payload: 8192 is not 128, 256, 512, 1024, 2048 or 4096");
	EXPECT_EQ(problem(device("[express]\nmax_payload = 64\n")),
		  "nic.toml: express.max_payload: 64 is not 128, 256, 512, 1024, 2048 or 4096");
}

TEST(Validate, ExpressPortTypeFromCode)
{
	DeviceDescription d = must_parse(device("[express]\n"));
	d.express->port_type = static_cast<ExpressPortType>(4);
	auto e = validate_device_description(d, "code");
	ASSERT_TRUE(e.has_value());
	EXPECT_EQ(e->message(), "code: express.port_type: not an endpoint type");
}

TEST(Validate, RegisterModelNames)
{
	EXPECT_EQ(register_model_names(), (std::vector<std::string>{"edu", "ivshmem"}));
}

} /* namespace */
} /* namespace softvfio::pci::test */
