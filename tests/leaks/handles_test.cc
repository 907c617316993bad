/* SPDX-License-Identifier: MIT */
/*
 * Cross-device and stale-handle rules.
 *
 *  - A DMABUF is revoked or given a memory attribute only through its own
 *    device: another device's REVOKE or MEMATTR answers ENODEV and leaves it
 *    alone (§4.7 step 5), whatever the profile's entry point.
 *  - An fd number that was closed and reused by an unrelated file never
 *    reaches the old object. Through Kernel::close (and dup2/dup3 over a
 *    number) this holds in every mode; a number closed behind the model's
 *    back is caught only with KernelOptions::verify_fd_identity.
 */
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <softvfio/kernel.h>
#include <softvfio/uapi/vfio.h>

#include "support/device_feature.h"
#include "support/dma_buf_arg.h"
#include "support/guarded_access.h"

namespace softvfio::test {

namespace {

constexpr uint64_t kPage = 4096;

class Handles : public ::testing::Test
{
protected:
	void SetUp() override { make(KernelOptions{}); }
	void TearDown() override
	{
		for (auto [addr, len] : maps_)
			kernel_->munmap(addr, len);
		for (int fd : fds_)
			kernel_->close(fd);
		kernel_.reset();
	}

	void make(KernelOptions options, ProfileId profile = ProfileId::SeriesV4)
	{
		kernel_ = std::make_unique<Kernel>(options);
		DeviceOptions o;
		o.profile = profile;
		auto a = kernel_->add_device(*preset("nic"), o);
		auto b = kernel_->add_device(*preset("nic"), o);
		ASSERT_TRUE(a && b);
		a_ = *a;
		b_ = *b;
	}

	int open(const std::string &bdf)
	{
		long fd = kernel_->open_device(bdf);
		EXPECT_GE(fd, 0);
		fds_.push_back(static_cast<int>(fd));
		return static_cast<int>(fd);
	}

	long feature(int fd, uint32_t flags, const void *payload, size_t size)
	{
		return test::device_feature(*kernel_, fd, flags, payload, size);
	}

	int export_page(int fd)
	{
		uint8_t p[sizeof(vfio_device_feature_dma_buf) + sizeof(vfio_region_dma_range)] = {};
		vfio_device_feature_dma_buf req{2, O_RDWR | O_CLOEXEC, 0, 1};
		vfio_region_dma_range range{0, kPage};
		std::memcpy(p, &req, sizeof(req));
		std::memcpy(p + sizeof(req), &range, sizeof(range));
		long buf = feature(fd, VFIO_DEVICE_FEATURE_DMA_BUF | VFIO_DEVICE_FEATURE_GET, p, sizeof(p));
		EXPECT_GE(buf, 0);
		fds_.push_back(static_cast<int>(buf));
		return static_cast<int>(buf);
	}

	long revoke(int device_fd, int dmabuf_fd, ProfileId profile = ProfileId::SeriesV4)
	{
		if (profile == ProfileId::SeriesV2) {
			vfio_pci_dmabuf_revoke req{sizeof(req), dmabuf_fd};
			return kernel_->ioctl(device_fd, VFIO_DEVICE_PCI_DMABUF_REVOKE, &req);
		}
		vfio_device_feature_dma_buf_revoke req{dmabuf_fd};
		return feature(device_fd, VFIO_DEVICE_FEATURE_DMA_BUF_REVOKE | VFIO_DEVICE_FEATURE_SET, &req,
			       sizeof(req));
	}

	long memattr(int device_fd, int dmabuf_fd, uint32_t index = VFIO_DEVICE_FEATURE_DMA_BUF_MEMATTR)
	{
		vfio_device_feature_dma_buf_memattr req{dmabuf_fd, VFIO_DEVICE_FEATURE_DMA_BUF_MEMATTR_WC};
		return feature(device_fd, index | VFIO_DEVICE_FEATURE_SET, &req, sizeof(req));
	}

	void *map(int fd, off_t offset = 0)
	{
		long r = kernel_->mmap(nullptr, kPage, PROT_READ | PROT_WRITE, MAP_SHARED, fd, offset);
		EXPECT_GE(r, 0);
		maps_.emplace_back(reinterpret_cast<void *>(r), kPage);
		return reinterpret_cast<void *>(r);
	}

	BufferInfo info(int dmabuf_fd)
	{
		auto id = kernel_->buffer_id(dmabuf_fd);
		EXPECT_TRUE(id);
		for (const auto &b : kernel_->buffers())
			if (id && b.id == *id)
				return b;
		ADD_FAILURE() << "no buffer for fd " << dmabuf_fd;
		return {};
	}

	/* Close `fd` for the program, then open an unrelated file (an eventfd)
	 * on the same number, as the next open() of a program would. */
	int reuse_number(int fd, bool through_kernel)
	{
		if (through_kernel)
			EXPECT_EQ(kernel_->close(fd), 0);
		else
			EXPECT_EQ(::close(fd), 0);
		std::erase(fds_, fd);
		int other = ::eventfd(0, EFD_CLOEXEC);
		if (other != fd) {
			EXPECT_EQ(::dup2(other, fd), fd);
			::close(other);
		}
		reused_.push_back(fd);
		return fd;
	}

