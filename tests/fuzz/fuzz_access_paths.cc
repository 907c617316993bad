/* SPDX-License-Identifier: MIT */
/*
 * Fuzz target: the ways in. Kernel::open of /dev/vfio/vfio, the group
 * node, /dev/iommu and the device cdev, then random container, group,
 * iommufd and cdev ioctls with any payload, on the group or the cdev path
 * (AccessPaths decide which nodes exist). Device fds that GET_DEVICE_FD
 * hands out join the pool.
 *
 * Input: one byte picks the configuration, then records of
 *   [fd u8] [command u8] [mode u8] [length u16] [payload...] [value u32]
 * mode bit 0: pass `value` as the argument (by-value ioctls); bit 1: replace
 * the payload's fd fields by fds of the pool; bit 2: pass a pointer into
 * the guard page.
 *
 * Embedded user pointers (IOVA lists, bitmaps, hw-info buffers) that would
 * land in memory this process has mapped are aimed at a scratch page or at
 * the guard page instead: the model may use the first and must answer
 * EFAULT for the second, and it is never steered into the fuzzer's heap.
 *
 * Checks: a value or a plausible errno; opens answer an fd, -errno or
 * kNotOurs; every fd the model hands out is the model's; and after the
 * input the model holds nothing and no fd or file mapping is left. One
 * Kernel per configuration serves every input (finish_input() resets it).
 */
#include <cstdint>
#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <softvfio/uapi/iommufd.h>
#include <softvfio/uapi/vfio.h>

#include "fuzz/fuzz_support.h"

namespace softvfio::fuzz {

namespace {

const unsigned long kCommands[] = {
	VFIO_GET_API_VERSION, VFIO_CHECK_EXTENSION, VFIO_SET_IOMMU, VFIO_IOMMU_GET_INFO, VFIO_IOMMU_MAP_DMA,
	VFIO_IOMMU_UNMAP_DMA, VFIO_IOMMU_ENABLE, VFIO_IOMMU_DISABLE, VFIO_IOMMU_DIRTY_PAGES,
	VFIO_GROUP_GET_STATUS, VFIO_GROUP_SET_CONTAINER, VFIO_GROUP_UNSET_CONTAINER, VFIO_GROUP_GET_DEVICE_FD,
	IOMMU_DESTROY, IOMMU_IOAS_ALLOC, IOMMU_IOAS_IOVA_RANGES, IOMMU_IOAS_ALLOW_IOVAS, IOMMU_IOAS_MAP,
	IOMMU_IOAS_COPY, IOMMU_IOAS_UNMAP, IOMMU_OPTION, IOMMU_VFIO_IOAS, IOMMU_HWPT_ALLOC, IOMMU_GET_HW_INFO,
	IOMMU_HWPT_SET_DIRTY_TRACKING, IOMMU_HWPT_GET_DIRTY_BITMAP, IOMMU_HWPT_INVALIDATE, IOMMU_FAULT_QUEUE_ALLOC,
	IOMMU_IOAS_MAP_FILE, IOMMU_VIOMMU_ALLOC, IOMMU_VDEVICE_ALLOC, IOMMU_IOAS_CHANGE_PROCESS,
	IOMMU_VEVENTQ_ALLOC, IOMMU_HW_QUEUE_ALLOC,
	VFIO_DEVICE_BIND_IOMMUFD, VFIO_DEVICE_ATTACH_IOMMUFD_PT, VFIO_DEVICE_DETACH_IOMMUFD_PT,
	VFIO_DEVICE_GET_INFO, VFIO_DEVICE_FEATURE,
};

/* Commands whose argument is a value, not a pointer. */
bool by_value(unsigned long cmd)
{
	return cmd == VFIO_CHECK_EXTENSION || cmd == VFIO_SET_IOMMU;
}

bool mapped_here(uint64_t v)
{
	if (v < 4096 || v >= (1ull << 47))
		return false;
	unsigned char vec;
	return ::mincore(reinterpret_cast<void *>(v & ~uint64_t(4095)), 4096, &vec) == 0;
}

struct Session {
	Kernel &kernel;
	std::vector<int> fds;

