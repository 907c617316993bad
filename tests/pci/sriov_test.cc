/* SPDX-License-Identifier: MIT */
/*
 * SR-IOV on the PCI function: the [sriov] section (parsing, every
 * validation rule with its field), the SR-IOV extended capability of a
 * physical function (fields, write masks, VF BAR sizing) and the hardware
 * face of a virtual function (all-ones IDs, no pin, no memory enable).
 */
#include <memory>
#include <string>
#include <variant>

#include <gtest/gtest.h>

#include <softvfio/device_description.h>

#include "pci/pci_function.h"
#include "pci/regs.h"
#include "pci/sriov.h"

namespace softvfio::pci {
namespace {

namespace sr = sriov_regs;

const std::string kPf = R"(
name = "pf"
vendor_id = 0x1b36
device_id = 0x0010
class_code = 0x010802
[express]
flr = true
[[bar]]
index = 0
kind = "mem64"
size = "16KiB"
[sriov]
total_vfs = 4
initial_vfs = 4
vf_device_id = 0x0011
first_vf_offset = 1
vf_stride = 1
[[sriov.bar]]
index = 0
kind = "mem64"
size = "16KiB"
[[sriov.bar]]
index = 2
kind = "mem32"
prefetchable = true
size = "8KiB"
)";

DeviceDescription parse_ok(const std::string &toml)
{
	auto parsed = parse_device_description(toml, "pf.toml");
	if (auto *e = std::get_if<DescriptionError>(&parsed)) {
		ADD_FAILURE() << e->message();
		return {};
	}
	return std::get<DeviceDescription>(parsed);
}

/* The message of the first problem of `toml`. */
std::string problem(const std::string &toml)
{
	auto parsed = parse_device_description(toml, "pf.toml");
	auto *e = std::get_if<DescriptionError>(&parsed);
	return e ? e->message() : "(parsed)";
}

/* kPf with `from` replaced by `to`. */
std::string edited(const std::string &from, const std::string &to)
{
	std::string s = kPf;
	size_t at = s.find(from);
	EXPECT_NE(at, std::string::npos) << from;
	return at == std::string::npos ? s : s.replace(at, from.size(), to);
}

std::unique_ptr<PciFunction> build(const DeviceDescription &desc)
{
	auto fn = PciFunction::create(desc, 0x100'0000'0000ull);
	EXPECT_TRUE(fn);
	return fn ? std::move(*fn) : nullptr;
}

TEST(SriovDescription, ParsesEveryField)
{
	DeviceDescription d = parse_ok(kPf);
	ASSERT_TRUE(d.sriov);
	EXPECT_EQ(d.sriov->total_vfs, 4);
	EXPECT_EQ(d.sriov->initial_vfs, 4);
	EXPECT_EQ(d.sriov->vf_device_id, 0x0011);
	EXPECT_EQ(d.sriov->first_vf_offset, 1);
	EXPECT_EQ(d.sriov->vf_stride, 1);
	EXPECT_EQ(d.sriov->supported_page_sizes, 0x553u);
	EXPECT_EQ(d.sriov->vf_bars[0].kind, BarKind::Mem64);
	EXPECT_EQ(d.sriov->vf_bars[0].size, 16u << 10);
	EXPECT_EQ(d.sriov->vf_bars[2].kind, BarKind::Mem32);
	EXPECT_TRUE(d.sriov->vf_bars[2].prefetchable);
}

TEST(SriovDescription, NeedsExpress)
{
	std::string toml = edited("[express]\nflr = true\n", "");
	EXPECT_EQ(problem(toml), "pf.toml: sriov: SR-IOV is a PCI Express extended capability: it needs [express]");
}

TEST(SriovDescription, TotalVfsIsRequired)
{
	EXPECT_EQ(problem(edited("total_vfs = 4\n", "")),
		  "pf.toml: sriov.total_vfs: missing (how many VFs the function can have)");
}

TEST(SriovDescription, TotalVfsZero)
{
	EXPECT_EQ(problem(edited("total_vfs = 4\ninitial_vfs = 4", "total_vfs = 0\ninitial_vfs = 0")),
		  "pf.toml: sriov.total_vfs: 0 is not 1..256");
}

TEST(SriovDescription, TotalVfsAboveTheModelsLimit)
{
	EXPECT_EQ(problem(edited("total_vfs = 4\ninitial_vfs = 4", "total_vfs = 257\ninitial_vfs = 4")),
		  "pf.toml: sriov.total_vfs: 257 is not 1..256");
}

TEST(SriovDescription, TotalVfsMustFitSixteenBits)
{
	EXPECT_EQ(problem(edited("total_vfs = 4", "total_vfs = 65536")),
		  "pf.toml: sriov.total_vfs: 0x10000 is larger than 0xffff");
}

TEST(SriovDescription, InitialVfsAboveTotal)
{
	EXPECT_EQ(problem(edited("initial_vfs = 4", "initial_vfs = 5")),
		  "pf.toml: sriov.initial_vfs: 5 is more than total_vfs (4)");
}

TEST(SriovDescription, FirstVfOffsetZero)
{
	EXPECT_EQ(problem(edited("first_vf_offset = 1", "first_vf_offset = 0")),
		  "pf.toml: sriov.first_vf_offset: 0 would give VF 0 the PF's own routing ID");
}

TEST(SriovDescription, StrideZeroWithSeveralVfs)
{
	EXPECT_EQ(problem(edited("vf_stride = 1", "vf_stride = 0")),
		  "pf.toml: sriov.vf_stride: 0 would give every VF the same routing ID");
}

TEST(SriovDescription, NoPageSize)
{
	EXPECT_EQ(problem(edited("vf_stride = 1", "vf_stride = 1\nsupported_page_sizes = 0")),
		  "pf.toml: sriov.supported_page_sizes: no page size (bit n is 4 KiB << n)");
}

TEST(SriovDescription, UnknownKey)
{
	EXPECT_EQ(problem(edited("vf_stride = 1", "vf_stride = 1\nnum_vfs = 2")), "pf.toml: sriov.num_vfs: unknown key");
}

TEST(SriovDescription, NotATable)
{
	std::string toml = "vendor_id = 0x1b36\nsriov = 3\n[express]\n";
	EXPECT_EQ(problem(toml), "pf.toml: sriov: expected a table, found an integer");
}

TEST(SriovDescription, VfNeedsABar)
{
	std::string toml = kPf.substr(0, kPf.find("[[sriov.bar]]"));
	EXPECT_EQ(problem(toml), "pf.toml: sriov.bar: a VF needs at least one [[sriov.bar]]");
}

TEST(SriovDescription, VfBarIndexMissing)
{
	EXPECT_EQ(problem(edited("[[sriov.bar]]\nindex = 0\n", "[[sriov.bar]]\n")),
		  "pf.toml: sriov.bar[#1].index: missing (every [[sriov.bar]] needs its index, 0..5)");
}

TEST(SriovDescription, VfBarIoRefused)
{
	EXPECT_EQ(problem(edited("kind = \"mem32\"", "kind = \"io\"")),
		  "pf.toml: sriov.bar[2].kind: VF BARs are memory BARs (mem32 or mem64)");
}

TEST(SriovDescription, VfBarAddressRefused)
{
	EXPECT_EQ(problem(edited("size = \"8KiB\"", "size = \"8KiB\"\naddress = 0x80000000")),
		  "pf.toml: sriov.bar[2].address: VF BAR addresses are assigned by the model");
}

TEST(SriovDescription, VfBarRegistersRefused)
{
	EXPECT_EQ(problem(edited("size = \"8KiB\"", "size = \"8KiB\"\ncontents = \"registers\"\nmodel = \"edu\"")),
		  "pf.toml: sriov.bar[2].contents: VF BARs hold RAM");
}

TEST(SriovDescription, VfBarChecksAsAFunctionsBar)
{
	EXPECT_EQ(problem(edited("size = \"8KiB\"", "size = 0x3000")),
		  "pf.toml: sriov.bar[2].size: 0x3000 is not a power of two");
}

TEST(SriovDescription, VfBarUpperHalfTaken)
{
	EXPECT_EQ(problem(edited("index = 2\nkind = \"mem32\"", "index = 1\nkind = \"mem32\"")),
		  "pf.toml: sriov.bar[1].kind: slot 1 is the upper half of 64-bit sriov.bar[0]");
}

const std::string kVfMsix = "[sriov.msix]\nvectors = 4\ntable_bar = 0\ntable_offset = 0\npba_bar = 0\n"
			    "pba_offset = 0x1000\n";

TEST(SriovDescription, VfMsix)
{
	DeviceDescription d = parse_ok(kPf + kVfMsix);
	ASSERT_TRUE(d.sriov && d.sriov->vf_msix);
	EXPECT_EQ(d.sriov->vf_msix->vectors, 4u);
	EXPECT_EQ(d.sriov->vf_msix->pba_offset, 0x1000u);
	EXPECT_FALSE(d.msix);
}

TEST(SriovDescription, VfMsixUnknownKey)
{
	EXPECT_EQ(problem(kPf + kVfMsix + "entries = 2\n"), "pf.toml: sriov.msix.entries: unknown key");
}

TEST(SriovDescription, VfMsixChecksAsAFunctionsMsix)
{
	std::string toml = kPf + kVfMsix;
	toml.replace(toml.find("table_bar = 0"), 13, "table_bar = 1");
	EXPECT_EQ(problem(toml), "pf.toml: sriov.msix.table_bar: sriov.bar[1] is not a memory BAR");
}

TEST(VirtualFunction, HasTheVfMsix)
{
	auto fn = build(vf_description(parse_ok(kPf + kVfMsix), 0));
	ASSERT_TRUE(fn);
	uint16_t msix = fn->find_capability(regs::kCapIdMsix);
	ASSERT_NE(msix, 0);
	EXPECT_EQ(fn->config_read(msix + regs::kMsixFlags, 2) & 0x7ff, 3u);  /* 4 vectors */
	EXPECT_EQ(fn->config_read(msix + regs::kMsixPba, 4), 0x1000u);
}

TEST(SriovCapability, InExtendedConfigSpaceAt0x100)
{
	auto fn = build(parse_ok(kPf));
	ASSERT_TRUE(fn);
	EXPECT_EQ(fn->find_ext_capability(regs::kExtCapIdSriov), 0x100);
	uint32_t header = fn->config_read(0x100, 4);
	EXPECT_EQ(header & 0xffff, 0x0010u);
	EXPECT_EQ((header >> 16) & 0xf, 1u);  /* version */
	EXPECT_EQ(header >> 20, 0u);          /* the last extended capability */
}

TEST(SriovCapability, Fields)
{
	auto fn = build(parse_ok(kPf));
	ASSERT_TRUE(fn);
	const uint32_t at = 0x100;
	EXPECT_EQ(fn->config_read(at + sr::kCap, 4), 0u);
	EXPECT_EQ(fn->config_read(at + sr::kCtrl, 2), 0u);
	EXPECT_EQ(fn->config_read(at + sr::kInitialVf, 2), 4u);
	EXPECT_EQ(fn->config_read(at + sr::kTotalVf, 2), 4u);
	EXPECT_EQ(fn->config_read(at + sr::kNumVf, 2), 0u);
	EXPECT_EQ(fn->config_read(at + sr::kVfOffset, 2), 1u);
	EXPECT_EQ(fn->config_read(at + sr::kVfStride, 2), 1u);
	EXPECT_EQ(fn->config_read(at + sr::kVfDid, 2), 0x0011u);
	EXPECT_EQ(fn->config_read(at + sr::kSupPgsize, 4), 0x553u);
	EXPECT_EQ(fn->config_read(at + sr::kSysPgsize, 4), 1u);
	EXPECT_EQ(fn->config_read(at + sr::kBar0, 4), 0x4u);        /* 64-bit memory */
	EXPECT_EQ(fn->config_read(at + sr::kBar0 + 8, 4), 0x8u);    /* 32-bit prefetchable */
	EXPECT_EQ(fn->config_read(at + sr::kBar0 + 16, 4), 0u);
}

TEST(SriovCapability, InitialVfsDefaultsToTotal)
{
	auto fn = build(parse_ok(edited("initial_vfs = 4\n", "")));
	ASSERT_TRUE(fn);
	EXPECT_EQ(fn->config_read(0x100 + sr::kInitialVf, 2), 4u);
}

TEST(SriovCapability, NumVfsAndControlAreWritableTotalIsNot)
{
	auto fn = build(parse_ok(kPf));
	ASSERT_TRUE(fn);
	fn->config_write(0x100 + sr::kNumVf, 2, 3);
	fn->config_write(0x100 + sr::kCtrl, 2, 0xffff);
	fn->config_write(0x100 + sr::kTotalVf, 2, 9);
	fn->config_write(0x100 + sr::kVfDid, 2, 0x1234);
	EXPECT_EQ(fn->config_read(0x100 + sr::kNumVf, 2), 3u);
	EXPECT_EQ(fn->config_read(0x100 + sr::kCtrl, 2),
		  unsigned(sr::kCtrlVfEnable | sr::kCtrlVfMemoryEnable | sr::kCtrlAriHierarchy));
	EXPECT_EQ(fn->config_read(0x100 + sr::kTotalVf, 2), 4u);
	EXPECT_EQ(fn->config_read(0x100 + sr::kVfDid, 2), 0x0011u);
}

TEST(SriovCapability, VfBarsSizeLikeBars)
{
	auto fn = build(parse_ok(kPf));
	ASSERT_TRUE(fn);
	const uint32_t bar0 = 0x100 + sr::kBar0;
	fn->config_write(bar0, 4, 0xffffffff);
	fn->config_write(bar0 + 4, 4, 0xffffffff);
	EXPECT_EQ(fn->config_read(bar0, 4), 0xffffc004u);  /* 16 KiB per VF */
	EXPECT_EQ(fn->config_read(bar0 + 4, 4), 0xffffffffu);
	fn->config_write(bar0 + 8, 4, 0xffffffff);
	EXPECT_EQ(fn->config_read(bar0 + 8, 4), 0xffffe008u);  /* 8 KiB */
}

TEST(SriovCapability, SystemPageSizeTakesOnlySupportedBits)
{
	auto fn = build(parse_ok(kPf));
	ASSERT_TRUE(fn);
	fn->config_write(0x100 + sr::kSysPgsize, 4, 0xffffffff);
	EXPECT_EQ(fn->config_read(0x100 + sr::kSysPgsize, 4), 0x553u);
}

TEST(SriovCapability, AbsentWithoutSriov)
{
	auto fn = build(parse_ok(kPf.substr(0, kPf.find("[sriov]"))));
	ASSERT_TRUE(fn);
	EXPECT_EQ(fn->find_ext_capability(regs::kExtCapIdSriov), 0);
	EXPECT_EQ(fn->config_read(0x100, 4), 0u);
}

TEST(VirtualFunction, DescriptionFromThePf)
{
	DeviceDescription vf = vf_description(parse_ok(kPf), 2);
	EXPECT_EQ(vf.name, "pf-vf2");
	EXPECT_EQ(vf.vendor_id, 0x1b36);
	EXPECT_EQ(vf.device_id, 0x0011);
	EXPECT_EQ(vf.class_code, 0x010802u);
	EXPECT_EQ(vf.interrupt_pin, 0);
	EXPECT_TRUE(vf.virtual_function);
	ASSERT_TRUE(vf.express);
	EXPECT_TRUE(vf.express->flr);
	EXPECT_FALSE(vf.sriov);
	EXPECT_EQ(vf.bars[0].size, 16u << 10);
	EXPECT_FALSE(validate_device_description(vf, "vf"));
}

TEST(VirtualFunction, IdRegistersReadAllOnes)
{
	auto fn = build(vf_description(parse_ok(kPf), 0));
	ASSERT_TRUE(fn);
	EXPECT_EQ(fn->config_read(regs::kVendorId, 2), 0xffffu);
	EXPECT_EQ(fn->config_read(regs::kDeviceId, 2), 0xffffu);
	EXPECT_EQ(fn->config_read(regs::kInterruptPin, 1), 0u);
}

TEST(VirtualFunction, MemoryEnableIsReadOnlyZero)
{
	auto fn = build(vf_description(parse_ok(kPf), 0));
	ASSERT_TRUE(fn);
	fn->config_write(regs::kCommand, 2, regs::kCommandMemory | regs::kCommandMaster);
	EXPECT_EQ(fn->config_read(regs::kCommand, 2), unsigned(regs::kCommandMaster));
}

/* SR-IOV: a VF's own BAR registers are read-only zero; its BARs' sizes
 * and addresses are the PF capability's, which the function still knows. */
TEST(VirtualFunction, BarRegistersAreReadOnlyZero)
{
	DeviceDescription desc = vf_description(parse_ok(kPf), 1);
	desc.bars[0].address = 0x2'0000'4000ull;  /* VF 1's slices of the apertures */
	desc.bars[2].address = 0xc000'2000u;
	auto fn = build(desc);
	ASSERT_TRUE(fn);
	EXPECT_EQ(fn->bar(0).address, 0x2'0000'4000ull);
	for (unsigned i = 0; i < 6; i++) {
		EXPECT_EQ(fn->config_read(regs::bar_offset(i), 4), 0u) << "BAR" << i;
		fn->config_write(regs::bar_offset(i), 4, 0xffffffff);
		EXPECT_EQ(fn->config_read(regs::bar_offset(i), 4), 0u) << "BAR" << i << " sized";
	}
	ASSERT_TRUE(fn->reset_function());
	EXPECT_EQ(fn->config_read(regs::bar_offset(0), 4), 0u);
	EXPECT_EQ(fn->config_read(regs::bar_offset(1), 4), 0u);
	fn->power_on_reset();
	EXPECT_EQ(fn->config_read(regs::bar_offset(0), 4), 0u);
	EXPECT_EQ(fn->bar(0).address, 0x2'0000'4000ull);
}

TEST(VirtualFunction, CannotHaveVfs)
{
	DeviceDescription vf = vf_description(parse_ok(kPf), 0);
	vf.sriov = parse_ok(kPf).sriov;
	auto e = validate_device_description(vf, "vf");
	ASSERT_TRUE(e);
	EXPECT_EQ(e->message(), "vf: sriov: a virtual function cannot have VFs of its own");
}

} /* namespace */
} /* namespace softvfio::pci */
