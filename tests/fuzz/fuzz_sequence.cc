/* SPDX-License-Identifier: MIT */
/*
 * Fuzz target: random sequences of operations over two devices (nic and
 * ivshmem-plain, series-v4): open, close, dup, export, BAR mmap, dma-buf
 * mmap, munmap, mprotect, REVOKE and MEMATTR (through either device),
 * memory-decode flips, D3hot, FLR, VFIO_DEVICE_RESET, low-power entry and
 * exit, importer attach/map/unmap/detach. After every step the model's
 * invariants are checked through introspection and by touching memory:
 *
 *  - touching a mapping faults exactly when the model says it is revoked;
 *  - a buffer that was PERM stays PERM, and none of its mappings, nor any
 *    mapping of a buffer that is not OK, is accessible;
 *  - a buffer on its device is OK only while the device decodes memory,
 *    and never TEMP while it decodes memory outside low power (§4.5); in
 *    low power it may be either (ioctls and config accesses resume the
 *    device), but none of its mappings is accessible; a cleaned-up buffer
 *    is never OK;
 *  - every buffer the model lists is held by an fd, a mapping or an
 *    attachment of ours, and each of ours is listed; the device lists and
 *    open counts agree with the files and BAR mappings we hold;
 *  - REVOKE, MEMATTR, dma-buf mmap and importer map answer exactly what
 *    §5.3, §5.4, §5.6 and §5.8 predict from the state before the call;
 *  - after the input's teardown the model holds nothing (its counters),
 *    and the process no fd or file mapping it did not hold before.
 *
 * One Kernel serves every input: finish_input() resets it
 * (Kernel::reset_for_reuse()).
 */
#include <cstdint>
#include <fcntl.h>
#include <map>
#include <memory>
#include <set>
#include <sys/mman.h>

#include <softvfio/uapi/vfio.h>

#include "fuzz/fuzz_support.h"

namespace softvfio::fuzz {

namespace {

constexpr uint64_t kPage = 4096;
constexpr off_t kConfig = static_cast<off_t>(uint64_t(VFIO_PCI_CONFIG_REGION_INDEX) << 40);

struct DrainingImporter : Importer {
	void invalidate(Attachment &a) override
	{
		while (a.mapped())
			(void)a.unmap();
	}
};

struct DeviceFd {
	int fd;
	unsigned dev;
	unsigned description;   /* dups share one */
};

struct BufferFd {
	int fd;
	uint64_t id;
	unsigned dev;
	bool writable;
};

struct State {
	explicit State(Kernel &k) : kernel(k) {}
	State(const State &) = delete;
	State &operator=(const State &) = delete;

	Kernel &kernel;
	std::string bdf[2];
	DeviceDescription desc[2];
	std::vector<DeviceFd> dev_fds;
	std::vector<BufferFd> buf_fds;
	DrainingImporter importer;
	std::vector<std::unique_ptr<Attachment>> attachments;
	/* hidden buffer id -> the device description its BAR mapping holds */
	std::map<uint64_t, std::pair<unsigned, unsigned>> hidden;
	std::set<uint64_t> perm;   /* ids ever seen PERM */
	unsigned next_description = 0;

	~State()
	{
		attachments.clear();
		for (const auto &m : kernel.mappings(false))
			kernel.munmap(reinterpret_cast<void *>(m.start), m.end - m.start);
		for (const auto &b : buf_fds)
			kernel.close(b.fd);
		for (const auto &d : dev_fds)
			kernel.close(d.fd);
	}

