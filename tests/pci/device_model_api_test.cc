/* SPDX-License-Identifier: MIT */
/*
 * The public device-model API (<softvfio/device_model.h>) on a model of
 * the test's own, registered with register_device_model(): what the
 * context offers (DMA and its errors, MSI/MSI-X/INTx, mirror, bounds) and
 * the device thread (deferred steps run under the function's lock, in
 * order, and a reset cancels the ones not run), the power-state hook.
 */
#include <algorithm>
#include <chrono>

#include <softvfio/device_model.h>

#include "pci_test_util.h"

namespace softvfio::pci::test {
namespace {

using namespace std::chrono_literals;

/* Registers: 0x00 the last DMA result, 0x08 writes start a step (cookie =
 * value), 0x10 counts steps run, 0x18 the last cookie, 0x20 the last
 * raise result, 0x28 the last power state + 1. Writes to 0x30 do DMA of 8
 * bytes from the IOVA written, 0x38 raise MSI-X vector (value), 0x40 MSI. */
class ProbeModel final : public DeviceModel
{
public:
	explicit ProbeModel(DeviceContext &context) : context_(context) {}

	uint64_t read(uint64_t offset, unsigned) override
	{
		switch (offset) {
		case 0x00: return static_cast<uint64_t>(dma_result_);
		case 0x10: return steps_;
		case 0x18: return last_cookie_;
		case 0x20: return static_cast<uint64_t>(raise_result_);
		case 0x28: return power_;
		case 0x48: return context_.bar_index() | (context_.bar_size() << 8);
		default: return 0;
		}
	}
	void write(uint64_t offset, unsigned, uint64_t value) override
	{
		uint64_t data = 0;
		switch (offset) {
		case 0x08: (void)context_.schedule(std::chrono::nanoseconds(0), value); break;
		case 0x30: dma_result_ = context_.dma_read(value, &data, sizeof(data)); break;
		case 0x38: raise_result_ = context_.raise_msix(static_cast<unsigned>(value)); break;
		case 0x40: raise_result_ = context_.raise_msi(static_cast<unsigned>(value)); break;
		case 0x50: raise_result_ = context_.mirror(value, &data, 8); break;
		default: break;
		}
	}
	void reset() override { steps_ = 0; last_cookie_ = 0; }
	void power_state_changed(unsigned state) override { power_ = state + 1; }
	void run_deferred(uint64_t cookie) override
	{
		/* Steps chained from a step run after it, in order. */
		if (cookie >= 100 && cookie < 103)
			(void)context_.schedule(std::chrono::nanoseconds(0), cookie + 1);
		if (cookie == 1000)
			(void)context_.schedule(std::chrono::hours(1), 1001);
		++steps_;
		last_cookie_ = cookie;
	}

private:
	DeviceContext &context_;
	int dma_result_ = 0;
	int raise_result_ = 0;
	uint64_t steps_ = 0;
	uint64_t last_cookie_ = 0;
	uint64_t power_ = 0;
};

class DeviceModelApi : public ::testing::Test
{
protected:
	static void SetUpTestSuite()
	{
		(void)register_device_model({"api-probe", 0x100, [](DeviceContext &context) {
						     return std::unique_ptr<DeviceModel>(new ProbeModel(context));
					     }});
	}
	void make(const std::string &extra = "")
	{
		fn = make_from_toml("vendor_id = 0x1234\n" + extra +
				    "\n[[bar]]\nindex = 1\nkind = \"mem32\"\nsize = \"4KiB\"\n"
				    "contents = \"registers\"\nmodel = \"api-probe\"\n"
				    "[[bar]]\nindex = 2\nkind = \"mem32\"\nsize = \"8KiB\"\n"
				    "[msix]\nvectors = 4\ntable_bar = 2\npba_bar = 2\npba_offset = 0x1000\n"
				    "[pm]\nno_soft_reset = true\n");
		ASSERT_TRUE(fn);
		fn->set_interrupt_sink(&sink);
	}
	uint64_t reg(uint64_t offset) { return bar_read64(*fn, 1, offset); }
	void set(uint64_t offset, uint64_t v) { bar_write64(*fn, 1, offset, v); }
	/* Let the device thread run every step due (30 s is a failure bound:
	 * it returns when they ran); then it has run `n` steps since reset. */
	bool steps_ran(uint64_t n) { return fn->wait_device_idle(30s) && reg(0x10) == n; }