	std::unique_ptr<Kernel> kernel_;
	std::string a_, b_;
	std::vector<int> fds_;
	std::vector<std::pair<void *, size_t>> maps_;
	std::vector<int> reused_;

public:
	~Handles() override
	{
		for (int fd : reused_)
			::close(fd);
	}
};

TEST_F(Handles, AnotherDevicesRevokeAndMemattrAnswerEnodev)
{
	const int fa = open(a_), fb = open(b_);
	const int buf = export_page(fa);
	void *m = map(buf);
	EXPECT_EQ(revoke(fb, buf), -ENODEV);
	EXPECT_EQ(memattr(fb, buf), -ENODEV);
	EXPECT_EQ(info(buf).status, BufferStatus::Ok);
	EXPECT_EQ(info(buf).memattr, MemoryAttribute::Uncached);
	EXPECT_FALSE(guarded_read(m).faulted) << "a foreign REVOKE must not touch the buffer";
	/* Its own device still can. */
	EXPECT_EQ(memattr(fa, buf), 0);
	EXPECT_EQ(revoke(fa, buf), 0);
	EXPECT_TRUE(guarded_read(m).faulted);
	/* Already PERM, but still foreign to b: ENODEV comes first. */
	EXPECT_EQ(revoke(fb, buf), -ENODEV);
}

TEST_F(Handles, SeriesV2CrossDeviceIoctlAndMemattr)
{
	make(KernelOptions{}, ProfileId::SeriesV2);
	const int fa = open(a_), fb = open(b_);
	const int buf = export_page(fa);
	EXPECT_EQ(revoke(fb, buf, ProfileId::SeriesV2), -ENODEV);
	EXPECT_EQ(memattr(fb, buf, SOFTVFIO_SERIES_V2_FEATURE_DMA_BUF_MEMATTR), -ENODEV);
	EXPECT_EQ(info(buf).status, BufferStatus::Ok);
	EXPECT_EQ(revoke(fa, buf, ProfileId::SeriesV2), 0);
}

/* A cleaned-up buffer belongs to no device, not even a re-opened one. */
TEST_F(Handles, CleanedUpBufferIsForeignToItsOwnDevice)
{
	int fa = open(a_);
	const int buf = export_page(fa);
	ASSERT_EQ(kernel_->close(fa), 0);
	std::erase(fds_, fa);
	fa = open(a_);
	EXPECT_EQ(revoke(fa, buf), -ENODEV);
	EXPECT_EQ(memattr(fa, buf), -ENODEV);
	EXPECT_FALSE(info(buf).attached);
}

/* A buffer of another Kernel is not a dma-buf this Kernel knows. */
TEST_F(Handles, BufferOfAnotherKernelIsNotADmaBufHere)
{
	Kernel other;
	auto bdf = other.add_device(*preset("nic"));
	ASSERT_TRUE(bdf);
	long ofd = other.open_device(*bdf);
	ASSERT_GE(ofd, 0);
	DmaBufArg p = dma_buf_arg(2, 0, kPage, O_RDWR);
	long obuf = other.ioctl(static_cast<int>(ofd), VFIO_DEVICE_FEATURE, p.data());
	ASSERT_GE(obuf, 0);
	const int fa = open(a_);
	EXPECT_EQ(revoke(fa, static_cast<int>(obuf)), -EINVAL);
	EXPECT_EQ(memattr(fa, static_cast<int>(obuf)), -EINVAL);
	EXPECT_EQ(other.close(static_cast<int>(obuf)), 0);
	EXPECT_EQ(other.close(static_cast<int>(ofd)), 0);
}

/* The supported way: Kernel::close forgets the number, so whatever the
 * program opens there next is a real file to the model. */
TEST_F(Handles, NumberReusedAfterKernelCloseNeverReachesTheOldObject)
{
	const int fa = open(a_);
	const int buf = export_page(fa);
	const uint64_t id = *kernel_->buffer_id(buf);
	const int dev = open(a_);
	reuse_number(buf, true);
	reuse_number(dev, true);
	EXPECT_FALSE(kernel_->owns_fd(buf));
	EXPECT_FALSE(kernel_->owns_fd(dev));
	EXPECT_EQ(kernel_->buffer_id(buf).error(), EINVAL);
	EXPECT_EQ(revoke(fa, buf), -EINVAL) << "an eventfd is not a dma-buf";
	vfio_device_info di{};
	di.argsz = sizeof(di);
	EXPECT_EQ(kernel_->ioctl(dev, VFIO_DEVICE_GET_INFO, &di), -ENOTTY) << "the eventfd's own ioctl answers";
	/* Reads and writes reach the eventfd. */
	uint64_t value = 5;
	EXPECT_EQ(kernel_->write(dev, &value, sizeof(value)), 8);
	value = 0;
	EXPECT_EQ(kernel_->read(dev, &value, sizeof(value)), 8);
	EXPECT_EQ(value, 5u);
	/* The buffer is gone (its only fd closed), not revoked by accident. */
	kernel_->flush_deferred_releases();
	for (const auto &b : kernel_->buffers())
		EXPECT_NE(b.id, id);
}

/* dup2 of a real fd over an emulated number replaces it: the File loses
 * that reference and the device closes when it was the last. */
TEST_F(Handles, Dup2OverAnEmulatedNumberReleasesIt)
{
	int fa = open(a_);
	int null = ::open("/dev/null", O_RDWR | O_CLOEXEC);
	ASSERT_GE(null, 0);
	EXPECT_EQ(kernel_->dup2(null, fa), fa);
	::close(null);
	EXPECT_FALSE(kernel_->owns_fd(fa));
	EXPECT_EQ(kernel_->device_state(a_)->open_count, 0u);
	vfio_device_info di{};
	di.argsz = sizeof(di);
	EXPECT_EQ(kernel_->ioctl(fa, VFIO_DEVICE_GET_INFO, &di), -ENOTTY);
}

/* verify_fd_identity: a number closed behind the model's back (plain
 * close(2)) and reused is recognised as the new file on the next call. */
TEST_F(Handles, VerifiedModeCatchesANumberClosedBehindTheModelsBack)
{
	KernelOptions verified;
	verified.verify_fd_identity = true;
	make(verified);
	const int fa = open(a_);
	const int buf = export_page(fa);
	const int dev = open(a_);
	ASSERT_TRUE(kernel_->owns_fd(buf));
	reuse_number(buf, false);
	reuse_number(dev, false);
	EXPECT_FALSE(kernel_->owns_fd(buf));
	EXPECT_FALSE(kernel_->owns_fd(dev));
	EXPECT_EQ(revoke(fa, buf), -EINVAL);
	EXPECT_EQ(memattr(fa, buf), -EINVAL);
	vfio_device_info di{};
	di.argsz = sizeof(di);
	EXPECT_EQ(kernel_->ioctl(dev, VFIO_DEVICE_GET_INFO, &di), -ENOTTY);
	EXPECT_EQ(kernel_->mmap(nullptr, kPage, PROT_READ, MAP_SHARED, dev, 0), -ENODEV)
		<< "mmap(2) of an eventfd";
	/* The objects are released once the model notices. */
	kernel_->flush_deferred_releases();
	EXPECT_EQ(kernel_->device_state(a_)->open_count, 1u);
}

/* Without verification the number cache is trusted: a number closed behind
 * the model's back still names the old object until the program closes it
 * through Kernel::close. This is the documented limit of the default mode
 * (docs/fuzzing.md); the shim routes every close through the Kernel. */
TEST_F(Handles, DefaultModeTrustsItsNumberCache)
{
	const int fa = open(a_);
	const int dev = open(a_);
	reuse_number(dev, false);
	EXPECT_TRUE(kernel_->owns_fd(dev));
	/* Kernel::close of the number now closes the eventfd and drops the
	 * stale entry, which releases the old device file. */
	EXPECT_EQ(kernel_->close(dev), 0);
	std::erase(reused_, dev);
	EXPECT_FALSE(kernel_->owns_fd(dev));
	EXPECT_EQ(kernel_->device_state(a_)->open_count, 1u);
	(void)fa;
}

/* Kernel::forget_fd: told that a number now holds another file (the
 * shim's fclose and real dup2 over an emulated fd), the model drops what
 * it stood for, releasing the device, and leaves the new file alone. */
TEST_F(Handles, ForgetFdReleasesWhatTheNumberStoodFor)
{
	const int fa = open(a_);
	const int dev = open(a_);
	ASSERT_EQ(kernel_->device_state(a_)->open_count, 2u);
	reuse_number(dev, false);
	kernel_->forget_fd(dev);
	EXPECT_FALSE(kernel_->owns_fd(dev));
	EXPECT_EQ(kernel_->device_state(a_)->open_count, 1u);
	uint64_t value = 3;
	EXPECT_EQ(kernel_->write(dev, &value, sizeof(value)), 8) << "the eventfd now at the number";
	(void)fa;
}

/* A mapping's address reused by an unrelated real mapping is real memory
 * to the model: munmap, mprotect and mmap over it pass through. */
TEST_F(Handles, AddressReusedAfterMunmapIsNotEmulated)
{
	const int fa = open(a_);
	void *m = map(fa, static_cast<off_t>(uint64_t(2) << 40));
	ASSERT_EQ(kernel_->munmap(m, kPage), 0);
	maps_.clear();
	void *real = ::mmap(m, kPage, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	ASSERT_EQ(real, m);
	EXPECT_FALSE(kernel_->owns_address(m));
	EXPECT_EQ(kernel_->mprotect(m, kPage, PROT_READ), 0);
	EXPECT_TRUE(kernel_->mappings(false).empty());
	EXPECT_EQ(kernel_->munmap(m, kPage), 0);
}

} /* namespace */

} /* namespace softvfio::test */
