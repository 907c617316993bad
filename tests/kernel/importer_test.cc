/* SPDX-License-Identifier: MIT */
/*
 * In-process importers (docs/semantics.md §4.10, §5.8, §6 item 6):
 * attach rules, mapping counts, invalidation, the drain that makes a revoke
 * wait for every mapping (proved with handshakes, never with sleeps), and
 * fences.
 */
#include <atomic>
#include <poll.h>
#include <thread>
#include <unistd.h>

#include "kernel/dmabuf_fixture.h"
#include "kernel/test_importer.h"

namespace softvfio::test {
namespace {

/* The set-up every importer test shares: nic opened under a profile with
 * one exported BAR2 buffer (buf_), attachments to it, and a revoke on
 * another thread that the test can hold up. */
class ImporterFixture : public DmabufTest
{
protected:
	void open_with_buffer(ProfileId profile, const RangeList &ranges)
	{
		open("nic", profile);
		buf_ = static_cast<int>(export_buf(2, ranges));
		ASSERT_GE(buf_, 0);
	}

	/* Attach `importer` to `buf` (default buf_); null if that failed. */
	std::unique_ptr<Attachment> attach(TestImporter &importer, int buf = -1)
	{
		auto att = kernel_.attach_dma_buf(buf < 0 ? buf_ : buf, importer);
		EXPECT_TRUE(att) << att.error();
		return att ? std::move(*att) : nullptr;
	}

	/* Revoke buf_ on another thread; returns once `importer` has been
	 * notified (a handshake, no sleep). revoked_ says when it is done. */
	std::jthread revoke_until_notified(TestImporter &importer)
	{
		importer.hook = [this](Attachment &) { notified_ = true; };
		std::jthread revoker([this] {
			EXPECT_EQ(revoke(buf_), 0);
			revoked_ = true;
		});
		wait_for(notified_);
		return revoker;
	}

	/* A new, unsignalled fence of `usage` on `att`. */
	static std::shared_ptr<Fence> add_fence(Attachment &att, FenceUsage usage)
	{
		auto fence = std::make_shared<Fence>();
		att.add_fence(fence, usage);
		return fence;
	}

