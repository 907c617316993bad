/* SPDX-License-Identifier: MIT */
/*
 * An ioctl of the in-process model whose argument lies in one of the
 * process's register mappings (laid PROT_NONE and trapped): Kernel::ioctl
 * makes its copies through the registers, as Linux's copies fault through
 * vfio's handler (docs/trap.md). The registers are a scratch model's
 * (support/scratch_registers.h), which keeps what is stored. A copy made
 * under memory_lock (series-v2's MEMATTR GET) stays EFAULT; a revoked
 * mapping as the argument is EFAULT with no register reached.
 */
#include <cerrno>
#include <cstring>
#include <optional>
#include <utility>
#include <sys/mman.h>
#include <gtest/gtest.h>

#include <softvfio/client/client.h>
#include <softvfio/client/model_backend.h>
#include <softvfio/device_description.h>
#include <softvfio/uapi/vfio.h>

#include "support/dma_buf_arg.h"
#include "support/scratch_registers.h"

namespace softvfio::test {
namespace {

using namespace softvfio::client;

class ModelRegisterIoctl : public ::testing::Test
{
protected:
	void SetUp() override { start(ProfileId::SeriesV4); }

	void start(ProfileId profile)
	{
		backend_ = ModelBackend::create(KernelOptions{});
		DeviceOptions options;
		options.profile = profile;
		auto bdf = backend_->kernel().add_device(scratch_description(*preset("edu")), options);
		ASSERT_TRUE(bdf);
		bdf_ = *bdf;
		auto dev = Device::open(backend_, bdf_);
		ASSERT_TRUE(dev) << dev.error().message();
		dev_.emplace(std::move(*dev));
		ASSERT_TRUE(dev_->set_memory_enable(true));
		auto m = dev_->map_bar(0, 0, 4096);
		ASSERT_TRUE(m) << m.error().message();
		mapping_.emplace(std::move(*m));
		regs_ = static_cast<uint8_t *>(mapping_->data());
	}

	long ioctl(unsigned long cmd, void *arg) { return backend_->kernel().ioctl(dev_->fd(), cmd, arg); }

	template<typename T>
	void put(uint64_t offset, const T &value)
	{
		ASSERT_TRUE(dev_->write_region(0, offset, &value, sizeof(T)));
	}
	template<typename T>
	T get(uint64_t offset)
	{
		T value{};
		EXPECT_TRUE(dev_->read_region(0, offset, &value, sizeof(T)));
		return value;
	}

	uint64_t accesses()
	{
		auto s = backend_->kernel().device_state(bdf_);
		return s ? s->register_accesses : ~uint64_t(0);
	}

	/* A query ioctl (argsz its first field) asked twice: with the
	 * argument in plain memory, and with it at `offset` of the registers
	 * (the query stored there first, its answer read back from there).
	 * The two answers, plain first; the second must reach the registers. */
	template<typename T>
	std::pair<T, T> ask_both(unsigned long cmd, uint64_t offset)
	{
		T plain{};
		plain.argsz = sizeof(plain);
		EXPECT_EQ(ioctl(cmd, &plain), 0);
		T q{};
		q.argsz = sizeof(q);
		put(offset, q);
		const uint64_t before = accesses();
		EXPECT_EQ(ioctl(cmd, regs_ + offset), 0);
		EXPECT_GT(accesses(), before) << "the copy reached the registers";
		return {plain, get<T>(offset)};
	}

