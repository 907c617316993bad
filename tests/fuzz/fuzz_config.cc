/* SPDX-License-Identifier: MIT */
/*
 * Fuzz target: config-space reads and writes at any offset and width,
 * through pread/pwrite on the CONFIG region (index 7) of a device fd.
 *
 * Input: one byte picks the device, then records of
 *   [op u8] [offset u16] [count u8] [value bytes...]
 * op bit 0: write; bit 1: a bad user pointer (the guard page).
 *
 * Checks after every access, on a device that has an exported buffer and a
 * BAR mapping: the answer is a byte count no larger than asked or an errno
 * of §5.10; the identity registers read back as described (read-only);
 * the exported buffer is OK exactly while memory is enabled and TEMP
 * otherwise (§4.5: every path that disables memory revokes it, every path
 * that re-enables it un-revokes it); the BAR mapping is accessible exactly
 * when the model says so, and never while memory is disabled.
 */
#include <cstdint>
#include <sys/mman.h>

#include <softvfio/uapi/vfio.h>

#include "fuzz/fuzz_support.h"

namespace softvfio::fuzz {

namespace {

constexpr uint64_t kConfig = uint64_t(VFIO_PCI_CONFIG_REGION_INDEX) << 40;
const char *const kDevices[] = {"nic", "ivshmem-plain", "edu"};

struct Device {
	explicit Device(Kernel &kernel) : k(kernel) {}
	Device(const Device &) = delete;
	Device &operator=(const Device &) = delete;

	Kernel &k;
	std::string bdf;
	DeviceDescription desc;
	int fd = -1;
	int buf = -1;
	uint8_t *bar = nullptr;

	~Device()
	{
		if (bar)
			k.munmap(bar, 4096);
		if (buf >= 0)
			k.close(buf);
		if (fd >= 0)
			k.close(fd);
	}
};

void check_invariants(Device &d)
{
	uint32_t ids = 0;
	check(d.k.pread(d.fd, &ids, 4, static_cast<off_t>(kConfig)) == 4, "config read of the ids");
	check(ids == (d.desc.vendor_id | uint32_t(d.desc.device_id) << 16), "vendor/device id are read-only");

	auto st = d.k.device_state(d.bdf);
	check(st.ok() && st->open_count == 1, "device state");
	if (d.buf >= 0) {
		auto id = d.k.buffer_id(d.buf);
		check(id.ok(), "the exported buffer");
		for (const auto &b : d.k.buffers())
			if (b.id == *id)
				check(b.status == (st->memory_enabled ? BufferStatus::Ok : BufferStatus::TempRevoked),
				      std::string("buffer status ") + to_string(b.status) + " with memory " +
					      (st->memory_enabled ? "enabled" : "disabled"));
	}
	if (d.bar) {
		auto maps = d.k.mappings(false);
		check(maps.size() == 1, "one BAR mapping");
		check(!maps[0].accessible || st->memory_enabled, "accessible mapping while memory is disabled");
		check(probe_readable(d.bar) == maps[0].accessible, "touching the mapping disagrees with the model");
	}
}

/* One Kernel per device, reused by every input (finish_input() resets
 * it); built before the baseline. */
/* Never destroyed: at exit the model's own statics (the release thread)
 * may go first; LeakSanitizer sees it reachable from here. */
std::vector<OneDevice> &g_kernels = *new std::vector<OneDevice>;

void set_up()
{
	for (const char *device : kDevices)
		g_kernels.push_back(one_device(device));
}

void run(const uint8_t *data, size_t size)
{
	Input in(data, size);
	OneDevice &used = g_kernels[in.u8() % 3];
	{
		Kernel &kernel = *used.kernel;
		Device d(kernel);
		d.desc = used.desc;
		d.bdf = used.bdf;
		d.fd = static_cast<int>(kernel.open_device(d.bdf));
		check(d.fd >= 0, "open_device");
		/* BAR2 of nic and ivshmem is RAM; edu has only BAR0. */
		const unsigned bar = d.desc.bars[2].size ? 2 : 0;
		long b = export_range(kernel, d.fd, bar, 0, 4096);
		check(b >= 0, "export");
		d.buf = static_cast<int>(b);
		long m = kernel.mmap(nullptr, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, d.fd,
				     static_cast<off_t>(uint64_t(bar) << 40));
		check(m >= 0, "BAR mmap");
		d.bar = reinterpret_cast<uint8_t *>(m);

		for (int n = 0; !in.empty() && n < 128; n++) {
			const uint8_t op = in.u8();
			const uint16_t offset = in.u16() & 0x1fff;
			size_t count = in.u8() % 9;
			if (count == 0)
				count = in.u8();
			std::vector<uint8_t> value = in.bytes(count);
			value.resize(count);
			uint8_t *user = (op & 2) ? user_buffer().guard() : user_buffer().place(value.data(), count);
			const off_t at = static_cast<off_t>(kConfig + offset);
			long r = (op & 1) ? kernel.pwrite(d.fd, user, count, at) : kernel.pread(d.fd, user, count, at);
			check_errno(r, {EINVAL, EFAULT, EIO}, (op & 1) ? "config write" : "config read");
			check(r <= static_cast<long>(count), "more bytes than asked");
			/* A write whose every piece is read-only succeeds without
			 * reading the buffer (vfio skips pieces without a write
			 * handler); anything else must fault. */
			if ((op & 2) && count)
				check(r == -EFAULT || r == -EINVAL || ((op & 1) && r == static_cast<long>(count)),
				      "a bad pointer must not be read or written");
			check_invariants(d);
		}
	}
	finish_input(*used.kernel, "config input");
}

const uint8_t kWarm[] = {0, 0, 4, 0, 2};

} /* namespace */

const Fuzzer kFuzzer{run, kWarm, set_up};

} /* namespace softvfio::fuzz */
