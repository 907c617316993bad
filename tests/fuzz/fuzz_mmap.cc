/* SPDX-License-Identifier: MIT */
/*
 * Fuzz target: mmap requests (address, length, prot, flags, offset) on a
 * device fd and on dma-buf fds, and munmap/mprotect/mremap over what they
 * made, in the series and classic profiles.
 *
 * Fixed addresses are kept inside an arena the fuzzer reserved, so a wild
 * MAP_FIXED replaces the arena, never the fuzzer's own memory; holes the
 * model leaves there are reserved again at once.
 *
 * Input: one byte picks the profile, then records of
 *   [op u8] [fd u8] [addr u32] [length u32] [prot u8] [flags u32] [offset u64]
 *
 * Checks after every call: an address or an errno of §5.5/§5.6 and the
 * generic mm rules; every mapping the model reports is page-aligned and
 * touching it agrees with what the model says (live or SIGBUS); a failed
 * call changed nothing; at the end of the input no mapping, fd or file
 * mapping is left.
 */
#include <cstdint>
#include <fcntl.h>
#include <sys/mman.h>

#include <softvfio/uapi/vfio.h>

#include "fuzz/fuzz_support.h"

namespace softvfio::fuzz {

namespace {

constexpr uint64_t kPage = 4096;
constexpr size_t kArenaPages = 4096;   /* 16 MiB */
const ProfileId kProfiles[] = {ProfileId::SeriesV4, ProfileId::SeriesV2, ProfileId::Linux619, ProfileId::Linux612};

uint8_t *g_arena;
/* One Kernel with a nic per profile, reused by every input. */
/* Never destroyed: at exit the model's own statics (the release thread)
 * may go first; LeakSanitizer sees it reachable from here. */
std::vector<OneDevice> &g_kernels = *new std::vector<OneDevice>;

bool in_arena(uintptr_t a, uint64_t len)
{
	const uintptr_t lo = reinterpret_cast<uintptr_t>(g_arena), hi = lo + kArenaPages * kPage;
	return a >= lo && a <= hi && len <= hi - a;
}

/* Reserve again whatever part of [lo, hi) no emulated mapping covers. */
void refill(Kernel &k, uintptr_t lo, uintptr_t hi)
{
	const uintptr_t alo = reinterpret_cast<uintptr_t>(g_arena), ahi = alo + kArenaPages * kPage;
	lo = std::max(lo & ~(kPage - 1), alo);
	hi = std::min((hi + kPage - 1) & ~(kPage - 1), ahi);
	if (lo >= hi)
		return;
	auto maps = k.mappings(false);
	uintptr_t at = lo;
	auto fill = [](uintptr_t a, uintptr_t b) {
		if (a < b)
			check(::mmap(reinterpret_cast<void *>(a), b - a, PROT_NONE,
				     MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED | MAP_NORESERVE, -1, 0) != MAP_FAILED,
			      "arena refill");
	};
	for (const auto &m : maps) {
		if (m.end <= at || m.start >= hi)
			continue;
		fill(at, std::min<uintptr_t>(m.start, hi));
		at = std::max<uintptr_t>(at, m.end);
	}
	fill(at, hi);
}

void check_mappings(Kernel &k)
{
	for (const auto &m : k.mappings(false)) {
		check(m.start % kPage == 0 && m.end % kPage == 0 && m.start < m.end, "mapping geometry");
		if (m.prot & PROT_READ)
			check(probe_readable(reinterpret_cast<void *>(m.start)) == m.accessible,
			      "touching a mapping disagrees with the model");
	}
}

struct Session {
	explicit Session(Kernel &k) : kernel(k) {}
	Session(const Session &) = delete;
	Session &operator=(const Session &) = delete;

	Kernel &kernel;
	std::vector<int> fds;   /* device, rw buffer, ro buffer, ... */

