/* SPDX-License-Identifier: MIT */
/*
 * Test fixtures: a VirtualConfig over a fake function, initialised, with
 * the hardware access log cleared, and helpers for user-sized accesses.
 */
#pragma once

#include <memory>

#include <gtest/gtest.h>

#include "vfio/config/fake_device.h"
#include "vfio/config/fake_hw.h"
#include "vfio/pci/config/virtual_config.h"

namespace softvfio::vfio::test {

class ConfigTest : public ::testing::Test
{
protected:
	void build(std::unique_ptr<FakeHardware> hardware)
	{
		hw = std::move(hardware);
		vc = std::make_unique<VirtualConfig>(dev, *hw);
		dev.config = vc.get();
		ASSERT_TRUE(vc->init());
		hw->clear_log();
	}

	/* A user read/write of `width` bytes that must succeed in full. */
	uint32_t rd(uint32_t pos, unsigned width)
	{
		uint32_t v = 0;
		EXPECT_EQ(vc->read(&v, width, pos), long(width)) << "read at " << pos;
		return v;
	}
	void wr(uint32_t pos, unsigned width, uint32_t v)
	{
		EXPECT_EQ(vc->write(&v, width, pos), long(width)) << "write at " << pos;
	}
	/* Hardware writes that touched [pos, pos + width). */
	size_t hw_writes_to(uint32_t pos, unsigned width)
	{
		size_t n = 0;
		for (const Access &a : hw->writes())
			n += a.offset < pos + width && pos < a.offset + a.width;
		return n;
	}

	std::unique_ptr<FakeHardware> hw;
	FakeConfigDevice dev;
	std::unique_ptr<VirtualConfig> vc;
};

class PcieConfig : public ConfigTest
{
protected:
	void SetUp() override { build(make_pcie_function()); }
};

class ConvConfig : public ConfigTest
{
protected:
	void SetUp() override { build(make_conventional_function()); }
};

} /* namespace softvfio::vfio::test */
