/* SPDX-License-Identifier: MIT */
/*
 * DMABUF rules that need the device itself rather than the Kernel API:
 * registrations refused while the device is being unregistered (§4.1 step
 * 10, §4.2, §5.2, §5.5) and the hot-reset try-lock (§4.5, §6 item 8).
 */
#include <atomic>
#include <cstring>
#include <fcntl.h>
#include <sys/mman.h>
#include <thread>

#include <gtest/gtest.h>

#include <softvfio/device_description.h>
#include <softvfio/uapi/vfio.h>

#include "base/memfd.h"
#include "kernel/test_importer.h"
#include "mm/mm.h"
#include "pci/pci_function.h"
#include "vfio/device_file.h"
#include "vfio/pci/device.h"
#include "vfs/fd_table.h"

namespace softvfio::test {
namespace {

constexpr uint64_t kPage = 4096;

/* A device built by hand, opened through a DeviceFile in `fds`. */
struct DirectDevice {
	DirectDevice(vfs::FdTable &fds, mm::Mm &mm, std::shared_ptr<vfio::DeviceSet> set, unsigned index)
		: fds_(fds), mm_(mm)
	{
		auto fn = pci::PciFunction::create(*preset("nic"), 0x10000000000ull * (index + 1));
		EXPECT_TRUE(fn);
		vfio::DeviceSetup setup;
		setup.bdf = "5f00:00:0" + std::to_string(index + 1) + ".0";
		setup.vfio_index = index;
		setup.iommu_group = index + 1;
		setup.profile = &default_profile();
		setup.dev_set = set;
		auto d = vfio::VfioPciDevice::create(std::move(*fn), setup);
		EXPECT_TRUE(d);
		dev = *d;
		set->add(dev);
		auto file = vfio::DeviceFile::open(dev, vfio::CallContext{fds, mm}, "anon_inode:[vfio-device]");
		EXPECT_TRUE(file);
		auto standin = create_memfd("vfio-device");
		EXPECT_TRUE(standin);
		fd = *fds.install(*file, std::move(*standin));
	}
	~DirectDevice() { (void)fds_.close(fd); }

	long ioctl(unsigned long cmd, void *arg) { return (*fds_.get(fd))->ioctl(static_cast<unsigned>(cmd), reinterpret_cast<uintptr_t>(arg)); }

	long export_buf(uint64_t offset, uint64_t length)
	{
		uint8_t arg[sizeof(vfio_device_feature) + sizeof(vfio_device_feature_dma_buf) +
			    sizeof(vfio_region_dma_range)] = {};
		vfio_device_feature hdr{sizeof(arg), VFIO_DEVICE_FEATURE_DMA_BUF | VFIO_DEVICE_FEATURE_GET};
		vfio_device_feature_dma_buf req{2, O_RDWR | O_CLOEXEC, 0, 1};
		vfio_region_dma_range range{offset, length};
		std::memcpy(arg, &hdr, sizeof(hdr));
		std::memcpy(arg + sizeof(hdr), &req, sizeof(req));
		std::memcpy(arg + sizeof(hdr) + sizeof(req), &range, sizeof(range));
		return ioctl(VFIO_DEVICE_FEATURE, arg);
	}

	long map_bar(uint64_t offset, uint64_t length)
	{
		vfs::MmapArgs args{0, length, PROT_READ | PROT_WRITE, MAP_SHARED, (2ull << 40) + offset};
		return (*fds_.get(fd))->mmap(mm_, args);
	}