	~Session()
	{
		for (const auto &m : kernel.mappings(false))
			kernel.munmap(reinterpret_cast<void *>(m.start), m.end - m.start);
		refill(kernel, reinterpret_cast<uintptr_t>(g_arena),
		       reinterpret_cast<uintptr_t>(g_arena) + kArenaPages * kPage);
		for (int fd : fds)
			kernel.close(fd);
	}
};

/* An address for a call that touches existing memory: inside the arena,
 * or inside a mapping the model made. Returns 0 when there is none. */
uintptr_t pick_target(Session &s, uint32_t sel, uint64_t &len)
{
	auto maps = s.kernel.mappings(false);
	if ((sel & 1) && !maps.empty()) {
		const auto &m = maps[(sel >> 1) % maps.size()];
		const uint64_t pages = (m.end - m.start) / kPage;
		const uintptr_t a = m.start + ((sel >> 8) % pages) * kPage;
		len = std::min<uint64_t>(len, m.end - a);
		return a;
	}
	const uintptr_t a = reinterpret_cast<uintptr_t>(g_arena) + ((sel >> 1) % kArenaPages) * kPage;
	if (!in_arena(a, len))
		len = reinterpret_cast<uintptr_t>(g_arena) + kArenaPages * kPage - a;
	return a;
}

void op_mmap(Session &s, Input &in)
{
	/* One of our fds, or -1 (EBADF). */
	const size_t which = in.pick(s.fds.size() + 1);
	const int fd = which < s.fds.size() ? s.fds[which] : -1;
	const uint32_t addr_sel = in.u32();
	uint64_t len = in.u32();
	if (!(len & 0x80000000u))
		len = (len % 64 + 1) * kPage - (len & 0x100 ? 100 : 0);
	const int prot = in.u8() & 0xf;
	int flags = static_cast<int>(in.u32());
	const uint64_t raw_off = in.u64();
	flags &= ~MAP_ANONYMOUS;
	/* Mostly sane flags, sometimes anything else. */
	if (!(flags & 0x40000000))
		flags = (flags & 3 ? flags & 3 : MAP_SHARED) | (flags & (MAP_FIXED | MAP_FIXED_NOREPLACE | MAP_POPULATE));
	uint64_t offset = raw_off;
	if (!(raw_off >> 63))
		offset = ((raw_off & 0xf) << 40) + ((raw_off >> 8) % 1024) * kPage + ((raw_off & 0x10) ? 1 : 0);
	uintptr_t addr = 0;
	if (flags & (MAP_FIXED | MAP_FIXED_NOREPLACE)) {
		uint64_t span = len;
		addr = pick_target(s, addr_sel, span);
		if (!in_arena(addr, len))
			flags &= ~(MAP_FIXED | MAP_FIXED_NOREPLACE);
		if (!in_arena(addr, len))
			addr = 0;
	} else if (addr_sel & 1) {
		addr = addr_sel & ~0xfffu;   /* a hint, anywhere */
	}
	const auto before = s.kernel.mappings(false).size();
	long r = s.kernel.mmap(reinterpret_cast<void *>(addr), len, prot, flags, fd, static_cast<off_t>(offset));
	check_errno(r, {EINVAL, EACCES, ENODEV, ENOMEM, EOVERFLOW, EEXIST, EBADF, EPERM, EOPNOTSUPP, ENXIO},
		    "mmap");
	if (r >= 0) {
		check(s.kernel.owns_address(reinterpret_cast<void *>(r)), "a new mapping is the model's");
		check(r % kPage == 0, "mmap address alignment");
		if (flags & (MAP_FIXED | MAP_FIXED_NOREPLACE))
			check(static_cast<uintptr_t>(r) == addr, "MAP_FIXED address");
	} else if (!(flags & MAP_FIXED)) {
		check(s.kernel.mappings(false).size() == before, "a failed mmap changed the mappings");
	} else {
		refill(s.kernel, addr, addr + len);
	}
}

void op_unmap(Session &s, Input &in, int kind)
{
	const uint32_t sel = in.u32();
	uint64_t len = (in.u16() % 64 + 1) * kPage - ((sel & 0x1000) ? 7 : 0);
	const uintptr_t a = pick_target(s, sel, len);
	void *p = reinterpret_cast<void *>(a);
	if (kind == 0) {
		long r = s.kernel.munmap(p, len);
		check_errno(r, {EINVAL}, "munmap");
		refill(s.kernel, a, a + len);
	} else if (kind == 1) {
		long r = s.kernel.mprotect(p, len, in.u8() & 0xf);
		check_errno(r, {EINVAL, EACCES, ENOMEM}, "mprotect");
	} else {
		const uint8_t how = in.u8();
		uint64_t new_len = (in.u16() % 64 + 1) * kPage;
		int flags = how & 3;   /* MREMAP_MAYMOVE, MREMAP_FIXED */
		if (how & 4)
			flags |= 4;   /* MREMAP_DONTUNMAP */
		uintptr_t to = 0;
		if (flags & 2) {
			uint64_t span = new_len;
			to = pick_target(s, in.u32() & ~1u, span);
			new_len = std::min(new_len, span);
		}
		/* Only emulated ranges: a real one would move the arena. */
		if (!s.kernel.owns_address(p, len))
			return;
		long r = s.kernel.mremap(p, len, new_len, flags, reinterpret_cast<void *>(to));
		check_errno(r, {EINVAL, EFAULT, ENOMEM, EAGAIN}, "mremap");
		if (r >= 0 && !in_arena(static_cast<uintptr_t>(r), new_len))
			check(s.kernel.owns_address(reinterpret_cast<void *>(r)), "moved mapping is the model's");
		refill(s.kernel, a, a + len);
		if (to)
			refill(s.kernel, to, to + new_len);
	}
}

void run(const uint8_t *data, size_t size)
{
	Input in(data, size);
	const unsigned which = in.u8() % 4;
	OneDevice &used = g_kernels[which];
	{
		Session s(*used.kernel);
		const ProfileId profile = kProfiles[which];
		const std::string *bdf = &used.bdf;
		const int dev = static_cast<int>(s.kernel.open_device(*bdf));
		check(dev >= 0, "open_device");
		s.fds.push_back(dev);
		if (profile != ProfileId::Linux612) {
			for (int mode : {O_RDWR, O_RDONLY}) {
				uint8_t p[sizeof(vfio_device_feature_dma_buf) + 2 * sizeof(vfio_region_dma_range)] = {};
				vfio_device_feature_dma_buf req{2, static_cast<uint32_t>(mode) | O_CLOEXEC, 0, 2};
				vfio_region_dma_range r[2] = {{0x200000, 0x400000}, {0, 0x3000}};
				std::memcpy(p, &req, sizeof(req));
				std::memcpy(p + sizeof(req), r, sizeof(r));
				long b = feature(s.kernel, dev, VFIO_DEVICE_FEATURE_DMA_BUF | VFIO_DEVICE_FEATURE_GET, p,
						 sizeof(p));
				check(b >= 0, "export");
				s.fds.push_back(static_cast<int>(b));
			}
		}
		for (int n = 0; !in.empty() && n < 48; n++) {
			const uint8_t op = in.u8();
			switch (op % 6) {
			case 0: case 1: case 2: op_mmap(s, in); break;
			case 3: op_unmap(s, in, 0); break;
			case 4: op_unmap(s, in, 1); break;
			default: op_unmap(s, in, 2); break;
			}
			check_mappings(s.kernel);
		}
	}
	finish_input(*used.kernel, "mmap input");
}

/* Reserve the arena that fixed addresses must stay inside, and build the
 * Kernels every input reuses (one per profile). */
void reserve_arena()
{
	void *p = ::mmap(nullptr, kArenaPages * kPage, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	check(p != MAP_FAILED, "arena");
	g_arena = static_cast<uint8_t *>(p);
	for (ProfileId profile : kProfiles) {
		DeviceOptions o;
		o.profile = profile;
		g_kernels.push_back(one_device("nic", o));
	}
}

const uint8_t kWarm[] = {0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 3, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};

} /* namespace */

const Fuzzer kFuzzer{run, kWarm, reserve_arena};

} /* namespace softvfio::fuzz */
