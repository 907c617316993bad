/* SPDX-License-Identifier: MIT */
/* VFIO_DEVICE_FEATURE: the generic validation of docs/semantics.md §2.2 /
 * §5.1 in order, the 6.12 probe table (§8.4), runtime low power. */
#include <fstream>
#include <sstream>
#include <sys/eventfd.h>
#include <unistd.h>

#include <softvfio/base/unique_fd.h>

#include "support/sigbus_probe.h"
#include "vfio/device/fixture.h"

namespace softvfio::test {
namespace {

class FeatureTest : public DeviceTest
{
protected:
	long feature(uint32_t flags, uint32_t argsz = 0, std::vector<uint8_t> payload = {})
	{
		std::vector<uint8_t> buf(sizeof(vfio_device_feature) + std::max<size_t>(payload.size(), 64));
		auto *f = reinterpret_cast<vfio_device_feature *>(buf.data());
		f->argsz = argsz ? argsz : static_cast<uint32_t>(sizeof(vfio_device_feature) + payload.size());
		f->flags = flags;
		if (!payload.empty())
			std::memcpy(buf.data() + sizeof(vfio_device_feature), payload.data(), payload.size());
		return ioctl(VFIO_DEVICE_FEATURE, buf.data());
	}
	static constexpr uint32_t GET = VFIO_DEVICE_FEATURE_GET;
	static constexpr uint32_t SET = VFIO_DEVICE_FEATURE_SET;
	static constexpr uint32_t PROBE = VFIO_DEVICE_FEATURE_PROBE;
	static constexpr uint32_t ENTRY = VFIO_DEVICE_FEATURE_LOW_POWER_ENTRY;
	static constexpr uint32_t EXIT = VFIO_DEVICE_FEATURE_LOW_POWER_EXIT;
	static constexpr uint32_t WAKEUP = VFIO_DEVICE_FEATURE_LOW_POWER_ENTRY_WITH_WAKEUP;

