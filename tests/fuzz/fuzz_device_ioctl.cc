/* SPDX-License-Identifier: MIT */
/*
 * Fuzz target: every ioctl of a device fd with any argsz and payload,
 * payloads shorter than argsz claims included (they end at an unmapped
 * page, so reading past them is a fault the model must answer EFAULT).
 *
 * Input: one byte picks the profile and the device, then records of
 *   [command u8] [mode u8] [length u16] [payload...]
 * mode bit 0: overwrite argsz with a u32 from the input; bit 1: replace fd
 * fields of the payload (REVOKE/MEMATTR dma-buf fd, eventfds of SET_IRQS,
 * wakeup and ioeventfd) by fds the input made; bit 2: pass a pointer into
 * the guard page instead of the payload; bit 3: raw command number.
 *
 * Checks: every answer is a value or an errno the spec allows for that
 * ioctl; VFIO_DEVICE_FEATURE follows the generic validation order of
 * docs/semantics.md §5.1 exactly (an independent oracle); GET_INFO and
 * region info answer what the description says; a new dma-buf fd is a
 * dma-buf of this device; and after the input the model holds nothing and
 * the process the fds and mappings it held before it (finish_input).
 *
 * One Kernel per profile and device serves every input: finish_input()
 * resets it (Kernel::reset_for_reuse()).
 */
#include <cstdint>
#include <fcntl.h>
#include <memory>
#include <optional>
#include <sys/eventfd.h>
#include <unistd.h>

#include <softvfio/uapi/vfio.h>

#include "fuzz/fuzz_support.h"

namespace softvfio::fuzz {

namespace {

const unsigned long kCommands[] = {
	VFIO_DEVICE_GET_INFO, VFIO_DEVICE_GET_REGION_INFO, VFIO_DEVICE_GET_IRQ_INFO, VFIO_DEVICE_SET_IRQS,
	VFIO_DEVICE_RESET, VFIO_DEVICE_GET_PCI_HOT_RESET_INFO, VFIO_DEVICE_PCI_HOT_RESET, VFIO_DEVICE_IOEVENTFD,
	VFIO_DEVICE_FEATURE, VFIO_DEVICE_PCI_DMABUF_REVOKE,
};

const ProfileId kProfiles[] = {ProfileId::SeriesV4, ProfileId::SeriesV2, ProfileId::Linux619, ProfileId::Linux612};
const char *const kDevices[] = {"nic", "ivshmem-plain", "edu"};

struct FeatureSpec {
	uint32_t ops;
	uint32_t minsz;
};

/* The features vfio-pci has in each profile (§2.2 table, §2.4-2.6): the
 * supported operations and the payload minsz of vfio_check_feature. */
std::optional<FeatureSpec> feature_spec(ProfileId p, uint32_t index)
{
	constexpr uint32_t get = VFIO_DEVICE_FEATURE_GET, set = VFIO_DEVICE_FEATURE_SET;
	switch (index) {
	case VFIO_DEVICE_FEATURE_LOW_POWER_ENTRY:
	case VFIO_DEVICE_FEATURE_LOW_POWER_EXIT:
		return FeatureSpec{set, 0};
	case VFIO_DEVICE_FEATURE_LOW_POWER_ENTRY_WITH_WAKEUP:
		return FeatureSpec{set, 4};
	case VFIO_DEVICE_FEATURE_DMA_BUF:
		if (p == ProfileId::Linux612)
			return std::nullopt;
		return FeatureSpec{get, 16};
	case 13:
		if (p == ProfileId::SeriesV4)
			return FeatureSpec{set, 4};        /* REVOKE */
		if (p == ProfileId::SeriesV2)
			return FeatureSpec{get | set, 8};  /* MEMATTR */
		return std::nullopt;
	case 14:
		if (p == ProfileId::SeriesV4)
			return FeatureSpec{set, 8};        /* MEMATTR */
		return std::nullopt;
	default:
		return std::nullopt;
	}
}

/* §5.1, then vfio_check_feature: the answer when it is decided before the
 * handler proceeds; nullopt when the handler goes on. */
std::optional<long> feature_oracle(ProfileId p, uint32_t argsz, uint32_t flags)
{
	constexpr uint32_t get = VFIO_DEVICE_FEATURE_GET, set = VFIO_DEVICE_FEATURE_SET,
			   probe = VFIO_DEVICE_FEATURE_PROBE;
	if (argsz < 8)
		return -EINVAL;
	if (flags & ~(VFIO_DEVICE_FEATURE_MASK | get | set | probe))
		return -EINVAL;
	if (!(flags & probe) && (flags & get) && (flags & set))
		return -EINVAL;
	auto spec = feature_spec(p, flags & VFIO_DEVICE_FEATURE_MASK);
	if (!spec)
		return -ENOTTY;
	if ((flags & (get | set)) & ~spec->ops)
		return -EINVAL;
	if (flags & probe)
		return 0;
	if (!(flags & (get | set)))
		return -EINVAL;
	if (argsz - 8 < spec->minsz)
		return -EINVAL;
	return std::nullopt;
}

struct Target {
	explicit Target(Kernel &k) : kernel(k) {}
	Target(const Target &) = delete;
	Target &operator=(const Target &) = delete;

