/* SPDX-License-Identifier: MIT */
/*
 * Temporary revocation triggers (docs/semantics.md §4.5): each one
 * revokes the device's buffers (status, importers, CPU mappings) and
 * un-revokes them afterwards only if memory is then enabled.
 */
#include "kernel/dmabuf_fixture.h"
#include "kernel/test_importer.h"

namespace softvfio::test {
namespace {

constexpr uint8_t kCapPm = 0x01;
constexpr uint8_t kCapExp = 0x10;

class TriggersTest : public DmabufTest
{
protected:
	void SetUp() override
	{
		open("nic");
		buf_ = static_cast<int>(export_buf(2, 0x10000, kPage));
		ASSERT_GE(buf_, 0);
		exported_ = map_buf(buf_, kPage);
		bar_ = map_bar(region_offset(2) + 0x10000, kPage);
		ASSERT_NE(exported_, MAP_FAILED);
		ASSERT_NE(bar_, MAP_FAILED);
		write32(bar_, 0x7e57da7a);
		auto att = kernel_.attach_dma_buf(buf_, importer_);
		ASSERT_TRUE(att);
		att_ = std::move(*att);
		ASSERT_TRUE(att_->map());
	}
	void TearDown() override
	{
		att_.reset();
		DmabufTest::TearDown();
	}

	void expect_revoked()
	{
		EXPECT_EQ(buffer_of(buf_).status, BufferStatus::TempRevoked);
		EXPECT_EQ(hidden_buffers().at(0).status, BufferStatus::TempRevoked);
		EXPECT_TRUE(sigbus(exported_));
		EXPECT_TRUE(sigbus(bar_));
		EXPECT_EQ(att_->mapped(), 0u);
		EXPECT_EQ(att_->map().error(), ENODEV);
	}
	void expect_live()
	{
		EXPECT_EQ(buffer_of(buf_).status, BufferStatus::Ok);
		EXPECT_EQ(hidden_buffers().at(0).status, BufferStatus::Ok);
		EXPECT_EQ(read32(exported_), 0x7e57da7au);
		EXPECT_EQ(read32(bar_), 0x7e57da7au);
		EXPECT_TRUE(att_->map());
	}
	/* Fill the page tables of both CPU mappings... */
	void touch_both()
	{
		ASSERT_TRUE(kernel_.touch(bar_));
		ASSERT_TRUE(kernel_.touch(exported_));
		ASSERT_FALSE(mapping(bar_)->page_table.empty());
	}
	/* ...so that empty ones prove a zap happened in between. */
	void expect_zapped_since_touch()
	{
		EXPECT_TRUE(mapping(bar_)->page_table.empty());
		EXPECT_TRUE(mapping(exported_)->page_table.empty());
	}
	long set_power(unsigned state)
	{
		uint8_t pm = find_cap(kCapPm);
		uint16_t ctrl = config16(pm + 4);
		return config_write16(pm + 4, static_cast<uint16_t>((ctrl & ~3u) | state));
	}

