/* SPDX-License-Identifier: MIT */
/*
 * FakeConfigDevice: a ConfigDevice that records every hook call and checks
 * the lock order. It holds a shared_mutex standing in for memory_lock while
 * it runs `apply` and its other hooks, and fails the test if a hook is
 * entered with the config's state mutex held (which would invert the order
 * memory_lock -> state mutex).
 */
#pragma once

#include <cstdlib>
#include <mutex>
#include <shared_mutex>
#include <vector>

#include <gtest/gtest.h>

#include "pci/regs.h"
#include "vfio/pci/config/config_device.h"
#include "vfio/pci/config/virtual_config.h"

namespace softvfio::vfio::test {

enum class Hook { Command, Power, Reset, Intx };

struct HookCall {
	Hook hook;
	bool flag = false;                 /* Command: new_memory; Intx: disabled */
	pci::PowerState state = pci::PowerState::D0;
	bool memory_enabled_after = false; /* Command: the predicate after apply */
	bool operator==(const HookCall &) const = default;
};

class FakeConfigDevice final : public ConfigDevice
{
public:
	/* The function, for tests that use a real one; none by default. */
	pci::PciFunction *fn = nullptr;
	/* Set after construction so hooks can check the lock order. */
	VirtualConfig *config = nullptr;
	std::shared_mutex memory_lock;

	pci::PciFunction &function() override
	{
		if (!fn)
			std::abort();
		return *fn;
	}

	void locked_command_write(bool new_memory, const std::function<void()> &apply) override
	{
		check_lock_order();
		std::unique_lock g(memory_lock);
		apply();
		const bool enabled = config->virtual_command() & pci::regs::kCommandMemory;
		record({Hook::Command, new_memory, pci::PowerState::D0, enabled});
	}

	void set_power_state_from_config(pci::PowerState state) override
	{
		check_lock_order();
		std::unique_lock g(memory_lock);
		record({Hook::Power, false, state, false});
	}

	void reset_from_config() override
	{
		check_lock_order();
		std::unique_lock g(memory_lock);
		record({Hook::Reset});
	}

	void intx_disable_changed(bool disabled) override
	{
		check_lock_order();
		record({Hook::Intx, disabled});
	}

	std::vector<HookCall> calls()
	{
		std::lock_guard g(calls_mutex_);
		return calls_;
	}
	void clear()
	{
		std::lock_guard g(calls_mutex_);
		calls_.clear();
	}

private:
	void check_lock_order()
	{
		if (config) {
			EXPECT_FALSE(config->state_locked_by_caller())
				<< "hook called with the config state mutex held";
		}
	}
	void record(const HookCall &c)
	{
		std::lock_guard g(calls_mutex_);
		calls_.push_back(c);
	}

	std::mutex calls_mutex_;
	std::vector<HookCall> calls_;
};

} /* namespace softvfio::vfio::test */
