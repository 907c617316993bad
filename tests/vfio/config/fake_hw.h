/* SPDX-License-Identifier: MIT */
/*
 * FakeHardware: a config space with hardware behaviour (per-bit write and
 * write-one-to-clear masks), recording every access, for checking the
 * virtualisation against layouts no device description can express.
 * Builders give the two reference functions of the tests: a PCIe function
 * (PM, MSI, MSI-X, PCIe, vendor, AF, hidden capabilities, extended chain)
 * and a conventional one (PM, 32-bit MSI, an I/O BAR, unassigned BARs).
 */
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <mutex>
#include <vector>

#include "vfio/pci/config/config_backend.h"

namespace softvfio::vfio::test {

struct Access {
	uint32_t offset;
	unsigned width;
	uint32_t value;
	bool operator==(const Access &) const = default;
};

class FakeHardware final : public ConfigBackend
{
public:
	explicit FakeHardware(uint32_t size) : size_(size) {}

	/* --- ConfigBackend --- */
	uint32_t cfg_size() const override { return size_; }
	uint32_t read(uint32_t offset, unsigned width) override;
	void write(uint32_t offset, unsigned width, uint32_t value) override;
	ResourceInfo bar(unsigned index) const override { return bars[index]; }
	ResourceInfo rom() const override { return rom_res; }
	Result<uint32_t> read_vpd(uint32_t addr) override;
	Result<void> write_vpd(uint32_t addr, uint32_t data) override;

	/* --- set-up and inspection (no masks, not recorded) --- */
	void set(uint32_t offset, unsigned width, uint32_t value);
	uint32_t get(uint32_t offset, unsigned width) const;
	void set_wmask(uint32_t offset, unsigned width, uint32_t mask);
	void set_w1c(uint32_t offset, unsigned width, uint32_t mask);
	/* A memory or I/O BAR with its register and resource. */
	void add_bar(unsigned index, uint64_t address, uint64_t size, bool io, bool prefetch,
		     bool mem64);
	void add_rom(uint32_t address, uint32_t size);
	/* A standard capability header. */
	void add_cap(uint32_t pos, uint8_t id, uint8_t next);
	/* An extended capability header. */
	void add_ecap(uint32_t pos, uint16_t id, unsigned version, uint16_t next);

	std::vector<Access> writes() const;
	std::vector<Access> reads() const;
	void clear_log();

	std::array<ResourceInfo, 6> bars{};
	ResourceInfo rom_res{};
	/* VPD storage; empty: transactions fail. */
	std::vector<uint8_t> vpd;

private:
	uint32_t size_;
	mutable std::mutex mutex_;
	std::array<uint8_t, 4096> data_{};
	std::array<uint8_t, 4096> wmask_{};
	std::array<uint8_t, 4096> w1c_{};
	std::vector<Access> writes_;
	std::vector<Access> reads_;
};

/* Reference layouts; offsets are in the builders (fake_hw.cc). */
namespace pcie {
constexpr uint32_t kPm = 0x40, kMsi = 0x50, kMsix = 0x70, kExp = 0x80, kVndr = 0xc0,
		   kHidden1 = 0xc8, kAf = 0xd0, kHidden2 = 0xd8, kAer = 0x100,
		   kL1ss = 0x140, kDsn = 0x150, kEvndr = 0x160;
}
namespace conv {
constexpr uint32_t kPm = 0x40, kMsi = 0x48;
}

std::unique_ptr<FakeHardware> make_pcie_function();
std::unique_ptr<FakeHardware> make_conventional_function();

} /* namespace softvfio::vfio::test */
