/* SPDX-License-Identifier: MIT */
#include "vfio/config/fake_hw.h"

#include <cerrno>

#include "pci/regs.h"

namespace softvfio::vfio::test {

namespace r = pci::regs;

uint32_t FakeHardware::read(uint32_t offset, unsigned width)
{
	std::lock_guard g(mutex_);
	uint32_t v = 0;
	for (unsigned i = 0; i < width; i++)
		v |= uint32_t(data_[offset + i]) << (8 * i);
	reads_.push_back({offset, width, v});
	return v;
}

/* Writable bits take the new value; write-one-to-clear bits clear where a
 * 1 is written; everything else keeps its value. */
void FakeHardware::write(uint32_t offset, unsigned width, uint32_t value)
{
	std::lock_guard g(mutex_);
	writes_.push_back({offset, width, value});
	for (unsigned i = 0; i < width; i++) {
		const uint32_t o = offset + i;
		const auto v = uint8_t(value >> (8 * i));
		uint8_t b = uint8_t((data_[o] & ~wmask_[o]) | (v & wmask_[o]));
		b = uint8_t(b & ~(v & w1c_[o]));
		data_[o] = b;
	}
}

Result<uint32_t> FakeHardware::read_vpd(uint32_t addr)
{
	if (addr + 4 > vpd.size())
		return err(EIO);
	uint32_t v = 0;
	for (unsigned i = 0; i < 4; i++)
		v |= uint32_t(vpd[addr + i]) << (8 * i);
	return v;
}

Result<void> FakeHardware::write_vpd(uint32_t addr, uint32_t data)
{
	if (addr + 4 > vpd.size())
		return err(EIO);
	for (unsigned i = 0; i < 4; i++)
		vpd[addr + i] = uint8_t(data >> (8 * i));
	return {};
}

void FakeHardware::set(uint32_t offset, unsigned width, uint32_t value)
{
	std::lock_guard g(mutex_);
	for (unsigned i = 0; i < width; i++)
		data_[offset + i] = uint8_t(value >> (8 * i));
}

uint32_t FakeHardware::get(uint32_t offset, unsigned width) const
{
	std::lock_guard g(mutex_);
	uint32_t v = 0;
	for (unsigned i = 0; i < width; i++)
		v |= uint32_t(data_[offset + i]) << (8 * i);
	return v;
}

void FakeHardware::set_wmask(uint32_t offset, unsigned width, uint32_t mask)
{
	for (unsigned i = 0; i < width; i++)
		wmask_[offset + i] = uint8_t(mask >> (8 * i));
}

void FakeHardware::set_w1c(uint32_t offset, unsigned width, uint32_t mask)
{
	for (unsigned i = 0; i < width; i++)
		w1c_[offset + i] = uint8_t(mask >> (8 * i));
}

void FakeHardware::add_bar(unsigned index, uint64_t address, uint64_t size, bool io, bool prefetch,
			   bool mem64)
{
	const uint32_t off = r::bar_offset(index);
	const uint64_t mask = ~(size - 1);
	uint32_t flags = io ? r::kBarSpaceIo : 0;
	if (prefetch)
		flags |= r::kBarMemPrefetch;
	if (mem64)
		flags |= r::kBarMemType64;
	set(off, 4, uint32_t(address) | flags);
	set_wmask(off, 4, uint32_t(mask) & (io ? r::kBarIoMask : r::kBarMemMask));
	if (mem64) {
		set(off + 4, 4, uint32_t(address >> 32));
		set_wmask(off + 4, 4, uint32_t(mask >> 32));
	}
	bars[index] = ResourceInfo{true, size, io, prefetch, mem64};
}

void FakeHardware::add_rom(uint32_t address, uint32_t size)
{
	set(r::kRomAddress, 4, address);
	set_wmask(r::kRomAddress, 4, (~(size - 1) & r::kRomAddressMask) | r::kRomEnable);
	rom_res = ResourceInfo{true, size, false, false, false};
}

void FakeHardware::add_cap(uint32_t pos, uint8_t id, uint8_t next)
{
	set(pos, 1, id);
	set(pos + 1, 1, next);
}

void FakeHardware::add_ecap(uint32_t pos, uint16_t id, unsigned version, uint16_t next)
{
	set(pos, 4, r::ext_cap_header(id, version, next));
}

std::vector<Access> FakeHardware::writes() const
{
	std::lock_guard g(mutex_);
	return writes_;
}

std::vector<Access> FakeHardware::reads() const
{
	std::lock_guard g(mutex_);
	return reads_;
}

void FakeHardware::clear_log()
{
	std::lock_guard g(mutex_);
	writes_.clear();
	reads_.clear();
}

namespace {

void common_header(FakeHardware &hw, uint16_t vendor, uint16_t device, uint16_t command)
{
	hw.set(r::kVendorId, 2, vendor);
	hw.set(r::kDeviceId, 2, device);
	hw.set(r::kCommand, 2, command);
	hw.set_wmask(r::kCommand, 2, 0x0547); /* IO MEM MASTER PARITY SERR INTX_DISABLE */
	hw.set(r::kStatus, 2, r::kStatusCapList);
	hw.set_w1c(r::kStatus, 2, r::kStatusRw1cMask);
	hw.set_wmask(r::kCacheLineSize, 1, 0xff);
	hw.set_wmask(r::kLatencyTimer, 1, 0xff);
	hw.set_wmask(r::kBist, 1, 0x40);
	hw.set(r::kCapabilityList, 1, 0x40);
	hw.set_wmask(r::kInterruptLine, 1, 0xff);
	hw.set(r::kInterruptPin, 1, 1);
}

void pcie_caps(FakeHardware &hw)
{
	using namespace pcie;
	hw.add_cap(kPm, r::kCapIdPm, kMsi);
	hw.set(kPm + r::kPmPmc, 2, 0xc803);             /* PME from D0/D3hot/D3cold */
	hw.set(kPm + r::kPmCtrl, 2, 0x8100);            /* PME status and enable set */
	hw.set_wmask(kPm + r::kPmCtrl, 2, 0x1f03);
	hw.set_w1c(kPm + r::kPmCtrl, 2, 0x8000);

	hw.add_cap(kMsi, r::kCapIdMsi, kMsix);
	hw.set(kMsi + r::kMsiFlags, 2, 0x0186);          /* 8 vectors, 64-bit, maskable */
	hw.set_wmask(kMsi + r::kMsiFlags, 2, 0x0071);
	hw.set_wmask(kMsi + r::kMsiAddressLo, 4, 0xfffffffc);
	hw.set_wmask(kMsi + r::kMsiAddressHi, 4, 0xffffffff);
	hw.set_wmask(kMsi + r::kMsiData64, 2, 0xffff);
	hw.set_wmask(kMsi + r::kMsiMask64, 4, 0xff);
	hw.set(kMsi + r::kMsiPending64, 4, 0x2);

	hw.add_cap(kMsix, r::kCapIdMsix, kExp);
	hw.set(kMsix + r::kMsixFlags, 2, 63);
	hw.set_wmask(kMsix + r::kMsixFlags, 2, 0xc000);
	hw.set(kMsix + r::kMsixTable, 4, 4);
	hw.set(kMsix + r::kMsixPba, 4, 0x2004);

	hw.add_cap(kExp, r::kCapIdExpress, kVndr);
	hw.set(kExp + r::kExpFlags, 2, 0x0002);          /* v2 endpoint */
	hw.set(kExp + r::kExpDevCap, 4, 0x10000001);     /* FLR, MPS 256 supported */
	hw.set(kExp + r::kExpDevCtl, 2, 0x2830);         /* MRRS 512, MPS 256, NS, RO */
	hw.set_wmask(kExp + r::kExpDevCtl, 2, 0x7fff);
	hw.set(kExp + r::kExpDevSta, 2, 0x0005);
	hw.set_w1c(kExp + r::kExpDevSta, 2, 0x000f);
	hw.set_wmask(kExp + r::kExpLnkCtl, 2, 0xffff);
	hw.set_wmask(kExp + r::kExpDevCtl2, 2, 0xffff);
	hw.set(kExp + r::kExpLnkSta2, 2, 0x001e);
	hw.set_wmask(kExp + r::kExpLnkSta2, 2, 0xffff);

	hw.add_cap(kVndr, r::kCapIdVendor, kHidden1);
	hw.set(kVndr + 2, 1, 8);
	hw.set(kVndr + 4, 4, 0x000000aa);
	hw.set_wmask(kVndr + 3, 1, 0xff);
	hw.set_wmask(kVndr + 4, 4, 0xffffffff);

	hw.add_cap(kHidden1, 0x04, kAf);                 /* slot ID: hidden */
	hw.set(kHidden1 + 2, 2, 0x5555);

	hw.add_cap(kAf, r::kCapIdAf, kHidden2);
	hw.set(kAf + r::kAfLength, 1, 6);
	hw.set(kAf + r::kAfCap, 1, r::kAfCapTp | r::kAfCapFlr);
	hw.set_wmask(kAf + r::kAfCtrl, 1, r::kAfCtrlFlr);

	hw.add_cap(kHidden2, 0x0c, 0);                   /* SHPC: hidden */

	for (uint32_t off = 0xe0; off < 0x100; off += 4)
		hw.set_wmask(off, 4, 0xffffffff);
}

void pcie_ecaps(FakeHardware &hw)
{
	using namespace pcie;
	hw.add_ecap(kAer, 0x0001, 2, kL1ss);
	hw.set(kAer + 0x04, 4, 0x00001010);
	hw.set_w1c(kAer + 0x04, 4, 0xffffffff);
	hw.set_wmask(kAer + 0x08, 4, 0xffffffff);
	hw.set(kAer + 0x0c, 4, 0x00462030);
	hw.set_wmask(kAer + 0x0c, 4, 0xffffffff);
	hw.set(kAer + 0x10, 4, 0x00000041);
	hw.set_w1c(kAer + 0x10, 4, 0xffffffff);
	hw.set_wmask(kAer + 0x14, 4, 0xffffffff);
	hw.set(kAer + 0x18, 4, 0x000000a0);
	hw.set_wmask(kAer + 0x18, 4, 0x00000140);
	hw.set(kAer + 0x2c, 4, 0x00000007);              /* root command: not exposed */
	hw.set_wmask(kAer + 0x2c, 4, 0x7);

	hw.add_ecap(kL1ss, 0x001e, 1, kDsn);             /* L1 PM substates: hidden */
	hw.set(kL1ss + 4, 4, 0x12345678);
	hw.add_ecap(kDsn, 0x0003, 1, kEvndr);
	hw.set(kDsn + 4, 4, 0x11223344);
	hw.set(kDsn + 8, 4, 0x55667788);
	hw.add_ecap(kEvndr, 0x000b, 1, 0);
	hw.set(kEvndr + 4, 4, (0x10u << 20) | (1u << 16) | 0x42);
	hw.set_wmask(kEvndr + 8, 4, 0xffffffff);
}

} /* namespace */

std::unique_ptr<FakeHardware> make_pcie_function()
{
	auto hw = std::make_unique<FakeHardware>(4096);
	common_header(*hw, 0x5356, 0x0001, 0x0102);
	hw->set(r::kRevisionId, 4, 0x02000001);
	hw->add_bar(0, 0xfe000000, 128 << 10, false, false, false);
	hw->add_bar(2, 0x8000000000, 4ull << 30, false, true, true);
	hw->add_bar(4, 0xfe040000, 16 << 10, false, false, true);
	hw->add_rom(0xfe080000, 64 << 10);
	hw->set(r::kSubsystemVendorId, 4, 0x00015356);
	hw->set(r::kInterruptLine, 1, 11);
	pcie_caps(*hw);
	pcie_ecaps(*hw);
	return hw;
}

std::unique_ptr<FakeHardware> make_conventional_function()
{
	auto hw = std::make_unique<FakeHardware>(256);
	common_header(*hw, 0x1af4, 0x1110, 0x0103);
	hw->set(r::kRevisionId, 4, 0x05000001);
	hw->add_bar(0, 0xfea01000, 0x100, false, false, false);
	hw->add_bar(1, 0xc040, 0x20, true, false, false);
	hw->add_bar(2, 0xfeb00000, 1 << 20, false, true, true);
	hw->set(r::kInterruptLine, 1, 10);

	using namespace conv;
	hw->add_cap(kPm, r::kCapIdPm, kMsi);
	hw->set(kPm + r::kPmPmc, 2, 0x0003);
	hw->set(kPm + r::kPmCtrl, 2, r::kPmCtrlNoSoftReset);
	hw->set_wmask(kPm + r::kPmCtrl, 2, 0x1f03);
	hw->add_cap(kMsi, r::kCapIdMsi, 0);              /* 1 vector, 32-bit, no mask */
	hw->set_wmask(kMsi + r::kMsiFlags, 2, 0x0071);
	hw->set_wmask(kMsi + r::kMsiAddressLo, 4, 0xfffffffc);
	hw->set_wmask(kMsi + r::kMsiData32, 2, 0xffff);
	hw->set(kMsi + 10, 2, 0xbeef);                   /* past the 10-byte capability */
	hw->set_wmask(kMsi + 10, 2, 0xffff);
	return hw;
}

} /* namespace softvfio::vfio::test */