	TestImporter importer_;
	std::unique_ptr<Attachment> att_;
	int buf_ = -1;
	void *exported_ = nullptr;
	void *bar_ = nullptr;
};

TEST_F(TriggersTest, CommandMemoryClearRevokesAndSetUnrevokes)
{
	set_memory(false);
	EXPECT_EQ(importer_.invalidations, 1);
	expect_revoked();
	set_memory(true);
	expect_live();
	/* series-v4 tells importers about revocation only. */
	EXPECT_EQ(importer_.invalidations, 1);
}

TEST_F(TriggersTest, CommandWriteKeepingMemoryDoesNotRevoke)
{
	uint16_t cmd = config16(0x04);
	ASSERT_EQ(config_write16(0x04, static_cast<uint16_t>(cmd ^ 0x0100)), 2);
	EXPECT_EQ(importer_.invalidations, 0);
	EXPECT_EQ(att_->mapped(), 1u);
	expect_live();
}

TEST_F(TriggersTest, ClearingAnAlreadyClearMemoryBitIsANoOp)
{
	set_memory(false);
	set_memory(false);
	EXPECT_EQ(importer_.invalidations, 1);
	expect_revoked();
}

TEST_F(TriggersTest, D3hotRevokesAndD0Unrevokes)
{
	ASSERT_EQ(set_power(3), 2);
	EXPECT_EQ(importer_.invalidations, 1);
	expect_revoked();
	ASSERT_EQ(set_power(0), 2);
	expect_live();
}

TEST_F(TriggersTest, FlrThroughDevctlRevokesAroundTheReset)
{
	touch_both();
	uint8_t exp = find_cap(kCapExp);
	ASSERT_NE(exp, 0);
	uint16_t devctl = config16(exp + 8);
	ASSERT_EQ(config_write16(exp + 8, static_cast<uint16_t>(devctl | 0x8000)), 2);
	EXPECT_EQ(importer_.invalidations, 1);
	EXPECT_EQ(att_->mapped(), 0u);
	expect_zapped_since_touch();
	expect_live();
}

TEST_F(TriggersTest, DeviceResetRevokesAroundTheReset)
{
	touch_both();
	ASSERT_EQ(kernel_.ioctl(fd_, VFIO_DEVICE_RESET, uintptr_t(0)), 0);
	EXPECT_EQ(importer_.invalidations, 1);
	EXPECT_EQ(att_->mapped(), 0u);
	expect_zapped_since_touch();
	expect_live();
}

TEST_F(TriggersTest, DeviceResetFromD3hotComesBackInD0)
{
	ASSERT_EQ(set_power(3), 2);
	EXPECT_EQ(importer_.invalidations, 1);
	ASSERT_EQ(kernel_.ioctl(fd_, VFIO_DEVICE_RESET, uintptr_t(0)), 0);
	/* Already revoked by D3hot: no second notification. */
	EXPECT_EQ(importer_.invalidations, 1);
	EXPECT_EQ(state().power_state, "D0");
	expect_live();
}

TEST_F(TriggersTest, DeviceResetWhileMemoryDisabledStaysRevoked)
{
	set_memory(false);
	ASSERT_EQ(kernel_.ioctl(fd_, VFIO_DEVICE_RESET, uintptr_t(0)), 0);
	/* The user's virtual COMMAND still has MEMORY clear. */
	EXPECT_FALSE(state().memory_enabled);
	expect_revoked();
	set_memory(true);
	expect_live();
}

TEST_F(TriggersTest, LowPowerEntryRevokesAndExitUnrevokes)
{
	ASSERT_EQ(feature(VFIO_DEVICE_FEATURE_LOW_POWER_ENTRY | kSet), 0);
	EXPECT_EQ(importer_.invalidations, 1);
	EXPECT_TRUE(sigbus(exported_));
	EXPECT_TRUE(sigbus(bar_));
	EXPECT_EQ(att_->mapped(), 0u);
	ASSERT_EQ(feature(VFIO_DEVICE_FEATURE_LOW_POWER_EXIT | kSet), 0);
	expect_live();
}

TEST_F(TriggersTest, SecondLowPowerEntryIsEinvalAfterRevoking)
{
	ASSERT_EQ(feature(VFIO_DEVICE_FEATURE_LOW_POWER_ENTRY | kSet), 0);
	EXPECT_EQ(feature(VFIO_DEVICE_FEATURE_LOW_POWER_ENTRY | kSet), -EINVAL);
	EXPECT_TRUE(sigbus(bar_));
	ASSERT_EQ(feature(VFIO_DEVICE_FEATURE_LOW_POWER_EXIT | kSet), 0);
	expect_live();
}

TEST_F(TriggersTest, MemoryReenabledWhileLowPowerStaysInaccessibleUntilExit)
{
	ASSERT_EQ(feature(VFIO_DEVICE_FEATURE_LOW_POWER_ENTRY | kSet), 0);
	set_memory(false);
	set_memory(true);
	EXPECT_TRUE(sigbus(bar_));
	EXPECT_TRUE(sigbus(exported_));
	ASSERT_EQ(feature(VFIO_DEVICE_FEATURE_LOW_POWER_EXIT | kSet), 0);
	EXPECT_EQ(read32(bar_), 0x7e57da7au);
	EXPECT_EQ(read32(exported_), 0x7e57da7au);
}

/* mmap() does not resume a device in low power (found by fuzz_sequence:
 * the hidden buffer started OK on a runtime-suspended device). */
TEST_F(TriggersTest, BarMmapWhileLowPowerStartsTempAndExitUnrevokes)
{
	ASSERT_EQ(feature(VFIO_DEVICE_FEATURE_LOW_POWER_ENTRY | kSet), 0);
	void *late = map_bar(region_offset(2) + 0x20000, kPage);
	ASSERT_NE(late, MAP_FAILED);
	auto m = mapping(late);
	ASSERT_TRUE(m && m->buffer_id);
	auto status = [&] {
		for (const BufferInfo &b : hidden_buffers())
			if (b.id == *m->buffer_id)
				return b.status;
		return BufferStatus::PermRevoked;
	};
	EXPECT_EQ(status(), BufferStatus::TempRevoked);
	EXPECT_TRUE(sigbus(late));
	ASSERT_EQ(feature(VFIO_DEVICE_FEATURE_LOW_POWER_EXIT | kSet), 0);
	EXPECT_EQ(status(), BufferStatus::Ok);
	EXPECT_FALSE(sigbus(late));
}

/* The export ioctl resumes the device first (§4.1 step 12 sees memory
 * enabled); the buffer is OK, its CPU faults still SIGBUS while engaged. */
TEST_F(TriggersTest, ExportWhileLowPowerStartsOk)
{
	ASSERT_EQ(feature(VFIO_DEVICE_FEATURE_LOW_POWER_ENTRY | kSet), 0);
	const int late = static_cast<int>(export_buf(2, 0x20000, kPage));
	ASSERT_GE(late, 0);
	EXPECT_EQ(buffer_of(late).status, BufferStatus::Ok);
	EXPECT_EQ(kernel_.close(late), 0);
}

TEST_F(TriggersTest, DeviceCloseRevokesForGood)
{
	int second = open_again();
	(void)second;
	ASSERT_EQ(unmap(bar_, kPage), 0);
	ASSERT_EQ(kernel_.close(fd_), 0);
	std::erase(fds_, fd_);
	ASSERT_EQ(kernel_.close(second), 0);
	std::erase(fds_, second);
	EXPECT_EQ(importer_.invalidations, 1);
	EXPECT_EQ(att_->mapped(), 0u);
	EXPECT_EQ(buffer_of(buf_).status, BufferStatus::TempRevoked);
	EXPECT_TRUE(sigbus(exported_));
	EXPECT_EQ(att_->map().error(), ENODEV);
}

TEST_F(TriggersTest, PermRevokedBuffersIgnoreTriggers)
{
	ASSERT_EQ(revoke(buf_), 0);
	EXPECT_EQ(importer_.invalidations, 1);
	set_memory(false);
	set_memory(true);
	EXPECT_EQ(importer_.invalidations, 1);
	EXPECT_EQ(buffer_of(buf_).status, BufferStatus::PermRevoked);
	EXPECT_TRUE(sigbus(exported_));
	EXPECT_EQ(read32(bar_), 0x7e57da7au);
}

class ResetlessTriggers : public DmabufTest
{
protected:
	void SetUp() override { open("ivshmem-plain"); }
};

TEST_F(ResetlessTriggers, DeviceResetWithoutResetSupportIsEinvalAndRevokesNothing)
{
	int buf = static_cast<int>(export_buf(2, 0, kPage));
	TestImporter importer;
	auto att = kernel_.attach_dma_buf(buf, importer);
	ASSERT_TRUE(att);
	EXPECT_EQ(kernel_.ioctl(fd_, VFIO_DEVICE_RESET, uintptr_t(0)), -EINVAL);
	EXPECT_EQ(importer.invalidations, 0);
	EXPECT_EQ(buffer_of(buf).status, BufferStatus::Ok);
}

} /* namespace */
} /* namespace softvfio::test */