	RecordingSink sink;
	FakeDma dma;
	std::unique_ptr<PciFunction> fn;
};

TEST_F(DeviceModelApi, RegisteredNamesAreKnownAndDuplicatesRefused)
{
	make();
	const auto names = register_model_names();
	EXPECT_NE(std::find(names.begin(), names.end(), "api-probe"), names.end());
	EXPECT_EQ(register_device_model({"edu", 16, [](DeviceContext &) { return std::unique_ptr<DeviceModel>(); }}),
		  -EEXIST);
	EXPECT_EQ(register_device_model({"plugin", 16, [](DeviceContext &) { return std::unique_ptr<DeviceModel>(); }}),
		  -EEXIST);
	EXPECT_EQ(register_device_model({"", 16, nullptr}), -EINVAL);
	EXPECT_EQ(parse_error("vendor_id = 0x1234\n[[bar]]\nindex = 0\nkind = \"mem32\"\nsize = 64\n"
			      "contents = \"registers\"\nmodel = \"api-probe\"\n"),
		  "test.toml: bar[0].size: 0x40 is too small for the api-probe model (it needs 0x100)");
}

TEST_F(DeviceModelApi, ContextKnowsItsBar)
{
	make();
	EXPECT_EQ(reg(0x48), 1u | (0x1000u << 8));
}

TEST_F(DeviceModelApi, DmaErrorsAreTheBusAndTheIommus)
{
	make();
	set(0x30, 0x1000);
	EXPECT_EQ(static_cast<int>(reg(0x00)), -EPERM) << "no bus mastering";
	enable_master(*fn);
	set(0x30, 0x1000);
	EXPECT_EQ(static_cast<int>(reg(0x00)), -ENODEV) << "no IOMMU domain";
	fn->set_dma_port(&dma);
	set(0x30, 0x1000);
	EXPECT_EQ(static_cast<int>(reg(0x00)), -EFAULT) << "unmapped IOVA";
	dma.map(0x1000, 4096);
	set(0x30, 0x1000);
	EXPECT_EQ(reg(0x00), 0u);
}

TEST_F(DeviceModelApi, InterruptsAndTheirBounds)
{
	make();
	enable_master(*fn);
	set(0x40, 0);
	EXPECT_EQ(static_cast<int>(reg(0x20)), -ENODEV) << "no MSI capability";
	set(0x38, 4);
	EXPECT_EQ(static_cast<int>(reg(0x20)), -EINVAL) << "beyond the table";
	set(0x38, 3);
	EXPECT_EQ(reg(0x20), 0u) << "MSI-X disabled: dropped, not an error";
	EXPECT_TRUE(sink.events().empty());
	set(0x50, 0x1000 - 4);
	EXPECT_EQ(static_cast<int>(reg(0x20)), -EINVAL) << "mirror past the BAR's end";
	set(0x50, 0x1000 - 8);
	EXPECT_EQ(reg(0x20), 0u);
}

TEST_F(DeviceModelApi, DeferredStepsRunOnTheDeviceThreadInOrder)
{
	make();
	set(0x08, 7);
	ASSERT_TRUE(steps_ran(1));
	EXPECT_EQ(reg(0x18), 7u);
	set(0x08, 100);   /* 100 schedules 101, which schedules 102, then 103 */
	ASSERT_TRUE(steps_ran(5));
	EXPECT_EQ(reg(0x18), 103u);
}

TEST_F(DeviceModelApi, AResetCancelsStepsNotRunYet)
{
	make("[express]\nflr = true");
	set(0x08, 1000);  /* runs, and schedules 1001 an hour later */
	ASSERT_TRUE(steps_ran(1));
	ASSERT_TRUE(fn->reset_function().ok());
	EXPECT_EQ(reg(0x10), 0u) << "reset() ran";
	set(0x08, 5);
	ASSERT_TRUE(steps_ran(1));
	EXPECT_EQ(reg(0x18), 5u);
}

TEST_F(DeviceModelApi, PowerStateChangesReachTheModel)
{
	make();
	EXPECT_EQ(reg(0x28), 0u);
	ASSERT_TRUE(fn->set_power_state(PowerState::D3hot).ok());
	EXPECT_EQ(reg(0x28), 4u) << "D3hot + 1 (bar_read leaves decode checks to its caller)";
	ASSERT_TRUE(fn->set_power_state(PowerState::D0).ok());
	EXPECT_EQ(reg(0x28), 1u) << "D0 + 1";
}

} /* namespace */
} /* namespace softvfio::pci::test */
