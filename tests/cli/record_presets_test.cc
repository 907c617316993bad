/* SPDX-License-Identifier: MIT */
/*
 * END TO END: `softvfio record` of softvfio's own devices. Each built-in
 * preset is recorded from the sysfs `softvfio run` emulates for it, and the
 * recording is checked against the preset: both are parsed, built in a
 * Kernel, and what the uAPI reports of them (device info, every region's
 * info with its capability chain, every irq's info, the config space bytes)
 * must be the same.
 */
#include <cctype>
#include <cstring>
#include <variant>
#include <vector>

#include <gtest/gtest.h>

#include <softvfio/device_description.h>
#include <softvfio/kernel.h>
#include <softvfio/uapi/vfio.h>

#include "cli/record_toml.h"
#include "cli/spawn.h"

namespace softvfio::test {
namespace {

/* Where a session puts its first device. */
constexpr const char *kFirstBdf = "5f00:00:01.0";

/* What a program learns of a device through the uAPI, as raw bytes. */
struct UapiView {
	vfio_device_info info{};
	std::vector<std::vector<uint8_t>> regions;   /* vfio_region_info + capability chain */
	std::vector<vfio_irq_info> irqs;
	std::vector<uint8_t> config;
};

UapiView view_of(const DeviceDescription &desc)
{
	UapiView v;
	Kernel kernel;
	auto bdf = kernel.add_device(desc);
	EXPECT_TRUE(bdf) << desc.name;
	if (!bdf)
		return v;
	int fd = static_cast<int>(kernel.open_device(*bdf));
	EXPECT_GE(fd, 0);
	if (fd < 0)
		return v;
	v.info.argsz = sizeof(v.info);
	EXPECT_EQ(kernel.ioctl(fd, VFIO_DEVICE_GET_INFO, &v.info), 0);
	for (uint32_t i = 0; i < v.info.num_regions; ++i) {
		/* Asked twice, as a program does: the size, then the chain. */
		vfio_region_info head{};
		head.argsz = sizeof(head);
		head.index = i;
		long r = kernel.ioctl(fd, VFIO_DEVICE_GET_REGION_INFO, &head);
		std::vector<uint8_t> bytes(std::max<size_t>(head.argsz, sizeof(head)));
		if (r == 0) {
			auto *full = reinterpret_cast<vfio_region_info *>(bytes.data());
			full->argsz = static_cast<uint32_t>(bytes.size());
			full->index = i;
			EXPECT_EQ(kernel.ioctl(fd, VFIO_DEVICE_GET_REGION_INFO, full), 0);
			if (i == VFIO_PCI_CONFIG_REGION_INDEX) {
				v.config.resize(full->size);
				EXPECT_EQ(kernel.pread(fd, v.config.data(), v.config.size(),
						       static_cast<off_t>(full->offset)),
					  static_cast<long>(v.config.size()));
			}
		} else {
			bytes.assign(sizeof(long), 0);
			std::memcpy(bytes.data(), &r, sizeof(r));   /* the errno is part of the view */
		}
		v.regions.push_back(std::move(bytes));
	}
	for (uint32_t i = 0; i < v.info.num_irqs; ++i) {
		vfio_irq_info irq{};
		irq.argsz = sizeof(irq);
		irq.index = i;
		if (kernel.ioctl(fd, VFIO_DEVICE_GET_IRQ_INFO, &irq) != 0)
			irq.flags = 0xffffffff;
		v.irqs.push_back(irq);
	}
	kernel.close(fd);
	return v;
}

/* What sysfs cannot show (a BAR's contents, what a reset does to it) and
 * what the recording names itself, set alike on both sides. */
std::string comparable_toml(DeviceDescription d)
{
	d.name.clear();
	for (BarDescription &bar : d.bars) {
		bar.contents = BarContents::Ram;
		bar.model.clear();
		bar.clear_on_reset = false;
	}
	return cli::record::description_toml(d);
}

class RecordPresetTest : public ::testing::TestWithParam<std::string>
{
protected:
	/* The preset, recorded under softvfio run; fails the test on an error. */
	std::variant<DeviceDescription, DescriptionError> recorded()
	{
		Outcome o = run({SOFTVFIO_BINARY, "run", "--device", GetParam(), "--", SOFTVFIO_BINARY, "record",
				 kFirstBdf});
		EXPECT_EQ(o.status, 0) << o.err;
		/* No warning of its own (a sanitizer's report is not record's). */
		EXPECT_EQ(o.err.find("softvfio record"), std::string::npos) << o.err;
		text_ = o.out;
		return parse_device_description(o.out, "recorded-" + GetParam() + ".toml");
	}
	std::string text_;
};

/* The recording `text`, parsed as `copy`, builds what `original` builds.
 * A BAR the original leaves to the model (address 0) is recorded at the
 * address the model gave it: the config bytes compare that one. */
void expect_same_device(const DeviceDescription &original, const DeviceDescription &copy, const std::string &text)
{
	DeviceDescription same = copy;
	for (size_t i = 0; i < same.bars.size(); ++i)
		if (!original.bars[i].address)
			same.bars[i].address = 0;
	EXPECT_EQ(comparable_toml(same), comparable_toml(original)) << text;

	UapiView a = view_of(original), b = view_of(copy);
	EXPECT_EQ(b.info.flags, a.info.flags);
	EXPECT_EQ(b.info.num_regions, a.info.num_regions);
	EXPECT_EQ(b.info.num_irqs, a.info.num_irqs);
	ASSERT_EQ(b.regions.size(), a.regions.size());
	for (size_t i = 0; i < a.regions.size(); ++i)
		EXPECT_EQ(b.regions[i], a.regions[i]) << "region " << i;
	ASSERT_EQ(b.irqs.size(), a.irqs.size());
	for (size_t i = 0; i < a.irqs.size(); ++i) {
		EXPECT_EQ(b.irqs[i].flags, a.irqs[i].flags) << "irq " << i;
		EXPECT_EQ(b.irqs[i].count, a.irqs[i].count) << "irq " << i;
	}
	ASSERT_FALSE(a.config.empty());
	EXPECT_EQ(b.config, a.config);
}

TEST_P(RecordPresetTest, RecordingDescribesTheSameDevice)
{
	auto original = preset(GetParam());
	ASSERT_TRUE(original);
	auto parsed = recorded();
	auto *copy = std::get_if<DeviceDescription>(&parsed);
	ASSERT_TRUE(copy) << std::get<DescriptionError>(parsed).message() << "\n" << text_;
	expect_same_device(*original, *copy, text_);
}

TEST_P(RecordPresetTest, NothingLeftOut)
{
	recorded();
	EXPECT_EQ(text_.find("left out"), std::string::npos) << text_;
}

INSTANTIATE_TEST_SUITE_P(Presets, RecordPresetTest, ::testing::ValuesIn(preset_names()),
			 [](const ::testing::TestParamInfo<std::string> &param) {
				 std::string name = param.param;
				 for (char &c : name)
					 if (!isalnum(static_cast<unsigned char>(c)))
						 c = '_';
				 return name;
			 });

/* SR-IOV physical functions from description files, recorded as the
 * presets are; `vfs` VFs are enabled first (sriov_numvfs, as a setup
 * script does), so that the VFs' MSI-X can be read from VF 0's config. */
struct SriovCase {
	const char *file;
	unsigned vfs;
};

const char *const kPfDir = "/sys/bus/pci/devices/5f00:00:01.0";

/* `softvfio run --device FILE -- sh -c '...; softvfio record BDF'`. */
Outcome record_under_run(const SriovCase &c, const std::string &bdf)
{
	std::string script;
	if (c.vfs)
		script = "echo Y > /sys/module/vfio_pci/parameters/enable_sriov && echo " + std::to_string(c.vfs) +
			 " > " + kPfDir + "/sriov_numvfs && ";
	script += "exec \"$0\" record \"$1\"";
	return run({SOFTVFIO_BINARY, "run", "--device", std::string(SOFTVFIO_TEST_DATA) + "/" + c.file, "--", "sh",
		    "-c", script, SOFTVFIO_BINARY, bdf});
}

class RecordSriovE2eTest : public ::testing::TestWithParam<SriovCase>
{
};

TEST_P(RecordSriovE2eTest, RecordingDescribesTheSamePf)
{
	auto original = load_device_description(std::string(SOFTVFIO_TEST_DATA) + "/" + GetParam().file);
	ASSERT_TRUE(std::holds_alternative<DeviceDescription>(original))
		<< std::get<DescriptionError>(original).message();
	ASSERT_TRUE(std::get<DeviceDescription>(original).sriov);
	Outcome o = record_under_run(GetParam(), kFirstBdf);
	ASSERT_EQ(o.status, 0) << o.err;
	EXPECT_EQ(o.err.find("softvfio record"), std::string::npos) << o.err;
	auto parsed = parse_device_description(o.out, "recorded.toml");
	auto *copy = std::get_if<DeviceDescription>(&parsed);
	ASSERT_TRUE(copy) << std::get<DescriptionError>(parsed).message() << "\n" << o.out;
	ASSERT_TRUE(copy->sriov) << o.out;
	EXPECT_EQ(copy->sriov->vf_msix.has_value(), GetParam().vfs > 0) << o.out;
	expect_same_device(std::get<DeviceDescription>(original), *copy, o.out);
	EXPECT_EQ(o.out.find("left out"), std::string::npos) << o.out;
}

INSTANTIATE_TEST_SUITE_P(Files, RecordSriovE2eTest,
			 ::testing::Values(SriovCase{"record_sriov_pf.toml", 0}, SriovCase{"record_sriov_msix_pf.toml", 1}),
			 [](const ::testing::TestParamInfo<SriovCase> &param) {
				 return param.param.vfs ? std::string("WithAVfEnabled") : std::string("WithoutVfs");
			 });

/* A VF under softvfio run: refused, naming the PF to record instead. */
TEST(RecordSriovE2e, AVirtualFunctionIsRefused)
{
	Outcome o = record_under_run({"record_sriov_msix_pf.toml", 1}, "5f00:00:03.0");
	EXPECT_EQ(o.status, 3) << o.err;
	EXPECT_TRUE(o.out.empty()) << o.out;
	EXPECT_NE(o.err.find("a virtual function of 5f00:00:01.0"), std::string::npos) << o.err;
}

} /* namespace */
} /* namespace softvfio::test */