	int buf_ = -1;
	std::atomic<bool> notified_{false}, revoked_{false};
};

class ImporterTest : public ImporterFixture
{
protected:
	void SetUp() override { open_with_buffer(ProfileId::SeriesV4, {{0x3000, kPage}, {0x1000, 2 * kPage}}); }
};

/* --- attach --- */

TEST_F(ImporterTest, AttachSucceeds)
{
	TestImporter importer;
	auto att = attach(importer);
	ASSERT_TRUE(att);
	EXPECT_EQ(att->buffer_id(), *kernel_.buffer_id(buf_));
	EXPECT_EQ(buffer_of(buf_).attachments, 1u);
	att.reset();
	EXPECT_EQ(buffer_of(buf_).attachments, 0u);
}

TEST_F(ImporterTest, AttachWithoutPeerToPeerIsEopnotsupp)
{
	TestImporter importer;
	importer.p2p = false;
	EXPECT_EQ(kernel_.attach_dma_buf(buf_, importer).error(), EOPNOTSUPP);
}

TEST_F(ImporterTest, AttachOfNonRevocableImporterIsEopnotsupp)
{
	TestImporter importer;
	importer.can_revoke = false;
	EXPECT_EQ(kernel_.attach_dma_buf(buf_, importer).error(), EOPNOTSUPP);
}

TEST_F(ImporterTest, AttachWhileRevokedIsEnodev)
{
	TestImporter importer;
	set_memory(false);
	EXPECT_EQ(kernel_.attach_dma_buf(buf_, importer).error(), ENODEV);
	set_memory(true);
	EXPECT_TRUE(kernel_.attach_dma_buf(buf_, importer));
	ASSERT_EQ(revoke(buf_), 0);
	EXPECT_EQ(kernel_.attach_dma_buf(buf_, importer).error(), ENODEV);
}

TEST_F(ImporterTest, AttachOrderPeerToPeerThenRevokedThenRevocable)
{
	TestImporter importer;
	importer.p2p = false;
	importer.can_revoke = false;
	set_memory(false);
	EXPECT_EQ(kernel_.attach_dma_buf(buf_, importer).error(), EOPNOTSUPP);
	importer.p2p = true;
	EXPECT_EQ(kernel_.attach_dma_buf(buf_, importer).error(), ENODEV);
	set_memory(true);
	EXPECT_EQ(kernel_.attach_dma_buf(buf_, importer).error(), EOPNOTSUPP);
}

TEST_F(ImporterTest, AttachNeedsADmabufFd)
{
	TestImporter importer;
	EXPECT_EQ(kernel_.attach_dma_buf(-1, importer).error(), EBADF);
	EXPECT_EQ(kernel_.attach_dma_buf(STDOUT_FILENO, importer).error(), EINVAL);
	EXPECT_EQ(kernel_.attach_dma_buf(fd_, importer).error(), EINVAL);
}

TEST_F(ImporterTest, PinIsFineWithoutAPinOp)
{
	TestImporter importer;
	auto att = attach(importer);
	EXPECT_TRUE(att->pin());
	att->unpin();
}

/* --- map --- */

TEST_F(ImporterTest, MapGivesThePhysicalRangesInBufferOrder)
{
	TestImporter importer;
	auto att = attach(importer);
	auto segs = att->map();
	ASSERT_TRUE(segs);
	ASSERT_EQ(segs->size(), 2u);
	EXPECT_EQ((*segs)[0], (DmaSegment{kNicBar2 + 0x3000, kPage}));
	EXPECT_EQ((*segs)[1], (DmaSegment{kNicBar2 + 0x1000, 2 * kPage}));
}

TEST_F(ImporterTest, MappingsAreCounted)
{
	TestImporter importer;
	auto a = attach(importer);
	auto b = attach(importer);
	ASSERT_TRUE(a->map());
	ASSERT_TRUE(a->map());
	ASSERT_TRUE(b->map());
	EXPECT_EQ(a->mapped(), 2u);
	EXPECT_EQ(buffer_of(buf_).importer_mappings, 3u);
	ASSERT_TRUE(a->unmap());
	EXPECT_EQ(buffer_of(buf_).importer_mappings, 2u);
	ASSERT_TRUE(a->unmap());
	EXPECT_EQ(a->unmap().error(), EINVAL);
	b.reset();
	EXPECT_EQ(buffer_of(buf_).importer_mappings, 0u);
}

TEST_F(ImporterTest, MapWhileRevokedIsEnodev)
{
	TestImporter importer;
	auto att = attach(importer);
	set_memory(false);
	EXPECT_EQ(att->map().error(), ENODEV);
	set_memory(true);
	EXPECT_TRUE(att->map());
	ASSERT_EQ(revoke(buf_), 0);
	EXPECT_EQ(att->map().error(), ENODEV);
}

/* --- invalidation and the drain --- */

TEST_F(ImporterTest, RevokeNotifiesEveryAttachment)
{
	TestImporter one, two;
	auto a = attach(one);
	auto b = attach(two);
	ASSERT_TRUE(a->map());
	ASSERT_TRUE(b->map());
	ASSERT_EQ(revoke(buf_), 0);
	EXPECT_EQ(one.invalidations, 1);
	EXPECT_EQ(two.invalidations, 1);
	EXPECT_EQ(buffer_of(buf_).importer_mappings, 0u);
}

TEST_F(ImporterTest, UnmappingFromInsideTheCallbackDoesNotDeadlock)
{
	TestImporter importer;
	auto att = attach(importer);
	ASSERT_TRUE(att->map());
	ASSERT_TRUE(att->map());
	set_memory(false);
	EXPECT_EQ(importer.invalidations, 1);
	EXPECT_EQ(att->mapped(), 0u);
}

TEST_F(ImporterTest, CallbackSeesTheBufferAlreadyRevoked)
{
	TestImporter importer;
	auto att = attach(importer);
	Result<std::vector<DmaSegment>> inside = err(EPERM);
	importer.hook = [&](Attachment &a) { inside = a.map(); };
	set_memory(false);
	EXPECT_EQ(inside.error(), ENODEV);
}

TEST_F(ImporterTest, UnrevokeIsNotNotifiedInSeriesV4)
{
	TestImporter importer;
	auto att = attach(importer);
	set_memory(false);
	set_memory(true);
	EXPECT_EQ(importer.invalidations, 1);
}

TEST_F(ImporterTest, RevokeBlocksUntilEveryMappingIsUnmapped)
{
	TestImporter importer;
	importer.unmap_on_invalidate = false;
	auto att = attach(importer);
	ASSERT_TRUE(att->map());
	ASSERT_TRUE(att->map());
	auto revoker = revoke_until_notified(importer);
	EXPECT_FALSE(revoked_.load());
	ASSERT_TRUE(att->unmap());
	EXPECT_FALSE(revoked_.load());   /* one mapping still held */
	ASSERT_TRUE(att->unmap());
	revoker.join();
	EXPECT_TRUE(revoked_.load());
	EXPECT_EQ(buffer_of(buf_).status, BufferStatus::PermRevoked);
}

TEST_F(ImporterTest, DetachUnmapsWhatIsLeftAndReleasesTheRevoke)
{
	TestImporter importer;
	importer.unmap_on_invalidate = false;
	auto att = attach(importer);
	ASSERT_TRUE(att->map());
	auto revoker = revoke_until_notified(importer);
	att.reset();
	revoker.join();
	EXPECT_EQ(buffer_of(buf_).attachments, 0u);
}

TEST_F(ImporterTest, CpuMappingsAreZappedOnlyAfterTheDrain)
{
	/* §4.6: notify, fences, drain, then zap. While the importer still
	 * holds its mapping, the CPU mapping is still live. */
	TestImporter importer;
	importer.unmap_on_invalidate = false;
	auto att = attach(importer);
	ASSERT_TRUE(att->map());
	void *p = map_buf(buf_, kPage);
	auto revoker = revoke_until_notified(importer);
	EXPECT_TRUE(readable(p));
	ASSERT_TRUE(att->unmap());
	revoker.join();
	EXPECT_TRUE(sigbus(p));
}

TEST_F(ImporterTest, RevokeWaitsForFences)
{
	TestImporter importer;
	auto att = attach(importer);
	auto fence = add_fence(*att, FenceUsage::Bookkeep);
	auto revoker = revoke_until_notified(importer);
	EXPECT_FALSE(revoked_.load());
	fence->signal();
	revoker.join();
	EXPECT_TRUE(revoked_.load());
}

TEST_F(ImporterTest, SignalledFencesDoNotBlock)
{
	TestImporter importer;
	auto att = attach(importer);
	auto fence = std::make_shared<Fence>();
	fence->signal();
	att->add_fence(fence, FenceUsage::Write);
	EXPECT_EQ(revoke(buf_), 0);
}

TEST_F(ImporterTest, TempToPermDoesNotDrainAgain)
{
	TestImporter importer;
	auto att = attach(importer);
	set_memory(false);
	/* A pending fence would block a second drain forever. */
	att->add_fence(std::make_shared<Fence>(), FenceUsage::Bookkeep);
	EXPECT_EQ(revoke(buf_), 0);
	EXPECT_EQ(importer.invalidations, 1);
	EXPECT_EQ(buffer_of(buf_).status, BufferStatus::PermRevoked);
}

/* --- fences and CPU access: DMA_BUF_IOCTL_SYNC and sync files --- */

TEST_F(ImporterTest, SyncStartWaitsForTheFencesOfItsDirection)
{
	TestImporter importer;
	auto att = attach(importer);
	auto reader = add_fence(*att, FenceUsage::Read);
	/* A CPU read waits only for writers: done at once. */
	dma_buf_sync s{DMA_BUF_SYNC_READ | DMA_BUF_SYNC_START};
	EXPECT_EQ(kernel_.ioctl(buf_, DMA_BUF_IOCTL_SYNC, &s), 0);
	/* A CPU write waits for the reader too. */
	std::atomic<bool> started{false}, done{false};
	std::thread writer([&] {
		dma_buf_sync w{DMA_BUF_SYNC_WRITE | DMA_BUF_SYNC_START};
		started = true;
		EXPECT_EQ(kernel_.ioctl(buf_, DMA_BUF_IOCTL_SYNC, &w), 0);
		done = true;
	});
	wait_for(started);
	EXPECT_FALSE(done.load());
	reader->signal();
	writer.join();
	EXPECT_TRUE(done.load());
}

TEST_F(ImporterTest, ExportSyncFileReportsTheFences)
{
	TestImporter importer;
	auto att = attach(importer);
	auto writer = add_fence(*att, FenceUsage::Write);
	dma_buf_export_sync_file req{DMA_BUF_SYNC_READ, -1};
	ASSERT_EQ(kernel_.ioctl(buf_, DMA_BUF_IOCTL_EXPORT_SYNC_FILE, &req), 0);
	ASSERT_GE(req.fd, 0);
	EXPECT_TRUE(::fcntl(req.fd, F_GETFD) & FD_CLOEXEC);
	pollfd p{req.fd, POLLIN, 0};
	EXPECT_EQ(::poll(&p, 1, 0), 0);
	writer->signal();
	EXPECT_EQ(::poll(&p, 1, -1), 1);
	::close(req.fd);
}

TEST_F(ImporterTest, ExportSyncFileWithoutFencesIsSignalled)
{
	dma_buf_export_sync_file req{DMA_BUF_SYNC_RW, -1};
	ASSERT_EQ(kernel_.ioctl(buf_, DMA_BUF_IOCTL_EXPORT_SYNC_FILE, &req), 0);
	pollfd p{req.fd, POLLIN, 0};
	EXPECT_EQ(::poll(&p, 1, 0), 1);
	::close(req.fd);
}

TEST_F(ImporterTest, SyncFileFlagsAreValidated)
{
	for (uint32_t bad : {0u, 4u, 8u, DMA_BUF_SYNC_RW | 4u}) {
		dma_buf_export_sync_file e{bad, -1};
		EXPECT_EQ(kernel_.ioctl(buf_, DMA_BUF_IOCTL_EXPORT_SYNC_FILE, &e), -EINVAL) << bad;
		dma_buf_import_sync_file i{bad, -1};
		EXPECT_EQ(kernel_.ioctl(buf_, DMA_BUF_IOCTL_IMPORT_SYNC_FILE, &i), -EINVAL) << bad;
	}
	EXPECT_EQ(kernel_.ioctl(buf_, DMA_BUF_IOCTL_EXPORT_SYNC_FILE, uintptr_t(8)), -EFAULT);
	EXPECT_EQ(kernel_.ioctl(buf_, DMA_BUF_IOCTL_IMPORT_SYNC_FILE, uintptr_t(8)), -EFAULT);
}

TEST_F(ImporterTest, ImportOfSomethingElseIsEinval)
{
	dma_buf_import_sync_file req{DMA_BUF_SYNC_WRITE, STDOUT_FILENO};
	EXPECT_EQ(kernel_.ioctl(buf_, DMA_BUF_IOCTL_IMPORT_SYNC_FILE, &req), -EINVAL);
	req.fd = -1;
	EXPECT_EQ(kernel_.ioctl(buf_, DMA_BUF_IOCTL_IMPORT_SYNC_FILE, &req), -EINVAL);
}

TEST_F(ImporterTest, ImportedSyncFileFenceBlocksRevoke)
{
	/* A fence exported from one buffer and imported into another. */
	int other = static_cast<int>(export_buf(2, 0, kPage));
	TestImporter importer;
	auto att = attach(importer, other);
	ASSERT_TRUE(att);
	auto fence = add_fence(*att, FenceUsage::Write);
	dma_buf_export_sync_file e{DMA_BUF_SYNC_READ, -1};
	ASSERT_EQ(kernel_.ioctl(other, DMA_BUF_IOCTL_EXPORT_SYNC_FILE, &e), 0);
	dma_buf_import_sync_file i{DMA_BUF_SYNC_WRITE, e.fd};
	ASSERT_EQ(kernel_.ioctl(buf_, DMA_BUF_IOCTL_IMPORT_SYNC_FILE, &i), 0);
	::close(e.fd);
	TestImporter watcher;
	auto w = attach(watcher);
	auto revoker = revoke_until_notified(watcher);
	EXPECT_FALSE(revoked_.load());
	fence->signal();
	revoker.join();
}

/* --- profile differences --- */

/* One page of BAR2 exported on a device opened under `Profile`. */
template<ProfileId Profile>
class ImporterOnProfile : public ImporterFixture
{
protected:
	void SetUp() override { open_with_buffer(Profile, {{0, kPage}}); }
};
using Importer619Test = ImporterOnProfile<ProfileId::Linux619>;
using ImporterV2Test = ImporterOnProfile<ProfileId::SeriesV2>;

TEST_F(Importer619Test, PinIsEopnotsupp)
{
	TestImporter importer;
	auto att = attach(importer);
	ASSERT_TRUE(att);
	EXPECT_EQ(att->pin().error(), EOPNOTSUPP);
}

TEST_F(Importer619Test, NotifiedOnRevokeAndOnUnrevoke)
{
	TestImporter importer;
	bool revoked_when_told = false;
	auto att = attach(importer);
	ASSERT_TRUE(att);
	set_memory(false);
	EXPECT_EQ(importer.invalidations, 1);
	importer.hook = [&](Attachment &a) { revoked_when_told = a.map().error() == ENODEV; };
	set_memory(true);
	EXPECT_EQ(importer.invalidations, 2);
	/* Told while the buffer still reads as revoked. */
	EXPECT_TRUE(revoked_when_told);
	EXPECT_TRUE(att->map());
}

TEST_F(ImporterV2Test, NotifiedOnRevokeAndOnUnrevoke)
{
	TestImporter importer;
	auto att = attach(importer);
	ASSERT_TRUE(att);
	set_memory(false);
	set_memory(true);
	EXPECT_EQ(importer.invalidations, 2);
	EXPECT_TRUE(att->pin());
}

TEST_F(ImporterV2Test, UnrevokeWaitsForFences)
{
	TestImporter importer;
	auto att = attach(importer);
	ASSERT_TRUE(att);
	set_memory(false);
	auto fence = add_fence(*att, FenceUsage::Bookkeep);
	std::atomic<bool> notified{false}, done{false};
	importer.hook = [&](Attachment &) { notified = true; };
	std::thread enabler([&] {
		set_memory(true);
		done = true;
	});
	wait_for(notified);
	EXPECT_FALSE(done.load());
	fence->signal();
	enabler.join();
	EXPECT_EQ(buffer_of(buf_).status, BufferStatus::Ok);
}

} /* namespace */
} /* namespace softvfio::test */