	Kernel &kernel;
	ProfileId profile = ProfileId::SeriesV4;
	DeviceDescription desc;
	std::string bdf;
	int fd = -1;
	std::vector<int> fds;      /* every emulated fd the input made */
	std::vector<int> events;   /* real eventfds */
	GuardedBuffer *buf = nullptr;

	~Target()
	{
		for (int f : fds)
			kernel.close(f);
		for (int e : events)
			::close(e);
	}
	int pool(uint32_t v) const
	{
		/* -1 stays (unassign); small values name our fds; the rest are
		 * whatever number they are. */
		if (v == UINT32_MAX)
			return -1;
		std::vector<int> all = fds;
		all.insert(all.end(), events.begin(), events.end());
		return v < 64 && !all.empty() ? all[v % all.size()] : static_cast<int>(v);
	}
};

void substitute_fds(Target &t, unsigned long cmd, std::vector<uint8_t> &p)
{
	auto patch = [&](size_t at) {
		if (at + 4 > p.size())
			return;
		uint32_t v;
		std::memcpy(&v, p.data() + at, 4);
		int32_t fd = t.pool(v);
		std::memcpy(p.data() + at, &fd, 4);
	};
	if (cmd == VFIO_DEVICE_FEATURE || cmd == VFIO_DEVICE_PCI_DMABUF_REVOKE) {
		patch(cmd == VFIO_DEVICE_FEATURE ? 8 : 4);
	} else if (cmd == VFIO_DEVICE_SET_IRQS) {
		for (size_t at = sizeof(vfio_irq_set); at + 4 <= p.size() && at < 64; at += 4)
			patch(at);
	} else if (cmd == VFIO_DEVICE_IOEVENTFD) {
		patch(offsetof(vfio_device_ioeventfd, fd));
	} else if (cmd == VFIO_DEVICE_PCI_HOT_RESET) {
		for (size_t at = sizeof(vfio_pci_hot_reset); at + 4 <= p.size() && at < 32; at += 4)
			patch(at);
	}
}

void check_info(long r, const std::vector<uint8_t> &sent, const uint8_t *user, bool faulting)
{
	if (faulting || sent.size() < 16) {
		check_errno(r, {EFAULT, EINVAL}, "GET_INFO");
		return;
	}
	vfio_device_info in{}, out{};
	std::memcpy(&in, sent.data(), std::min(sent.size(), sizeof(in)));
	if (in.argsz < 16) {
		check(r == -EINVAL, "GET_INFO argsz < 16 must be EINVAL");
		return;
	}
	/* vfio_pci_ioctl_get_info writes back min(argsz, sizeof(info)) bytes:
	 * more than the caller's buffer holds is a fault. */
	const size_t written = std::min<size_t>(in.argsz, sizeof(out));
	if (sent.size() < written) {
		check(r == -EFAULT, "GET_INFO writing past the caller's buffer must be EFAULT");
		return;
	}
	check(r == 0, "GET_INFO with a readable struct must succeed");
	std::memcpy(&out, user, written);
	check(out.num_regions == VFIO_PCI_NUM_REGIONS && out.num_irqs == VFIO_PCI_NUM_IRQS &&
		      (out.flags & VFIO_DEVICE_FLAGS_PCI),
	      "GET_INFO contents");
}

void check_region_info(Target &t, long r, const std::vector<uint8_t> &sent, const uint8_t *user, bool faulting)
{
	check_errno(r, {EFAULT, EINVAL}, "GET_REGION_INFO");
	if (faulting || sent.size() < sizeof(vfio_region_info)) {
		check(r < 0, "GET_REGION_INFO from a short buffer must fail");
		return;
	}
	vfio_region_info in{}, out{};
	std::memcpy(&in, sent.data(), sizeof(in));
	if (in.argsz < sizeof(in)) {
		check(r == -EINVAL, "GET_REGION_INFO argsz < 32 must be EINVAL");
		return;
	}
	if (r < 0)
		return;
	check(in.index <= VFIO_PCI_CONFIG_REGION_INDEX, "region info for an index vfio-pci lacks");
	std::memcpy(&out, user, sizeof(out));
	check(out.offset == uint64_t(in.index) << 40, "region offset encoding");
	if (in.index < 6)
		check(out.size == t.desc.bars[in.index].size, "BAR size as described");
	if (out.flags & VFIO_REGION_INFO_FLAG_CAPS) {
		/* Either the chain fit (placed right after the struct) or argsz
		 * grew to what it needs. */
		check(out.cap_offset == 0 ? out.argsz > in.argsz : out.cap_offset == sizeof(out),
		      "capability chain placement");
	}
}

void run_record(Target &t, Input &in)
{
	const uint8_t sel = in.u8();
	const uint8_t mode = in.u8();
	unsigned long cmd = kCommands[sel % std::size(kCommands)];
	if (mode & 8)
		cmd = (0x3bUL << 8) | (in.u8() & 0x7f);   /* any VFIO_TYPE number */
	std::vector<uint8_t> p = in.bytes(in.u16() % 512);
	if ((mode & 1) && p.size() >= 4) {
		uint32_t argsz = in.u32();
		std::memcpy(p.data(), &argsz, 4);
	}
	if (mode & 2)
		substitute_fds(t, cmd, p);
	const bool faulting = mode & 4;
	uint8_t *user = faulting ? t.buf->guard() : t.buf->place(p.data(), p.size());

	const long r = t.kernel.ioctl(t.fd, cmd, user);
	check(r >= 0 || plausible_errno(static_cast<int>(-r)), "implausible errno " + std::to_string(-r));

	switch (cmd) {
	case VFIO_DEVICE_GET_INFO:
		check_info(r, p, user, faulting);
		break;
	case VFIO_DEVICE_GET_REGION_INFO:
		check_region_info(t, r, p, user, faulting);
		break;
	case VFIO_DEVICE_GET_IRQ_INFO:
		check_errno(r, {EFAULT, EINVAL}, "GET_IRQ_INFO");
		break;
	case VFIO_DEVICE_SET_IRQS:
		check_errno(r, {EFAULT, EINVAL, EBADF, ENOTTY, EBUSY, ENOMEM, ERANGE}, "SET_IRQS");
		break;
	case VFIO_DEVICE_RESET:
		check_errno(r, {EINVAL, EBUSY, EIO, ENOTTY}, "RESET");
		break;
	case VFIO_DEVICE_GET_PCI_HOT_RESET_INFO:
		check_errno(r, {EFAULT, EINVAL, ENOSPC, ENODEV, EPERM, ENOMEM}, "HOT_RESET_INFO");
		break;
	case VFIO_DEVICE_PCI_HOT_RESET:
		check_errno(r, {EFAULT, EINVAL, EBADF, EBUSY, EPERM, ENOMEM, ENODEV}, "HOT_RESET");
		break;
	case VFIO_DEVICE_IOEVENTFD:
		check_errno(r, {EFAULT, EINVAL, EBADF, EEXIST, ENODEV, ENOSPC, ENOMEM, EOPNOTSUPP}, "IOEVENTFD");
		break;
	case VFIO_DEVICE_FEATURE: {
		if (faulting || p.size() < 8) {
			check(r == -EFAULT, "FEATURE header from a faulting pointer must be EFAULT");
			break;
		}
		vfio_device_feature hdr;
		std::memcpy(&hdr, p.data(), sizeof(hdr));
		if (auto expected = feature_oracle(t.profile, hdr.argsz, hdr.flags))
			check(r == *expected, "FEATURE validation order (§5.1): got " + std::to_string(r) +
						      ", expected " + std::to_string(*expected));
		const uint32_t index = hdr.flags & VFIO_DEVICE_FEATURE_MASK;
		const bool export_get = index == VFIO_DEVICE_FEATURE_DMA_BUF && !(hdr.flags & VFIO_DEVICE_FEATURE_PROBE);
		if (r > 0) {
			check(export_get, "only DMA_BUF export answers a positive value");
			check(t.kernel.owns_fd(static_cast<int>(r)), "an exported fd is the model's");
			auto id = t.kernel.buffer_id(static_cast<int>(r));
			check(id.ok(), "an exported fd is a dma-buf");
			t.fds.push_back(static_cast<int>(r));
		}
		break;
	}
	case VFIO_DEVICE_PCI_DMABUF_REVOKE:
		if (t.profile != ProfileId::SeriesV2)
			check(r == -ENOTTY, "ioctl 122 exists in series-v2 only");
		else
			check_errno(r, {EFAULT, EINVAL, EBADF, ENODEV, EBADFD, EOPNOTSUPP}, "ioctl 122 REVOKE");
		break;
	default:
		check(r == -ENOTTY, "an unknown device ioctl must be ENOTTY");
		break;
	}
}

/* One Kernel per profile and device, reused by every input
 * (finish_input() resets it); built before the baseline. */
struct Configuration {
	std::unique_ptr<Kernel> kernel;
	DeviceDescription desc;
	std::string bdf;
};
/* Never destroyed: at exit the model's own statics (the release thread)
 * may go first; LeakSanitizer sees it reachable from here. */
std::vector<Configuration> &g_configurations = *new std::vector<Configuration>;

void set_up()
{
	for (size_t i = 0; i < std::size(kProfiles) * std::size(kDevices); i++) {
		Configuration c;
		c.kernel = std::make_unique<Kernel>();
		c.desc = *preset(kDevices[i / std::size(kProfiles)]);
		DeviceOptions o;
		o.profile = kProfiles[i % std::size(kProfiles)];
		auto bdf = c.kernel->add_device(c.desc, o);
		check(bdf.ok(), "add_device");
		c.bdf = *bdf;
		g_configurations.push_back(std::move(c));
	}
}

void run(const uint8_t *data, size_t size)
{
	Input in(data, size);
	const uint8_t head = in.u8();
	/* head bits 0-1: the profile; the rest: the device (as ever). */
	Configuration &c = g_configurations[(head >> 2) % 3 * std::size(kProfiles) + head % 4];
	{
		Target t(*c.kernel);
		t.buf = &user_buffer();
		t.profile = kProfiles[head % 4];
		t.desc = c.desc;
		t.bdf = c.bdf;
		t.fd = static_cast<int>(t.kernel.open_device(t.bdf));
		check(t.fd >= 0, "open_device");
		t.fds.push_back(t.fd);
		for (int i = 0; i < 2; i++)
			t.events.push_back(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
		for (int n = 0; !in.empty() && n < 64; n++)
			run_record(t, in);
		check(t.kernel.device_state(t.bdf)->open_count == 1, "one device file");
	}
	finish_input(*c.kernel, "device ioctl input");
}

const uint8_t kWarm[] = {0, 8, 0, 16, 0, 16, 0, 0, 0, 1, 0, 0, 0};

} /* namespace */

const Fuzzer kFuzzer{run, kWarm, set_up};

} /* namespace softvfio::fuzz */
