/* SPDX-License-Identifier: MIT */
/*
 * A plugin call that does not return holds up only what must be ordered
 * after it: the next access to the same device's registers (and a reset,
 * a power change, a deferred step). Config reads of the same function,
 * the sysfs view (synced, reading every function's config space, when a
 * process joins the session) and other devices go on while it hangs.
 *
 * blocking_plugin.c blocks in its read of 0x10 until the test lets it go
 * (blocking_gate.h); the call timeout is far away here, so nothing ends
 * by it. Its end by the timeout is in plugin_isolation_test.cc.
 */
#include <atomic>
#include <chrono>
#include <fstream>
#include <future>
#include <sstream>

#include <softvfio/device_description.h>

#include "access/access_fixture.h"
#include "plugin/blocking_gate.h"

namespace softvfio::test {
namespace {

using namespace std::chrono_literals;

/* Before anything reads it (device_host.cc caches it on first use). */
const bool kLongTimeout = [] { return ::setenv("SOFTVFIO_PLUGIN_TIMEOUT_MS", "600000", 1) == 0; }();

const char *const kPlugin = "0000:00:01.0";

class PluginBlockedCall : public AccessTest
{
protected:
	void SetUp() override
	{
		ASSERT_TRUE(kLongTimeout);
		ASSERT_TRUE(gate.ok());
		auto resolved = resolve_device(BLOCKING_PLUGIN);
		ASSERT_TRUE(std::holds_alternative<DeviceDescription>(resolved));
		DeviceOptions options;
		options.bdf = kPlugin;
		options.iommu_group = 1;
		ASSERT_TRUE(kernel_->add_device(std::get<DeviceDescription>(resolved), options));
		add("edu", kEdu, 2);
		plugin = type1(kPlugin, 1);
		edu = type1(kEdu, 2);
		bus_master(plugin.device);
		bus_master(edu.device);
	}
	uint32_t bar_read32(int dev, uint64_t offset)
	{
		uint32_t v = 0;
		EXPECT_EQ(kernel_->pread(dev, &v, 4, static_cast<off_t>(kBar0 + offset)), 4);
		return v;
	}
	std::string read_sysfs(const std::string &relative)
	{
		std::ifstream in(kernel_->sysfs_root() + "/bus/pci/devices/" + relative);
		std::stringstream ss;
		ss << in.rdbuf();
		return ss.str();
	}

	BlockingGate gate;
	Type1 plugin, edu;
};

TEST_F(PluginBlockedCall, ConfigSysfsAndOtherDevicesGoOnWhileACallHangs)
{
	EXPECT_EQ(bar_read32(plugin.device, 0x00), 0x600du);
	std::atomic<bool> returned{false};
	auto hung = std::async(std::launch::async, [&] {
		const uint32_t v = bar_read32(plugin.device, 0x10);
		returned = true;
		return v;
	});
	ASSERT_TRUE(gate.wait_entered()) << "the plugin never got into its read";

	/* Its own config space, through vfio-pci. */
	EXPECT_EQ(cfg_read16(plugin.device, 0x00), 0x1234u);
	EXPECT_EQ(cfg_read16(plugin.device, 0x02), 0xb10cu);
	/* The sysfs view, synced from every function's config space. */
	EXPECT_EQ(read_sysfs(std::string(kPlugin) + "/device"), "0xb10c\n");
	EXPECT_EQ(read_sysfs(std::string(kEdu) + "/vendor"), "0x1234\n");
	/* Another device, its registers and its config. */
	EXPECT_EQ(bar_read32(edu.device, 0x00), 0x010000edu);
	EXPECT_EQ(cfg_read16(edu.device, 0x02), 0x11e8u);
	/* The next access to the hung device's registers is ordered after the
	 * call: it has not been answered while the call hangs. */
	auto next = std::async(std::launch::async, [&] { return bar_read32(plugin.device, 0x08); });
	EXPECT_FALSE(returned) << "everything above was done while the call still hung";
	EXPECT_EQ(next.wait_for(0s), std::future_status::timeout);

	ASSERT_TRUE(gate.release());
	EXPECT_EQ(hung.get(), 0x5107u);
	EXPECT_EQ(next.get(), 0u);
	EXPECT_EQ(bar_read32(plugin.device, 0x00), 0x600du) << "the device goes on";
}

} /* namespace */
} /* namespace softvfio::test */