	std::map<uint64_t, BufferInfo> buffers()
	{
		std::map<uint64_t, BufferInfo> out;
		for (auto &b : kernel.buffers())
			out[b.id] = b;
		return out;
	}
	DeviceState state(unsigned dev)
	{
		auto st = kernel.device_state(bdf[dev]);
		check(st.ok(), "device_state");
		return *st;
	}
};

uint8_t find_cap(Kernel &k, int fd, uint8_t id)
{
	uint8_t at = 0;
	check(k.pread(fd, &at, 1, kConfig + 0x34) == 1, "cap pointer");
	for (int n = 0; at && n < 48; n++) {
		uint8_t hdr[2];
		check(k.pread(fd, hdr, 2, kConfig + at) == 2, "cap header");
		if (hdr[0] == id)
			return at;
		at = hdr[1];
	}
	return 0;
}

/* --- the operations; each picks its objects from the input --- */

void op_open(State &s, Input &in)
{
	const unsigned dev = in.u8() & 1;
	long fd = s.kernel.open_device(s.bdf[dev]);
	check(fd >= 0, "open_device");
	s.dev_fds.push_back({static_cast<int>(fd), dev, s.next_description++});
}

void op_close_device(State &s, Input &in)
{
	if (s.dev_fds.empty())
		return;
	const size_t i = in.pick(s.dev_fds.size());
	check(s.kernel.close(s.dev_fds[i].fd) == 0, "close device fd");
	s.dev_fds.erase(s.dev_fds.begin() + static_cast<long>(i));
}

void op_dup(State &s, Input &in)
{
	if (in.u8() & 1) {
		if (s.dev_fds.empty())
			return;
		DeviceFd d = s.dev_fds[in.pick(s.dev_fds.size())];
		long fd = s.kernel.dup(d.fd);
		check(fd >= 0, "dup device fd");
		d.fd = static_cast<int>(fd);
		s.dev_fds.push_back(d);
	} else {
		if (s.buf_fds.empty())
			return;
		BufferFd b = s.buf_fds[in.pick(s.buf_fds.size())];
		long fd = s.kernel.dup(b.fd);
		check(fd >= 0, "dup dma-buf fd");
		b.fd = static_cast<int>(fd);
		check(*s.kernel.buffer_id(b.fd) == b.id, "a dup is the same buffer");
		s.buf_fds.push_back(b);
	}
}

void op_export(State &s, Input &in)
{
	if (s.dev_fds.empty())
		return;
	const DeviceFd d = s.dev_fds[in.pick(s.dev_fds.size())];
	const uint8_t shape = in.u8();
	const unsigned nr = 1 + (shape & 1);
	const bool ro = shape & 2;
	std::vector<uint8_t> p(sizeof(vfio_device_feature_dma_buf) + nr * sizeof(vfio_region_dma_range));
	vfio_device_feature_dma_buf req{2, static_cast<uint32_t>(ro ? O_RDONLY : O_RDWR) | O_CLOEXEC, 0, nr};
	std::memcpy(p.data(), &req, sizeof(req));
	for (unsigned i = 0; i < nr; i++) {
		vfio_region_dma_range r{(in.u8() % 64) * kPage, (in.u8() % 4 + 1) * kPage};
		std::memcpy(p.data() + sizeof(req) + i * sizeof(r), &r, sizeof(r));
	}
	long fd = feature(s.kernel, d.fd, VFIO_DEVICE_FEATURE_DMA_BUF | VFIO_DEVICE_FEATURE_GET, p.data(), p.size());
	check(fd >= 0, "export of a valid range");
	auto id = s.kernel.buffer_id(static_cast<int>(fd));
	check(id.ok(), "exported fd is a dma-buf");
	s.buf_fds.push_back({static_cast<int>(fd), *id, d.dev, !ro});
	/* The ioctl resumes a runtime-suspended device before it exports:
	 * the buffer starts OK exactly when memory is enabled, low power or
	 * not (the device is in D0 during the ioctl). */
	const DeviceState st = s.state(d.dev);
	const BufferInfo b = s.buffers()[*id];
	check(b.status == (st.memory_enabled ? BufferStatus::Ok : BufferStatus::TempRevoked),
	      "initial status (§4.1 step 12)");

}

void op_map_bar(State &s, Input &in)
{
	if (s.dev_fds.empty())
		return;
	const DeviceFd d = s.dev_fds[in.pick(s.dev_fds.size())];
	const unsigned bar = (in.u8() & 1) ? 0 : 2;
	const uint64_t bar_pages = std::max<uint64_t>(1, s.desc[d.dev].bars[bar].size / kPage);
	const uint64_t first = in.u8() % std::min<uint64_t>(bar_pages, 64);
	const uint64_t pages = std::min<uint64_t>(in.u8() % 4 + 1, bar_pages - first);
	long r = s.kernel.mmap(nullptr, pages * kPage, PROT_READ | PROT_WRITE, MAP_SHARED, d.fd,
			       static_cast<off_t>((uint64_t(bar) << 40) + first * kPage));
	check(r >= 0, "BAR mmap of a valid window (revocation never refuses it, §4.2)");
	for (const auto &m : s.kernel.mappings(false))
		if (m.start == static_cast<uintptr_t>(r)) {
			check(m.buffer_id.has_value(), "a series BAR mapping has a hidden buffer");
			s.hidden[*m.buffer_id] = {d.dev, d.description};
		}
}

void op_map_buf(State &s, Input &in)
{
	if (s.buf_fds.empty())
		return;
	const BufferFd b = s.buf_fds[in.pick(s.buf_fds.size())];
	const uint64_t first = in.u8() % 4, pages = in.u8() % 4 + 1;
	const int prot = (in.u8() & 1) ? PROT_READ : PROT_READ | PROT_WRITE;
	auto bufs = s.buffers();
	check(bufs.count(b.id), "a buffer with an open fd is listed");
	const BufferInfo info = bufs[b.id];
	long expected = 0;
	if ((prot & PROT_WRITE) && !b.writable)
		expected = -EACCES;
	else if ((first + pages) * kPage > info.size)
		expected = -EINVAL;
	else if (info.status != BufferStatus::Ok)
		expected = -ENODEV;
	long r = s.kernel.mmap(nullptr, pages * kPage, prot, MAP_SHARED, b.fd, static_cast<off_t>(first * kPage));
	if (expected)
		check(r == expected, "dma-buf mmap: got " + std::to_string(r) + ", expected " + std::to_string(expected));
	else
		check(r >= 0, "dma-buf mmap of an OK buffer within its size");
}

void op_munmap(State &s, Input &in)
{
	auto maps = s.kernel.mappings(false);
	if (maps.empty())
		return;
	const auto &m = maps[in.pick(maps.size())];
	const uint64_t pages = (m.end - m.start) / kPage;
	const uint8_t how = in.u8() % 3;
	uintptr_t a = m.start;
	uint64_t len = m.end - m.start;
	if (how == 1 && pages > 1)
		len = kPage;
	else if (how == 2 && pages > 1)
		a = m.end - kPage, len = kPage;
	check(s.kernel.munmap(reinterpret_cast<void *>(a), len) == 0, "munmap");
}

void op_mprotect(State &s, Input &in)
{
	auto maps = s.kernel.mappings(false);
	if (maps.empty())
		return;
	const auto &m = maps[in.pick(maps.size())];
	const int prot = (in.u8() & 1) ? PROT_READ : PROT_NONE;
	check(s.kernel.mprotect(reinterpret_cast<void *>(m.start), m.end - m.start, prot) == 0, "mprotect");
}

/* REVOKE through either device's fd, predicted from the state (§4.7). */
void op_revoke(State &s, Input &in, bool memattr)
{
	if (s.buf_fds.empty() || s.dev_fds.empty())
		return;
	const BufferFd b = s.buf_fds[in.pick(s.buf_fds.size())];
	const DeviceFd d = s.dev_fds[in.pick(s.dev_fds.size())];
	const uint32_t value = in.u8() % 3;
	const BufferInfo info = s.buffers()[b.id];
	const bool ours = info.attached && info.device == s.bdf[d.dev];
	long r, expected;
	if (memattr) {
		vfio_device_feature_dma_buf_memattr req{b.fd, value};
		expected = !ours ? -ENODEV : value > 1 ? -ENOENT : 0;
		r = feature(s.kernel, d.fd, VFIO_DEVICE_FEATURE_DMA_BUF_MEMATTR | VFIO_DEVICE_FEATURE_SET, &req,
			    sizeof(req));
	} else {
		vfio_device_feature_dma_buf_revoke req{b.fd};
		expected = !ours ? -ENODEV : info.status == BufferStatus::PermRevoked ? -EBADFD : 0;
		r = feature(s.kernel, d.fd, VFIO_DEVICE_FEATURE_DMA_BUF_REVOKE | VFIO_DEVICE_FEATURE_SET, &req,
			    sizeof(req));
	}
	check(r == expected, std::string(memattr ? "MEMATTR" : "REVOKE") + ": got " + std::to_string(r) +
				     ", expected " + std::to_string(expected));
	if (!memattr && r == 0)
		s.perm.insert(b.id);
}

void op_close_buffer(State &s, Input &in)
{
	if (s.buf_fds.empty())
		return;
	const size_t i = in.pick(s.buf_fds.size());
	check(s.kernel.close(s.buf_fds[i].fd) == 0, "close dma-buf fd");
	s.buf_fds.erase(s.buf_fds.begin() + static_cast<long>(i));
}

/* Device-wide triggers (§4.5) through one of our device fds. */
void op_trigger(State &s, Input &in)
{
	if (s.dev_fds.empty())
		return;
	const DeviceFd d = s.dev_fds[in.pick(s.dev_fds.size())];
	Kernel &k = s.kernel;
	switch (in.u8() % 6) {
	case 0: {   /* flip PCI_COMMAND.MEMORY */
		uint16_t cmd;
		check(k.pread(d.fd, &cmd, 2, kConfig + 4) == 2, "read COMMAND");
		cmd ^= 0x2;
		check(k.pwrite(d.fd, &cmd, 2, kConfig + 4) == 2, "write COMMAND");
		break;
	}
	case 1: {   /* D3hot or D0 through PM_CTRL */
		const uint8_t pm = find_cap(k, d.fd, 0x01);
		if (!pm)
			break;
		uint16_t ctrl = (in.u8() & 1) ? 3 : 0;
		check(k.pwrite(d.fd, &ctrl, 2, kConfig + pm + 4) == 2, "write PM_CTRL");
		break;
	}
	case 2: {   /* FLR through DEVCTL */
		const uint8_t exp = find_cap(k, d.fd, 0x10);
		if (!exp)
			break;
		uint16_t ctl;
		check(k.pread(d.fd, &ctl, 2, kConfig + exp + 8) == 2, "read DEVCTL");
		ctl |= 0x8000;
		check(k.pwrite(d.fd, &ctl, 2, kConfig + exp + 8) == 2, "write DEVCTL");
		break;
	}
	case 3:
		check_errno(k.ioctl(d.fd, VFIO_DEVICE_RESET, uintptr_t(0)), {EINVAL}, "VFIO_DEVICE_RESET");
		break;
	case 4:
		check_errno(feature(k, d.fd, VFIO_DEVICE_FEATURE_LOW_POWER_ENTRY | VFIO_DEVICE_FEATURE_SET, nullptr, 0),
			    {EINVAL}, "LOW_POWER_ENTRY");
		break;
	default:
		check(feature(k, d.fd, VFIO_DEVICE_FEATURE_LOW_POWER_EXIT | VFIO_DEVICE_FEATURE_SET, nullptr, 0) == 0,
		      "LOW_POWER_EXIT");
		break;
	}
}

void op_importer(State &s, Input &in)
{
	const uint8_t what = in.u8() % 4;
	if (what == 0) {
		if (s.buf_fds.empty())
			return;
		const BufferFd b = s.buf_fds[in.pick(s.buf_fds.size())];
		const BufferInfo info = s.buffers()[b.id];
		auto a = s.kernel.attach_dma_buf(b.fd, s.importer);
		if (info.status != BufferStatus::Ok)
			check(!a && a.error() == ENODEV, "attach to a revoked buffer (§5.8)");
		else
			check(a.ok(), "attach to an OK buffer");
		if (a)
			s.attachments.push_back(std::move(*a));
		return;
	}
	if (s.attachments.empty())
		return;
	const size_t i = in.pick(s.attachments.size());
	Attachment &a = *s.attachments[i];
	if (what == 1) {
		const BufferInfo info = s.buffers()[a.buffer_id()];
		auto seg = a.map();
		check(seg.ok() == (info.status == BufferStatus::Ok), "importer map answers by status (§5.8)");
		if (!seg)
			check(seg.error() == ENODEV, "importer map of a revoked buffer is ENODEV");
	} else if (what == 2) {
		auto r = a.unmap();
		check(r.ok() || r.error() == EINVAL, "importer unmap");
	} else {
		s.attachments.erase(s.attachments.begin() + static_cast<long>(i));
	}
}

void check_invariants(State &s)
{
	s.kernel.flush_deferred_releases();
	auto bufs = s.buffers();
	DeviceState st[2] = {s.state(0), s.state(1)};

	for (uint64_t id : s.perm)
		if (bufs.count(id))
			check(bufs[id].status == BufferStatus::PermRevoked, "PERM is absorbing");
	size_t on_list[2] = {0, 0};
	for (auto &[id, b] : bufs) {
		if (b.status == BufferStatus::PermRevoked)
			s.perm.insert(id);
		const unsigned dev = b.device == s.bdf[0] ? 0 : 1;
		check(b.device == s.bdf[dev], "buffer of an unknown device");
		if (!b.attached) {
			check(b.status != BufferStatus::Ok, "a cleaned-up buffer is never OK");
			continue;
		}
		on_list[dev]++;
		check(st[dev].open_count > 0, "a buffer stays on a closed device");
		/* Low power revokes on entry, but a later ioctl or config
		 * access resumes the device and may find memory enabled: in
		 * low power a buffer may be OK or TEMP (its faults SIGBUS
		 * either way, checked with the mappings below). */
		const std::string what = std::string(b.hidden ? "hidden " : "") + "buffer " + to_string(b.status) +
					 " (memory " + (st[dev].memory_enabled ? "on" : "off") + ", low power " +
					 (st[dev].low_power ? "on" : "off") + ", " + st[dev].power_state + ")";
		if (b.status == BufferStatus::Ok)
			check(st[dev].memory_enabled, what + ": OK without memory");
		if (st[dev].memory_enabled && !st[dev].low_power)
			check(b.status != BufferStatus::TempRevoked, what + ": TEMP on a live device");
	}
	for (unsigned dev = 0; dev < 2; dev++)
		check(st[dev].buffers == on_list[dev], "the device list and the open buffers agree");

	/* Every buffer is held by something of ours, and all of ours exist. */
	std::set<uint64_t> held;
	for (const auto &b : s.buf_fds) {
		check(s.kernel.owns_fd(b.fd), "an open dma-buf fd is the model's");
		auto id = s.kernel.buffer_id(b.fd);
		check(id.ok() && *id == b.id, "a dma-buf fd names its buffer");
		held.insert(b.id);
	}
	for (const auto &a : s.attachments)
		held.insert(a->buffer_id());
	std::set<unsigned> descriptions[2];
	for (const auto &d : s.dev_fds) {
		check(s.kernel.owns_fd(d.fd), "an open device fd is the model's");
		descriptions[d.dev].insert(d.description);
	}
	for (const auto &m : s.kernel.mappings(false)) {
		check(m.buffer_id.has_value(), "every series mapping maps a buffer");
		held.insert(*m.buffer_id);
		check(bufs.count(*m.buffer_id), "a mapped buffer is listed");
		const BufferInfo &b = bufs[*m.buffer_id];
		if (b.hidden && s.hidden.count(b.id)) {
			auto [dev, desc] = s.hidden[b.id];
			descriptions[dev].insert(desc);
		}
		check(!m.accessible || b.status == BufferStatus::Ok, "a mapping of a revoked buffer is accessible");
		if (b.attached)
			check(!m.accessible || !st[b.device == s.bdf[0] ? 0 : 1].low_power,
			      "a mapping is accessible while its device is in low power");
		if (m.prot & PROT_READ)
			check(probe_readable(reinterpret_cast<void *>(m.start)) == m.accessible,
			      "touching a mapping disagrees with the model");
	}
	for (auto &[id, b] : bufs)
		check(held.count(id), "a buffer nothing of ours holds");
	for (uint64_t id : held)
		check(bufs.count(id), "a buffer we hold is not listed");
	for (unsigned dev = 0; dev < 2; dev++)
		check(st[dev].open_count == descriptions[dev].size(),
		      "open count " + std::to_string(st[dev].open_count) + " but we hold " +
			      std::to_string(descriptions[dev].size()) + " device files");
}

/* The Kernel every input uses (finish_input() resets it), with its two
 * devices; built before the baseline. */
/* Never destroyed: at exit the model's own statics (the release thread)
 * may go first; LeakSanitizer sees it reachable from here. */
Kernel *g_kernel = nullptr;
DeviceDescription g_desc[2];
std::string g_bdf[2];

void set_up()
{
	g_kernel = new Kernel();
	const char *names[2] = {"nic", "ivshmem-plain"};
	for (unsigned i = 0; i < 2; i++) {
		g_desc[i] = *preset(names[i]);
		auto bdf = g_kernel->add_device(g_desc[i]);
		check(bdf.ok(), "add_device");
		g_bdf[i] = *bdf;
	}
}

void run(const uint8_t *data, size_t size)
{
	Input in(data, size);
	{
		State s(*g_kernel);
		for (unsigned i = 0; i < 2; i++) {
			s.desc[i] = g_desc[i];
			s.bdf[i] = g_bdf[i];
		}
		for (int n = 0; !in.empty() && n < 64; n++) {
			switch (in.u8() % 14) {
			case 0: op_open(s, in); break;
			case 1: op_close_device(s, in); break;
			case 2: op_dup(s, in); break;
			case 3: op_export(s, in); break;
			case 4: op_map_bar(s, in); break;
			case 5: op_map_buf(s, in); break;
			case 6: op_munmap(s, in); break;
			case 7: op_mprotect(s, in); break;
			case 8: op_revoke(s, in, false); break;
			case 9: op_revoke(s, in, true); break;
			case 10: op_close_buffer(s, in); break;
			case 11: op_trigger(s, in); break;
			default: op_importer(s, in); break;
			}
			check_invariants(s);
		}
	}
	finish_input(*g_kernel, "sequence input");
}

const uint8_t kWarm[] = {0, 0, 3, 0, 0, 0, 1, 5, 0, 0, 0, 0, 8, 0, 0};

} /* namespace */

const Fuzzer kFuzzer{run, kWarm, set_up};

} /* namespace softvfio::fuzz */