	vfs::FdTable &fds_;
	mm::Mm &mm_;
	std::shared_ptr<vfio::VfioPciDevice> dev;
	int fd = -1;
};

class DirectTest : public ::testing::Test
{
protected:
	vfs::FdTable fds_;
	mm::Mm mm_;
	std::shared_ptr<vfio::DeviceSet> set_ = std::make_shared<vfio::DeviceSet>();
};

TEST_F(DirectTest, UnregisteringDeviceRefusesExportWithEnodev)
{
	DirectDevice d(fds_, mm_, set_, 0);
	d.dev->unregister();
	EXPECT_EQ(d.export_buf(0, kPage), -ENODEV);
}

TEST_F(DirectTest, UnregisteringDeviceRefusesBarMmapWithEnodev)
{
	DirectDevice d(fds_, mm_, set_, 0);
	d.dev->unregister();
	EXPECT_EQ(d.map_bar(0, kPage), -ENODEV);
	EXPECT_EQ(d.dev->buffers().size(), 0u);
}

TEST_F(DirectTest, UnregistrationWaitsForEveryBufferRegistration)
{
	DirectDevice d(fds_, mm_, set_, 0);
	long buf = d.export_buf(0, kPage);
	ASSERT_GE(buf, 0);
	std::atomic<bool> started{false}, done{false};
	std::thread unregister([&] {
		started = true;
		d.dev->unregister();
		done = true;
	});
	wait_for(started);
	EXPECT_FALSE(done.load());
	ASSERT_TRUE(fds_.close(static_cast<int>(buf)));
	unregister.join();
	EXPECT_TRUE(done.load());
}

TEST_F(DirectTest, CleanupPutsTheRegistrationsItTook)
{
	auto d = std::make_unique<DirectDevice>(fds_, mm_, set_, 0);
	long buf = d->export_buf(0, kPage);
	ASSERT_GE(buf, 0);
	auto dev = d->dev;
	d.reset();   /* device closed: cleanup detaches the buffer */
	dev->unregister();   /* returns: no registration left */
	SUCCEED();
	(void)fds_.close(static_cast<int>(buf));
}

class HotResetTest : public DirectTest
{
protected:
	void SetUp() override
	{
		a_ = std::make_unique<DirectDevice>(fds_, mm_, set_, 0);
		b_ = std::make_unique<DirectDevice>(fds_, mm_, set_, 1);
		buf_ = static_cast<int>(a_->export_buf(0, kPage));
		ASSERT_GE(buf_, 0);
		auto file = fds_.get(buf_);
		ASSERT_TRUE(file);
		/* An importer on device a's buffer sees every revoke. */
		att_ = attach(*file);
		ASSERT_TRUE(att_);
	}
	void TearDown() override
	{
		att_.reset();
		(void)fds_.close(buf_);
		b_.reset();
		a_.reset();
	}
	std::unique_ptr<Attachment> attach(const std::shared_ptr<vfs::File> &file);

	std::unique_ptr<DirectDevice> a_, b_;
	int buf_ = -1;
	TestImporter importer_;
	std::unique_ptr<Attachment> att_;
};

TEST_F(HotResetTest, MemoryLockContentionIsEbusyAndUnwinds)
{
	std::atomic<bool> held{false}, release{false};
	std::thread holder([&] {
		std::shared_lock lock(b_->dev->memory_lock());
		held = true;
		wait_for(release);
	});
	wait_for(held);
	auto r = set_->hot_reset();
	release = true;
	holder.join();
	EXPECT_EQ(r.error(), EBUSY);
	/* Device a was revoked before the contention and restored after. */
	EXPECT_EQ(importer_.invalidations, 1);
	EXPECT_TRUE(att_->map());
}

TEST_F(HotResetTest, SucceedsAndRestoresEveryDevice)
{
	ASSERT_TRUE(set_->hot_reset());
	EXPECT_EQ(importer_.invalidations, 1);
	EXPECT_TRUE(att_->map());
	long bar = b_->map_bar(0, kPage);
	ASSERT_GT(bar, 0);
	const auto addr = static_cast<uintptr_t>(bar);
	ASSERT_EQ(mm_.touch(addr).result, mm::FaultResult::Inserted);
	ASSERT_FALSE(mm_.find(addr)->entries.empty());
	ASSERT_TRUE(set_->hot_reset());
	EXPECT_EQ(importer_.invalidations, 2);
	EXPECT_EQ(att_->mapped(), 0u);
	/* Device b's BAR mapping was zapped (its page table is empty) and
	 * is live again. */
	EXPECT_TRUE(mm_.find(addr)->entries.empty());
	EXPECT_TRUE(mm_.find(addr)->live);
	EXPECT_EQ(mm_.touch(addr).result, mm::FaultResult::Inserted);
	ASSERT_TRUE(mm_.unmap(static_cast<uintptr_t>(bar), kPage));
}

} /* namespace */
} /* namespace softvfio::test */

#include "dmabuf/attachment.h"
#include "dmabuf/dma_buf.h"

namespace softvfio::test {
namespace {

std::unique_ptr<Attachment> HotResetTest::attach(const std::shared_ptr<vfs::File> &file)
{
	auto buf = std::dynamic_pointer_cast<dmabuf::DmaBuf>(file);
	auto att = dmabuf::attach(buf, importer_);
	return att ? std::move(*att) : nullptr;
}

} /* namespace */
} /* namespace softvfio::test */