	/* Low power with a wake eventfd, which is returned. */
	UniqueFD enter_with_wakeup()
	{
		UniqueFD efd(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
		int32_t payload[2] = {efd.get(), 0};
		std::vector<uint8_t> bytes(reinterpret_cast<uint8_t *>(payload),
					   reinterpret_cast<uint8_t *>(payload) + 8);
		EXPECT_EQ(feature(SET | WAKEUP, 0, bytes), 0);
		return efd;
	}
	std::string power_attr(const std::string &name)
	{
		std::ifstream in(kernel_.sysfs_root() + "/bus/pci/devices/" + bdf_ + "/power/" + name);
		std::stringstream ss;
		ss << in.rdbuf();
		return ss.str();
	}
	long set_control(const std::string &value)
	{
		std::string path = "/sys/bus/pci/devices/" + bdf_ + "/power/control";
		return kernel_.sysfs_write(path, value.data(), value.size());
	}
	static uint64_t count(const UniqueFD &efd)
	{
		uint64_t n = 0;
		return ::read(efd.get(), &n, 8) == 8 ? n : 0;
	}
};

TEST_F(FeatureTest, HeaderCopyFaultIsEfault)
{
	open("nic");
	EXPECT_EQ(ioctl(VFIO_DEVICE_FEATURE, uintptr_t(0x10)), -EFAULT);
}

TEST_F(FeatureTest, ArgszBelowHeaderIsEinval)
{
	open("nic");
	EXPECT_EQ(feature(PROBE | SET | ENTRY, 7), -EINVAL);
}

/* Unknown flag bits are refused before the index is even looked at. */
TEST_F(FeatureTest, UnknownFlagBitsAreEinvalEvenForUnknownIndex)
{
	open("nic");
	EXPECT_EQ(feature(PROBE | (1u << 19) | 0x1234), -EINVAL);
}

TEST_F(FeatureTest, GetAndSetWithoutProbeIsEinval)
{
	open("nic");
	EXPECT_EQ(feature(GET | SET | 0x1234), -EINVAL);
	/* ...but with PROBE the generic layer lets it through to the index */
	EXPECT_EQ(feature(PROBE | GET | SET | 0x1234), -ENOTTY);
}

TEST_F(FeatureTest, UnknownIndexIsEnotty)
{
	open("nic");
	EXPECT_EQ(feature(PROBE | GET | 0xffff), -ENOTTY);
}

TEST_F(FeatureTest, UnsupportedDirectionIsEinval)
{
	open("nic");
	EXPECT_EQ(feature(PROBE | GET | ENTRY), -EINVAL);
}

TEST_F(FeatureTest, ProbeOfSupportedOpIsZero)
{
	open("nic");
	EXPECT_EQ(feature(PROBE | SET | ENTRY), 0);
	EXPECT_EQ(feature(PROBE | SET | EXIT), 0);
	EXPECT_EQ(feature(PROBE | SET | WAKEUP), 0);
}

TEST_F(FeatureTest, NeitherGetNorSetIsEinval)
{
	open("nic");
	EXPECT_EQ(feature(ENTRY), -EINVAL);
}

TEST_F(FeatureTest, PayloadShorterThanMinszIsEinval)
{
	open("nic");
	EXPECT_EQ(feature(SET | WAKEUP, sizeof(vfio_device_feature) + 4), -EINVAL);
}

/* §8.4: identical on 6.12.117 (and 6.1) for ivshmem and edu. */
TEST_F(FeatureTest, ProbeTableOfLinux612MatchesTheRealKernel)
{
	open("ivshmem-plain", ProfileId::Linux612);
	for (unsigned index : {0u, 1u, 8u, 10u, 11u, 12u, 13u, 14u}) {
		EXPECT_EQ(feature(PROBE | GET | index), -ENOTTY) << index;
		EXPECT_EQ(feature(PROBE | SET | index), -ENOTTY) << index;
	}
	for (unsigned index : {3u, 5u}) {
		EXPECT_EQ(feature(PROBE | GET | index), -EINVAL) << index;
		EXPECT_EQ(feature(PROBE | SET | index), 0) << index;
	}
}

TEST_F(FeatureTest, LowPowerEntryRevokesMappingsAndExitRestores)
{
	open("nic", ProfileId::Linux612);
	auto *p = static_cast<volatile uint32_t *>(map(region_offset(2), 4096));
	ASSERT_NE(p, MAP_FAILED);
	p[0] = 0x600dcafe;
	SigbusProbe probe;
	ASSERT_EQ(feature(SET | ENTRY), 0);
	EXPECT_TRUE(probe.read32(p).faulted);
	ASSERT_EQ(feature(SET | EXIT), 0);
	auto r = probe.read32(p);
	EXPECT_FALSE(r.faulted);
	EXPECT_EQ(r.value, 0x600dcafeu);
}

TEST_F(FeatureTest, SecondLowPowerEntryIsEinval)
{
	open("nic");
	ASSERT_EQ(feature(SET | ENTRY), 0);
	EXPECT_EQ(feature(SET | ENTRY), -EINVAL);
	ASSERT_EQ(feature(SET | EXIT), 0);
}

TEST_F(FeatureTest, LowPowerExitWhenNotEngagedSucceeds)
{
	open("nic");
	EXPECT_EQ(feature(SET | EXIT), 0);
}

/* With a wakeup eventfd, the next access to the device wakes it: the
 * eventfd is signalled and low power is left. */
TEST_F(FeatureTest, WakeupEventfdFiresOnNextIoctl)
{
	open("nic");
	UniqueFD efd(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
	int32_t payload[2] = {efd.get(), 0};
	std::vector<uint8_t> bytes(reinterpret_cast<uint8_t *>(payload), reinterpret_cast<uint8_t *>(payload) + 8);
	ASSERT_EQ(feature(SET | WAKEUP, 0, bytes), 0);
	auto state = kernel_.device_state(bdf_);
	ASSERT_TRUE(state);
	EXPECT_TRUE(state->low_power);
	vfio_device_info info{};
	info.argsz = sizeof(info);
	ASSERT_EQ(ioctl(VFIO_DEVICE_GET_INFO, &info), 0);
	uint64_t n = 0;
	EXPECT_EQ(::read(efd.get(), &n, 8), 8);
	EXPECT_EQ(n, 1u);
	EXPECT_FALSE(kernel_.device_state(bdf_)->low_power);
}

/* power/runtime_status shows the suspend a low-power entry makes. */
TEST_F(FeatureTest, RuntimeStatusIsSuspendedInLowPower)
{
	open("nic");
	EXPECT_EQ(power_attr("control"), "auto\n");
	EXPECT_EQ(power_attr("runtime_status"), "active\n");
	UniqueFD efd = enter_with_wakeup();
	EXPECT_EQ(power_attr("runtime_status"), "suspended\n");
	EXPECT_EQ(feature(SET | EXIT), 0);
	EXPECT_EQ(power_attr("runtime_status"), "active\n");
}

/* With runtime PM forbidden (power/control "on") the device never
 * suspends: memory stays disabled while engaged, but no resume happens,
 * so the wake eventfd stays quiet. */
TEST_F(FeatureTest, ForbiddenRuntimePmNeverSignalsTheWakeup)
{
	open("nic");
	ASSERT_EQ(set_control("on\n"), 3);
	EXPECT_EQ(power_attr("control"), "on\n");
	UniqueFD efd = enter_with_wakeup();
	EXPECT_EQ(power_attr("runtime_status"), "active\n");
	vfio_device_info info{};
	info.argsz = sizeof(info);
	ASSERT_EQ(ioctl(VFIO_DEVICE_GET_INFO, &info), 0);
	EXPECT_EQ(count(efd), 0u);
	EXPECT_TRUE(kernel_.device_state(bdf_)->low_power);
	EXPECT_EQ(feature(SET | EXIT), 0);
	EXPECT_EQ(count(efd), 0u);
	EXPECT_FALSE(kernel_.device_state(bdf_)->low_power);
}

/* Forbidding runtime PM resumes a suspended device, which signals. */
TEST_F(FeatureTest, ForbiddingRuntimePmWakesASuspendedDevice)
{
	open("nic");
	UniqueFD efd = enter_with_wakeup();
	ASSERT_EQ(set_control("on"), 2);
	EXPECT_EQ(count(efd), 1u);
	EXPECT_FALSE(kernel_.device_state(bdf_)->low_power);
	EXPECT_EQ(power_attr("runtime_status"), "active\n");
}

TEST_F(FeatureTest, PowerControlTakesOnlyAutoOrOn)
{
	open("nic");
	EXPECT_EQ(set_control("off"), -EINVAL);
	EXPECT_EQ(set_control("\n"), -EINVAL);
	EXPECT_EQ(set_control(""), 0) << "a write of no bytes never reaches the store";
	EXPECT_EQ(set_control("auto\n"), 5);
	EXPECT_EQ(power_attr("control"), "auto\n");
}

TEST_F(FeatureTest, WakeupWithBadEventfdIsEbadf)
{
	open("nic");
	int32_t payload[2] = {9999, 0};
	std::vector<uint8_t> bytes(reinterpret_cast<uint8_t *>(payload), reinterpret_cast<uint8_t *>(payload) + 8);
	EXPECT_EQ(feature(SET | WAKEUP, 0, bytes), -EBADF);
}

} /* namespace */
} /* namespace softvfio::test */
