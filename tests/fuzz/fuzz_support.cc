/* SPDX-License-Identifier: MIT */
#include "fuzz/fuzz_support.h"

#include <cstdio>
#include <cstdlib>
#include <fcntl.h>
#include <optional>
#include <sys/mman.h>

#include <softvfio/uapi/vfio.h>

#include "leaks/process_snapshot.h"
#include "support/device_feature.h"
#include "support/guarded_access.h"

/* The model and the probes install SIGSEGV/SIGBUS handlers of their own
 * (user copies answer EFAULT, revoked mappings are probed); AddressSanitizer
 * must let them. Leaks are checked at exit and by libFuzzer per input. */
extern "C" const char *__asan_default_options()
{
	return "allow_user_segv_handler=1:detect_leaks=1:abort_on_error=1";
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

} /* namespace */

void check_baseline(const char *where)
{
	if (!g_baseline)
		return;
	auto d = test::ProcessSnapshot::diff(*g_baseline, test::ProcessSnapshot::take());
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
	softvfio::fuzz::g_baseline = softvfio::test::ProcessSnapshot::take();
	return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	softvfio::fuzz::kFuzzer.run(data, size);
	return 0;
}