	explicit Session(Kernel &k) : kernel(k) {}
	Session(const Session &) = delete;
	Session &operator=(const Session &) = delete;
	~Session()
	{
		for (int fd : fds)
			kernel.close(fd);
	}
	void open(const std::string &path, int flags)
	{
		long r = kernel.open(path.c_str(), flags);
		if (r == Kernel::kNotOurs)
			return;
		check_errno(r, {ENOENT, EBUSY, EACCES, EINVAL, ENODEV, EPERM, ENXIO}, "open of a node");
		if (r >= 0) {
			check(kernel.owns_fd(static_cast<int>(r)), "an opened node is the model's");
			fds.push_back(static_cast<int>(r));
		}
	}
};

void run_record(Session &s, Input &in, const std::string &bdf)
{
	const uint8_t which = in.u8();
	const unsigned long cmd = kCommands[in.u8() % std::size(kCommands)];
	const uint8_t mode = in.u8();
	std::vector<uint8_t> p = in.bytes(in.u16() % 256);
	const uint32_t value = in.u32();
	const int fd = s.fds.empty() ? -1 : s.fds[which % s.fds.size()];

	/* Pointers into our own memory go to the guard page instead. */
	for (size_t at = 8; at + 8 <= p.size(); at += 8) {
		uint64_t v;
		std::memcpy(&v, p.data() + at, 8);
		if (mapped_here(v)) {
			/* Our scratch page (DMA may be mapped from it, bitmaps
			 * written to it) or the guard page. */
			uint8_t *to = (v & 0x1000) ? user_buffer().scratch() : user_buffer().guard();
			v = reinterpret_cast<uintptr_t>(to) + (v & 0xff8);
			std::memcpy(p.data() + at, &v, 8);
		}
	}
	if ((mode & 2) && !s.fds.empty()) {
		const size_t fd_at = cmd == VFIO_DEVICE_BIND_IOMMUFD ? 8 : cmd == IOMMU_IOAS_MAP_FILE ? 12 : 0;
		if (fd_at + 4 <= p.size()) {
			int32_t f = s.fds[(p[fd_at] | value) % s.fds.size()];
			std::memcpy(p.data() + fd_at, &f, 4);
		}
	}
	if (cmd == VFIO_GROUP_GET_DEVICE_FD && (mode & 8)) {
		p.assign(bdf.begin(), bdf.end());
		p.push_back(0);
	}
	long r;
	if ((mode & 1) || by_value(cmd))
		r = s.kernel.ioctl(fd, cmd, uintptr_t(value % 16));
	else
		r = s.kernel.ioctl(fd, cmd, (mode & 4) ? user_buffer().guard() : user_buffer().place(p.data(), p.size()));
	check(r >= 0 || plausible_errno(static_cast<int>(-r)), "implausible errno " + std::to_string(-r));
	if (r > 0 && cmd == VFIO_GROUP_GET_DEVICE_FD) {
		check(s.kernel.owns_fd(static_cast<int>(r)), "GET_DEVICE_FD answers a model fd");
		s.fds.push_back(static_cast<int>(r));
	}
}

KernelOptions options_of(uint8_t conf)
{
	KernelOptions o;
	o.access.group = !(conf & 1);
	o.access.cdev = !(conf & 2);
	o.access.iommufd = !(conf & 4);
	o.access.noiommu = conf & 8;
	return o;
}

/* One Kernel per configuration (the low five bits of the first byte),
 * reused by every input (finish_input() resets it); built before the
 * baseline. */
/* Never destroyed: at exit the model's own statics (the release thread)
 * may go first; LeakSanitizer sees it reachable from here. */
std::vector<OneDevice> &g_kernels = *new std::vector<OneDevice>;

void set_up()
{
	for (uint8_t conf = 0; conf < 32; conf++)
		g_kernels.push_back(one_device((conf & 16) ? "ivshmem-plain" : "nic", {}, options_of(conf)));
}

void run(const uint8_t *data, size_t size)
{
	Input in(data, size);
	const uint8_t conf = in.u8();
	OneDevice &used = g_kernels[conf % 32];
	{
		const KernelOptions o = options_of(conf);
		Session s(*used.kernel);
		const std::string *bdf = &used.bdf;
		auto st = s.kernel.device_state(*bdf);
		check(st.ok(), "device_state");
		const std::string group = (o.access.noiommu ? "/dev/vfio/noiommu-" : "/dev/vfio/") +
					  std::to_string(st->iommu_group);
		const std::string cdev = std::string(o.access.noiommu ? "/dev/vfio/devices/noiommu-" : "/dev/vfio/devices/") +
					 st->vfio_name;
		s.open("/dev/vfio/vfio", O_RDWR | O_CLOEXEC);
		s.open(group, O_RDWR | O_CLOEXEC);
		s.open("/dev/iommu", O_RDWR | O_CLOEXEC);
		s.open(cdev, O_RDWR | O_CLOEXEC);
		for (int n = 0; !in.empty() && n < 48; n++) {
			if (in.left() && (in.u8() & 0x3f) == 0) {
				/* Sometimes open a node again (a second group open is EBUSY). */
				const char *paths[] = {"/dev/vfio/vfio", "/dev/iommu"};
				s.open((in.u8() & 1) ? group : paths[in.u8() & 1], O_RDWR | O_CLOEXEC);
				continue;
			}
			run_record(s, in, *bdf);
		}
	}
	finish_input(*used.kernel, "access paths input");
}

const uint8_t kWarm[] = {0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0};

} /* namespace */

const Fuzzer kFuzzer{run, kWarm, set_up};

} /* namespace softvfio::fuzz */
