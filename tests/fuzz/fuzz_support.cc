/* SPDX-License-Identifier: MIT */
#include "fuzz/fuzz_support.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fcntl.h>
#include <optional>
#include <poll.h>
#include <sys/resource.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include <softvfio/uapi/vfio.h>

#include "leaks/process_snapshot.h"
#include "support/device_feature.h"
#include "support/guarded_access.h"

/* The model and the probes install SIGSEGV/SIGBUS handlers of their own
 * (user copies answer EFAULT, revoked mappings are probed); AddressSanitizer
 * must let them. Leaks are checked at exit and by libFuzzer per input. */
extern "C" const char *__asan_default_options()
{
	return "allow_user_segv_handler=1:detect_leaks=1:abort_on_error=1:use_sigaltstack=0";
}

extern "C" const char *__ubsan_default_options()
{
	return "print_stacktrace=1:halt_on_error=1";
}

namespace softvfio::fuzz {

uint8_t Input::u8()
{
	return at_ < size_ ? data_[at_++] : 0;
}

uint16_t Input::u16()
{
	return static_cast<uint16_t>(u8() | (u8() << 8));
}

uint32_t Input::u32()
{
	return u16() | (uint32_t(u16()) << 16);
}

uint64_t Input::u64()
{
	return u32() | (uint64_t(u32()) << 32);
}

std::vector<uint8_t> Input::bytes(size_t n)
{
	n = std::min(n, left());
	std::vector<uint8_t> out(data_ + at_, data_ + at_ + n);
	at_ += n;
	return out;
}

GuardedBuffer::GuardedBuffer()
{
	void *p = ::mmap(nullptr, kCapacity + 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	check(p != MAP_FAILED, "guarded buffer");
	base_ = static_cast<uint8_t *>(p);
	check(::mprotect(base_ + kCapacity, 4096, PROT_NONE) == 0, "guard page");
}

uint8_t *GuardedBuffer::place(const void *data, size_t n)
{
	n = std::min(n, kCapacity);
	uint8_t *at = base_ + kCapacity - n;
	if (n)
		std::memcpy(at, data, n);
	return at;
}

void fail(const std::string &what)
{
	std::fprintf(stderr, "softvfio fuzz check failed: %s\n", what.c_str());
	std::fflush(stderr);
	std::abort();
}

bool plausible_errno(int e)
{
	switch (e) {
	case EPERM: case ENOENT: case EIO: case EBADF: case EAGAIN: case ENOMEM: case EACCES:
	case EFAULT: case EBUSY: case EEXIST: case ENODEV: case EINVAL: case EMFILE: case ENOTTY:
	case ENOSPC: case ENXIO: case EOVERFLOW: case EBADFD: case EOPNOTSUPP: case ENOTDIR:
	case E2BIG /* iommufd's copy_struct_from_user */: case EADDRINUSE /* IOVA reserved */:
	case ERANGE /* SET_IRQS vector range */: case ESPIPE /* lseek */: case EISDIR:
	case 524 /* ENOTSUPP, series-v2 MEMATTR */:
		return true;
	default:
		return false;
	}
}

void check_errno(long r, std::initializer_list<int> allowed, const char *what)
{
	if (r >= 0)
		return;
	for (int e : allowed)
		if (-r == e)
			return;
	fail(std::string(what) + ": unexpected errno " + std::to_string(-r));
}

namespace {

/* The process's fds and file mappings after the warm-up; empty (and not
 * compared with) until then. */
std::optional<test::ProcessSnapshot> g_baseline;

/* The real fds after the warm-up, as one poll() over the low fd numbers
 * sees them: POLLNVAL marks a closed number. A leaked fd takes the lowest
 * free number, so it shows below the highest open one plus the leak count:
 * the window reaches well past the highest. No /proc read; the pollfd
 * array is made once, and poll()'s count of entries with events (closed
 * numbers, and open ones that report a hang-up) is the whole per-input
 * comparison; only a different count is looked at number by number. */
std::vector<pollfd> g_poll;
std::vector<short> g_revents;   /* at the baseline */
int g_ready = -1;
unsigned long g_inputs = 0;

/* Support code, not the model: no coverage counters (they would cost
 * time on every input and give libFuzzer features that mean nothing). */
#if defined(__clang__)
#define NO_COVERAGE __attribute__((no_sanitize("coverage")))
#else
#define NO_COVERAGE
#endif

NO_COVERAGE int poll_window()
{
	const int n = ::poll(g_poll.data(), g_poll.size(), 0);
	check(n >= 0, "poll of the fd window");
	return n;
}

void take_fd_baseline()
{
	/* poll() refuses more entries than RLIMIT_NOFILE allows fds. */
	rlimit lim{};
	check(::getrlimit(RLIMIT_NOFILE, &lim) == 0, "getrlimit");
	const size_t limit = std::min<size_t>(lim.rlim_cur, 4096);
	g_poll.assign(limit, pollfd{});
	for (size_t i = 0; i < limit; i++)
		g_poll[i].fd = static_cast<int>(i);
	poll_window();
	size_t highest = 0;
	for (size_t i = 0; i < limit; i++)
		if (!(g_poll[i].revents & POLLNVAL))
			highest = i;
	g_poll.resize(std::min(limit, highest + 64));
	g_ready = poll_window();
	g_revents.clear();
	for (const auto &p : g_poll)
		g_revents.push_back(p.revents);
}

NO_COVERAGE void check_fds(const char *where)
{
	if (g_ready < 0 || poll_window() == g_ready)
		return;
	std::string msg;
	for (size_t i = 0; i < g_poll.size(); i++) {
		const bool open = !(g_poll[i].revents & POLLNVAL), was = !(g_revents[i] & POLLNVAL);
		if (open == was)
			continue;
		/* UBSan's vptr check probes memory through a pipe it opens
		 * and closes at once, from any thread (see check_baseline). */
		struct stat st;
		if (open && ::fstat(static_cast<int>(i), &st) == 0 && S_ISFIFO(st.st_mode))
			continue;
		msg += std::string(open ? " +" : " -") + std::to_string(i);
	}
	if (!msg.empty())
		fail(std::string(where) + ": real fds opened (+) or closed (-) since the warm-up:" + msg);
}

std::string describe(const KernelResources &r)
{
	return "fds " + std::to_string(r.fds) + ", mappings " + std::to_string(r.mappings) + ", files " +
	       std::to_string(r.files) + ", buffers " + std::to_string(r.buffers) + ", device files " +
	       std::to_string(r.device_files) + ", unbound devices " + std::to_string(r.unbound_devices);
}

void reset_kernel(Kernel &kernel, const char *where)
{
	kernel.flush_deferred_releases();
	const KernelResources left = kernel.resources();
	if (left != KernelResources{})
		fail(std::string(where) + ": after the input's teardown the model still holds " + describe(left));
	auto r = kernel.reset_for_reuse();
	if (!r)
		fail(std::string(where) + ": reset_for_reuse: errno " + std::to_string(r.error()));
	check(kernel.resources() == KernelResources{}, std::string(where) + ": resources after the reset");
}

} /* namespace */

void finish_input(std::span<Kernel *const> kernels, const char *where)
{
	for (Kernel *k : kernels)
		reset_kernel(*k, where);
	check_fds(where);
	if (g_baseline && ++g_inputs % kFullCheckEvery == 0)
		check_baseline(where);
}

OneDevice one_device(const char *preset_name, const DeviceOptions &options, const KernelOptions &kernel_options)
{
	OneDevice d;
	d.kernel = std::make_unique<Kernel>(kernel_options);
	d.desc = *preset(preset_name);
	auto bdf = d.kernel->add_device(d.desc, options);
	check(bdf.ok(), "add_device");
	d.bdf = *bdf;
	return d;
}

void finish_input(Kernel &kernel, const char *where)
{
	Kernel *k = &kernel;
	finish_input(std::span<Kernel *const>(&k, 1), where);
}

void check_baseline(const char *where, bool gained_only)
{
	if (!g_baseline)
		return;
	auto d = test::ProcessSnapshot::diff(*g_baseline, test::ProcessSnapshot::take());
	/* At exit libFuzzer may have closed what it opened before the first
	 * input (the -merge=1 control file): only what was gained counts. */
	if (gained_only)
		std::erase_if(d, [](const std::string &line) { return !line.empty() && line[0] == '-'; });
	/* UBSan's vptr check probes memory through a pipe it opens and closes
	 * at once, from whichever thread (the model's release thread too), so
	 * a snapshot may catch one in flight. The model never makes pipes. */
	std::erase_if(d, [](const std::string &line) { return line.find(" pipe:[") != std::string::npos; });
	if (d.empty())
		return;
	std::string msg = std::string(where) + ": the process lost or gained:";
	for (const auto &line : d)
		msg += "\n  " + line;
	fail(msg);
}

GuardedBuffer &user_buffer()
{
	static GuardedBuffer *buf = new GuardedBuffer();   /* never unmapped */
	return *buf;
}

bool probe_readable(const void *addr)
{
	return !test::guarded_read(addr).faulted;
}

long feature(Kernel &k, int fd, uint32_t flags, const void *payload, size_t size)
{
	return test::device_feature(k, fd, flags, payload, size);
}

long export_range(Kernel &k, int fd, unsigned bar, uint64_t offset, uint64_t length)
{
	uint8_t p[sizeof(vfio_device_feature_dma_buf) + sizeof(vfio_region_dma_range)] = {};
	vfio_device_feature_dma_buf req{bar, O_RDWR | O_CLOEXEC, 0, 1};
	vfio_region_dma_range range{offset, length};
	std::memcpy(p, &req, sizeof(req));
	std::memcpy(p + sizeof(req), &range, sizeof(range));
	return feature(k, fd, VFIO_DEVICE_FEATURE_DMA_BUF | VFIO_DEVICE_FEATURE_GET, p, sizeof(p));
}

} /* namespace softvfio::fuzz */

extern "C" int LLVMFuzzerInitialize(int *, char ***)
{
	using softvfio::fuzz::kFuzzer;
	if (kFuzzer.set_up)
		kFuzzer.set_up();
	if (!kFuzzer.warm_input.empty())
		kFuzzer.run(kFuzzer.warm_input.data(), kFuzzer.warm_input.size());
	return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* The baseline is taken before the first input, not at initialisation:
	 * libFuzzer itself may open files in between and keep them open (the
	 * control file of -merge=1). */
	if (!softvfio::fuzz::g_baseline) {
		softvfio::fuzz::g_baseline = softvfio::test::ProcessSnapshot::take();
		softvfio::fuzz::take_fd_baseline();
		/* The full check once more when the run ends (-runs,
		 * -max_total_time): the reused Kernels are still alive then, as
		 * at the baseline. */
		std::atexit([] { softvfio::fuzz::check_baseline("at exit", true); });
	}
	softvfio::fuzz::kFuzzer.run(data, size);
	return 0;
}
