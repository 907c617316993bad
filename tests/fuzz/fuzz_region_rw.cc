/* SPDX-License-Identifier: MIT */
/*
 * Fuzz target: pread/pwrite on every region of a device fd (BARs, ROM,
 * config, VGA and indexes vfio-pci lacks) at any offset and size, from
 * good and bad user pointers, with memory decode flipped in between.
 *
 * Input: one byte picks the device and profile, then records of
 *   [op u8] [region u8] [offset u32] [count u16] [bytes...]
 * op bit 0: write; bit 1: bad pointer; bit 2: toggle PCI_COMMAND.MEMORY
 * first; bit 3: an offset near the region's end; bit 4: read(2)/write(2)
 * at the file position instead of pread/pwrite, after an lseek that must
 * fail ESPIPE (a device fd has no llseek).
 *
 * Checks: a count no larger than asked, or an errno of §5.10 (EIO for a
 * BAR while memory is disabled); never a byte written through a bad
 * pointer (but writes to the MSI-X table, dropped unread, succeed); RAM
 * BARs read back what was written (outside the MSI-X table, which reads
 * 0xff); and nothing left behind. One Kernel per device and profile
 * serves every input (finish_input() resets it).
 */
#include <cstdint>
#include <unistd.h>

#include <softvfio/uapi/vfio.h>

#include "fuzz/fuzz_support.h"

namespace softvfio::fuzz {

namespace {

const char *const kDevices[] = {"nic", "ivshmem-plain", "edu"};
const ProfileId kProfiles[] = {ProfileId::SeriesV4, ProfileId::Linux612};

bool memory_enabled(Kernel &k, const std::string &bdf)
{
	auto st = k.device_state(bdf);
	return st.ok() && st->memory_enabled;
}

/* vfio_pci_core_do_io_rw drops writes to the MSI-X table without reading
 * the caller's buffer (reads fill 0xff): only there may a write "from" a
 * bad pointer succeed, and only if it stays inside the table. */
bool in_msix_table(const DeviceDescription &desc, unsigned region, uint64_t offset, uint64_t count)
{
	if (!desc.msix || region != desc.msix->table_bar)
		return false;
	const uint64_t start = desc.msix->table_offset, end = start + uint64_t(desc.msix->vectors) * 16;
	return offset >= start && offset + count <= end;
}

bool touches_msix_table(const DeviceDescription &desc, unsigned region, uint64_t offset, uint64_t count)
{
	if (!desc.msix || region != desc.msix->table_bar)
		return false;
	const uint64_t start = desc.msix->table_offset, end = start + uint64_t(desc.msix->vectors) * 16;
	return offset < end && start < offset + count;
}

/* The pending-bit array is read-only to software: writes to it are dropped. */
bool touches_msix_pba(const DeviceDescription &desc, unsigned region, uint64_t offset, uint64_t count)
{
	if (!desc.msix || region != desc.msix->pba_bar)
		return false;
	const uint64_t start = desc.msix->pba_offset, end = start + (uint64_t(desc.msix->vectors) + 63) / 64 * 8;
	return offset < end && start < offset + count;
}

void toggle_memory(Kernel &k, int fd)
{
	const off_t at = static_cast<off_t>((uint64_t(VFIO_PCI_CONFIG_REGION_INDEX) << 40) + 4);
	uint16_t cmd = 0;
	check(k.pread(fd, &cmd, 2, at) == 2, "read PCI_COMMAND");
	cmd ^= 0x2;
	check(k.pwrite(fd, &cmd, 2, at) == 2, "write PCI_COMMAND");
}

/* One Kernel per device and profile, reused by every input
 * (finish_input() resets it); built before the baseline. */
/* Never destroyed: at exit the model's own statics (the release thread)
 * may go first; LeakSanitizer sees it reachable from here. */
std::vector<OneDevice> &g_kernels = *new std::vector<OneDevice>;

void set_up()
{
	for (const char *device : kDevices)
		for (ProfileId profile : kProfiles) {
			DeviceOptions o;
			o.profile = profile;
			g_kernels.push_back(one_device(device, o));
		}
}

void run(const uint8_t *data, size_t size)
{
	Input in(data, size);
	const uint8_t head = in.u8();
	OneDevice &used = g_kernels[head % 3 * std::size(kProfiles) + (head >> 2) % 2];
	{
		Kernel &kernel = *used.kernel;
		const DeviceDescription &desc = used.desc;
		const std::string *bdf = &used.bdf;
		const int fd = static_cast<int>(kernel.open_device(*bdf));
		check(fd >= 0, "open_device");

		for (int n = 0; !in.empty() && n < 64; n++) {
			const uint8_t op = in.u8();
			const unsigned region = in.u8() % 12;
			uint64_t offset = in.u32();
			size_t count = in.u16() % 4100;
			if (op & 8) {
				const uint64_t size_of = region < 6 ? desc.bars[region].size
							 : region == 6 ? desc.rom_size
								       : 4096;
				offset = size_of - (offset % 16);
			}
			if (op & 4)
				toggle_memory(kernel, fd);
			std::vector<uint8_t> bytes = in.bytes(count);
			bytes.resize(count);
			uint8_t *user = (op & 2) ? user_buffer().guard() : user_buffer().place(bytes.data(), count);
			const off_t at = static_cast<off_t>((uint64_t(region) << 40) + offset);
			const bool write = op & 1;
			long r;
			if (op & 16) {
				/* vfio_device_fops has no llseek: the file position
				 * only moves by read(2)/write(2) themselves. */
				check(kernel.lseek(fd, at, SEEK_SET) == -ESPIPE, "a device fd cannot seek");
				r = write ? kernel.write(fd, user, count) : kernel.read(fd, user, count);
			} else {
				r = write ? kernel.pwrite(fd, user, count, at) : kernel.pread(fd, user, count, at);
			}
			check_errno(r, {EINVAL, EFAULT, EIO, ENODEV, EPERM, ENOSPC}, write ? "region write" : "region read");
			check(r <= static_cast<long>(count), "more bytes than asked");
			if ((op & 2) && count && r > 0)
				check(write && !(op & 16) && in_msix_table(desc, region, offset, static_cast<uint64_t>(r)),
				      "bytes moved through a bad pointer");
			/* RAM reads back what was just written, while decoding. */
			if (write && !(op & 18) && r > 0 && region < 6 &&
			    !touches_msix_table(desc, region, offset, static_cast<uint64_t>(r)) &&
			    !touches_msix_pba(desc, region, offset, static_cast<uint64_t>(r)) &&
			    desc.bars[region].contents == BarContents::Ram && memory_enabled(kernel, *bdf)) {
				std::vector<uint8_t> back(static_cast<size_t>(r));
				check(kernel.pread(fd, back.data(), back.size(), at) == r, "read back");
				check(std::memcmp(back.data(), bytes.data(), back.size()) == 0, "RAM BAR read back differs");
			}
		}
		check(kernel.close(fd) == 0, "close");
	}
	finish_input(*used.kernel, "region rw input");
}

const uint8_t kWarm[] = {0, 0, 2, 0, 0, 0, 0, 4, 0};

} /* namespace */

const Fuzzer kFuzzer{run, kWarm, set_up};

} /* namespace softvfio::fuzz */