	std::shared_ptr<ModelBackend> backend_;
	std::string bdf_;
	std::optional<Device> dev_;
	std::optional<Mapping> mapping_;
	uint8_t *regs_ = nullptr;
};

TEST_F(ModelRegisterIoctl, GetRegionInfoAnswersIntoTheRegisters)
{
	const auto [plain, got] = ask_both<vfio_region_info>(VFIO_DEVICE_GET_REGION_INFO, 0x100);
	EXPECT_EQ(std::memcmp(&got, &plain, sizeof(got)), 0);
	EXPECT_NE(got.size, 0u);
}

TEST_F(ModelRegisterIoctl, GetInfoAnswersIntoTheRegisters)
{
	const auto [plain, got] = ask_both<vfio_device_info>(VFIO_DEVICE_GET_INFO, 0x180);
	EXPECT_EQ(got.num_regions, plain.num_regions);
	EXPECT_EQ(got.num_irqs, plain.num_irqs);
	EXPECT_EQ(got.flags, plain.flags);
}

TEST_F(ModelRegisterIoctl, DmabufExportTakesItsRangesFromTheRegisters)
{
	const DmaBufArg arg = dma_buf_arg(VFIO_PCI_BAR0_REGION_INDEX, 0, 4096);
	ASSERT_TRUE(dev_->write_region(0, 0x300, arg.data(), arg.size()));
	put<uint32_t>(0x10, 0xc0ffee22u);
	long fd = ioctl(VFIO_DEVICE_FEATURE, regs_ + 0x300);
	ASSERT_GE(fd, 0);
	long at = backend_->kernel().mmap(nullptr, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, static_cast<int>(fd), 0);
	ASSERT_GE(at, 0);
	void *view = reinterpret_cast<void *>(at);
	EXPECT_EQ(*static_cast<volatile uint32_t *>(static_cast<void *>(static_cast<uint8_t *>(view) + 0x10)),
		  0xc0ffee22u);
	EXPECT_EQ(backend_->kernel().munmap(view, 4096), 0);
	EXPECT_EQ(backend_->kernel().close(static_cast<int>(fd)), 0);
}

TEST_F(ModelRegisterIoctl, ARevokedMappingAsTheArgumentIsEfault)
{
	vfio_region_info q{};
	q.argsz = sizeof(q);
	put(0x100, q);
	ASSERT_TRUE(dev_->set_memory_enable(false));
	const uint64_t before = accesses();
	EXPECT_EQ(ioctl(VFIO_DEVICE_GET_REGION_INFO, regs_ + 0x100), -EFAULT);
	EXPECT_EQ(accesses(), before) << "no register reached";
	ASSERT_TRUE(dev_->set_memory_enable(true));
	EXPECT_EQ(get<vfio_region_info>(0x100).size, 0u);
}

/* Series v2 writes MEMATTR's GET answer under memory_lock: EFAULT, the
 * request (read before the lock) came from the registers. */
TEST_F(ModelRegisterIoctl, ACopyUnderMemoryLockStaysEfault)
{
	mapping_.reset();
	dev_.reset();
	start(ProfileId::SeriesV2);
	const DmaBufArg exp = dma_buf_arg(VFIO_PCI_BAR0_REGION_INDEX, 0, 4096);
	long buf = ioctl(VFIO_DEVICE_FEATURE, const_cast<unsigned char *>(exp.data()));
	ASSERT_GE(buf, 0);
	alignas(8) uint8_t arg[sizeof(vfio_device_feature) + sizeof(vfio_device_feature_dma_buf_memattr)] = {};
	vfio_device_feature hdr{sizeof(arg), SOFTVFIO_SERIES_V2_FEATURE_DMA_BUF_MEMATTR | VFIO_DEVICE_FEATURE_GET};
	vfio_device_feature_dma_buf_memattr req{static_cast<int32_t>(buf), 0x77};
	std::memcpy(arg, &hdr, sizeof(hdr));
	std::memcpy(arg + sizeof(hdr), &req, sizeof(req));
	alignas(8) uint8_t plain[sizeof(arg)];
	std::memcpy(plain, arg, sizeof(arg));
	ASSERT_EQ(ioctl(VFIO_DEVICE_FEATURE, plain), 0);
	ASSERT_TRUE(dev_->write_region(0, 0x400, arg, sizeof(arg)));
	const uint64_t before = accesses();
	EXPECT_EQ(ioctl(VFIO_DEVICE_FEATURE, regs_ + 0x400), -EFAULT);
	EXPECT_GT(accesses(), before) << "the request was read from the registers";
	EXPECT_EQ(get<vfio_device_feature_dma_buf_memattr>(0x400 + sizeof(hdr)).memattr, 0x77u);
	EXPECT_EQ(backend_->kernel().close(static_cast<int>(buf)), 0);
}

} /* namespace */
} /* namespace softvfio::test */
