/* SPDX-License-Identifier: MIT */
/*
 * DmaBuf against a fake exporter: the §4.6 state machine, importer
 * notification policy by profile, the §7 item 1 zap of every VMA, the
 * Mappable side (backing runs, accessibility, the §4.4 fault protocol), and
 * release (§4.9).
 */
#include "base/log.h"
#include "dmabuf/attachment.h"
#include "dmabuf/fake_exporter.h"
#include "support/guarded_access.h"

namespace softvfio::dmabuf::test {
namespace {

using softvfio::test::guarded_read;

struct CountingImporter : Importer {
	void invalidate(Attachment &a) override
	{
		calls++;
		while (a.mapped())
			(void)a.unmap();
	}
	int calls = 0;
};

bool sigbus(uintptr_t addr)
{
	auto r = guarded_read(reinterpret_cast<void *>(addr));
	return r.faulted && r.signo == SIGBUS && r.code == BUS_ADRERR && r.addr == addr;
}

bool readable(uintptr_t addr)
{
	return !guarded_read(reinterpret_cast<void *>(addr)).faulted;
}

using BufferStatusTest = DmaBufTest;

TEST_F(BufferStatusTest, StartsOkWhenMemoryIsEnabledElseTemp)
{
	auto on = make({{kBar2, kPage}});
	dev_.enabled = false;
	auto off = make({{kBar2, kPage}});
	EXPECT_EQ(on->status(), Status::Ok);
	EXPECT_EQ(off->status(), Status::TempRevoked);
	EXPECT_EQ(dev_.list.size(), 2u);
}

TEST_F(BufferStatusTest, PermIsAbsorbing)
{
	auto buf = make({{kBar2, kPage}});
	set_status(buf, Status::PermRevoked);
	set_status(buf, Status::Ok);
	EXPECT_EQ(buf->status(), Status::PermRevoked);
	set_status(buf, Status::TempRevoked);
	EXPECT_EQ(buf->status(), Status::PermRevoked);
	move(false);
	EXPECT_EQ(buf->status(), Status::PermRevoked);
}

TEST_F(BufferStatusTest, RevokeNotifiesOnceAndTempToPermDoesNotAgain)
{
	auto buf = make({{kBar2, kPage}});
	CountingImporter importer;
	auto att = attach(buf, importer);
	ASSERT_TRUE(att);
	set_status(buf, Status::TempRevoked);
	EXPECT_EQ(importer.calls, 1);
	set_status(buf, Status::TempRevoked);
	EXPECT_EQ(importer.calls, 1);
	set_status(buf, Status::PermRevoked);
	EXPECT_EQ(importer.calls, 1);
	EXPECT_EQ(buf->status(), Status::PermRevoked);
}

TEST_F(BufferStatusTest, OkToPermNotifies)
{
	auto buf = make({{kBar2, kPage}});
	CountingImporter importer;
	auto att = attach(buf, importer);
	set_status(buf, Status::PermRevoked);
	EXPECT_EQ(importer.calls, 1);
}

TEST_F(BufferStatusTest, SeriesV4DoesNotNotifyOnUnrevoke)
{
	auto buf = make({{kBar2, kPage}});
	CountingImporter importer;
	auto att = attach(buf, importer);
	move(true);
	move(false);
	EXPECT_EQ(importer.calls, 1);
	EXPECT_EQ(buf->status(), Status::Ok);
}

class BufferStatusV2Test : public DmaBufTest
{
protected:
	BufferStatusV2Test() : DmaBufTest(profile(ProfileId::SeriesV2)) {}
};

TEST_F(BufferStatusV2Test, NotifiesOnRevokeAndUnrevoke)
{
	auto buf = make({{kBar2, kPage}});
	CountingImporter importer;
	auto att = attach(buf, importer);
	move(true);
	move(false);
	EXPECT_EQ(importer.calls, 2);
}

class BufferStatus619Test : public DmaBufTest
{
protected:
	BufferStatus619Test() : DmaBufTest(profile(ProfileId::Linux619)) {}
};

TEST_F(BufferStatus619Test, OneBitNotifiedBothWaysAndPinRefused)
{
	auto buf = make({{kBar2, kPage}});
	CountingImporter importer;
	auto att = attach(buf, importer);
	move(true);
	EXPECT_EQ(buf->info().status, BufferStatus::TempRevoked);
	move(false);
	EXPECT_EQ(importer.calls, 2);
	EXPECT_EQ((*att)->pin().error(), EOPNOTSUPP);
}

/* --- CPU mappings --- */

using BufferZapTest = DmaBufTest;

TEST_F(BufferZapTest, RevokeZapsEveryVmaWhateverItsPgoff)
{
	/* A BAR-mmap buffer of BAR2 at in-BAR page 0x30: its VMAs keep the
	 * region index in vm_pgoff; v4's [0, size) zap would miss them. */
	const uint64_t in_bar = 0x30000;
	auto buf = make({{kBar2 + in_bar, 4 * kPage}}, Kind::BarMmap, in_bar >> 12);
	const uint64_t pgoff = (kBar2 + in_bar) >> 12;
	uintptr_t a = map(buf, 4 * kPage, pgoff);
	uintptr_t b = map(buf, 2 * kPage, pgoff + 2);
	ASSERT_TRUE(readable(a) && readable(b));
	set_status(buf, Status::TempRevoked);
	EXPECT_TRUE(sigbus(a));
	EXPECT_TRUE(sigbus(a + 3 * kPage));
	EXPECT_TRUE(sigbus(b));
	set_status(buf, Status::Ok);
	EXPECT_TRUE(readable(a + 3 * kPage));
	EXPECT_TRUE(readable(b));
	ASSERT_TRUE(mm_.unmap(a, 4 * kPage));
	ASSERT_TRUE(mm_.unmap(b, 2 * kPage));
}

TEST_F(BufferZapTest, UnrevokeRestoresOnlyWhenTheDeviceIsAccessible)
{
	auto buf = make({{kBar2, kPage}});
	uintptr_t a = map(buf, kPage, 0);
	move(true);
	dev_.enabled = false;
	move(false);   /* status OK, but the device says no */
	EXPECT_EQ(buf->status(), Status::Ok);
	EXPECT_TRUE(sigbus(a));
	dev_.enabled = true;
	move(false);   /* already OK: the mappings still come back */
	EXPECT_TRUE(readable(a));
	ASSERT_TRUE(mm_.unmap(a, kPage));
}

TEST_F(BufferZapTest, NewMappingOfARevokedBufferIsInstalledRevoked)
{
	auto buf = make({{kBar2, kPage}});
	move(true);
	uintptr_t a = map(buf, kPage, 0);
	EXPECT_TRUE(sigbus(a));
	move(false);
	EXPECT_TRUE(readable(a));
	ASSERT_TRUE(mm_.unmap(a, kPage));
}

/* --- Mappable --- */

using BufferMappableTest = DmaBufTest;

TEST_F(BufferMappableTest, BackingWalksTheRangesInBufferOrder)
{
	auto buf = make({{kBar2 + 0x5000, kPage}, {kBar2 + 0x1000, 2 * kPage}});
	auto runs = buf->backing({0x10000, 0x10000 + 3 * kPage, 0});
	ASSERT_TRUE(runs);
	ASSERT_EQ(runs->size(), 2u);
	EXPECT_EQ((*runs)[0], (mm::Backing{0, kPage, dev_.fd(), kBar2 + 0x5000}));
	EXPECT_EQ((*runs)[1], (mm::Backing{kPage, 2 * kPage, dev_.fd(), kBar2 + 0x1000}));
	auto tail = buf->backing({0x10000, 0x10000 + kPage, 2});
	ASSERT_TRUE(tail);
	EXPECT_EQ((*tail)[0], (mm::Backing{0, kPage, dev_.fd(), kBar2 + 0x2000}));
}

TEST_F(BufferMappableTest, BarMmapBackingStripsTheIndexBits)
{
	auto buf = make({{kBar2 + 0x30000, 2 * kPage}}, Kind::BarMmap, 0x30);
	auto runs = buf->backing({0x10000, 0x10000 + kPage, (kBar2 >> 12) + 0x31});
	ASSERT_TRUE(runs);
	EXPECT_EQ((*runs)[0].file_offset, kBar2 + 0x31000);
}

TEST_F(BufferMappableTest, ExportedOffsetsWrapAtOneTerabyteLikeFindPfn)
{
	/* §7 item 5: 3 × 512 GiB of aliases; offset 1 TiB + 4 KiB is taken
	 * as 4 KiB, exactly as v4's find_pfn masks it. */
	const uint64_t half_tib = 1ull << 39;
	auto buf = make({{kBar2, half_tib}, {kBar2, half_tib}, {kBar2, half_tib}});
	const uint64_t pgoff = ((1ull << 40) + kPage) >> 12;
	auto runs = buf->backing({0x10000, 0x10000 + kPage, pgoff});
	ASSERT_TRUE(runs);
	EXPECT_EQ((*runs)[0].file_offset, kBar2 + kPage);
	auto pfn = buf->fault({0x10000, 0x10000 + kPage, pgoff}, 0x10000, 0);
	EXPECT_EQ(pfn.pfn, (kBar2 + kPage) >> 12);
}

TEST_F(BufferMappableTest, AccessibleNeedsOkStatusAnAttachedOwnerAndTheDevice)
{
	auto buf = make({{kBar2, kPage}});
	EXPECT_TRUE(buf->accessible());
	dev_.enabled = false;
	EXPECT_FALSE(buf->accessible());
	dev_.enabled = true;
	move(true);
	EXPECT_FALSE(buf->accessible());
	move(false);
	EXPECT_TRUE(buf->accessible());
	dev_.list.cleanup();
	EXPECT_FALSE(buf->accessible());
	EXPECT_EQ(buf->owner(), nullptr);
}

TEST_F(BufferMappableTest, MapsNameIsDmabufPlusName)
{
	auto buf = make({{kBar2, kPage}});
	EXPECT_EQ(buf->maps_name(), "/dmabuf:");
}

/* --- the fault protocol (§4.4) --- */

using BufferFaultTest = DmaBufTest;

TEST_F(BufferFaultTest, InsertsAndReturnsTheTemporaryRegistration)
{
	auto buf = make({{kBar2, 512 * kPage}});
	const int regs = dev_.registrations;
	auto f = buf->fault({0x200000, 0x400000, 0}, 0x200000, 9);
	EXPECT_EQ(f.result, mm::FaultResult::Inserted);
	EXPECT_EQ(f.pfn, kBar2 >> 12);
	EXPECT_EQ(dev_.registrations, regs);
}

TEST_F(BufferFaultTest, RevokedIsSigbusWithoutARegistration)
{
	auto buf = make({{kBar2, kPage}});
	move(true);
	dev_.refuse_registrations = true;   /* would warn if it were asked */
	const uint64_t warnings = log::warning_count();
	EXPECT_EQ(buf->fault({0x10000, 0x11000, 0}, 0x10000, 0).result, mm::FaultResult::SigBus);
	EXPECT_EQ(log::warning_count(), warnings);
}

TEST_F(BufferFaultTest, RegistrationFailureIsSigbusWithAWarning)
{
	auto buf = make({{kBar2, kPage}});
	dev_.refuse_registrations = true;
	const uint64_t warnings = log::warning_count();
	EXPECT_EQ(buf->fault({0x10000, 0x11000, 0}, 0x10000, 0).result, mm::FaultResult::SigBus);
	EXPECT_EQ(log::warning_count(), warnings + 1);
}

TEST_F(BufferFaultTest, MemoryDisabledWithStatusOkIsSigbus)
{
	auto buf = make({{kBar2, kPage}});
	dev_.enabled = false;   /* e.g. runtime PM engaged */
	EXPECT_EQ(buf->fault({0x10000, 0x11000, 0}, 0x10000, 0).result, mm::FaultResult::SigBus);
}

TEST_F(BufferFaultTest, MisalignedHugeBlockFallsBack)
{
	auto buf = make({{kBar2 + kPage, 1024 * kPage}});
	EXPECT_EQ(buf->fault({0x200000, 0x600000, 0}, 0x200000, 9).result, mm::FaultResult::Fallback);
	EXPECT_EQ(buf->fault({0x200000, 0x600000, 0}, 0x200000, 0).result, mm::FaultResult::Inserted);
}

TEST_F(BufferFaultTest, OrderZeroOutsideTheRangesIsSigbusWithAWarning)
{
	auto buf = make({{kBar2, kPage}});
	const uint64_t warnings = log::warning_count();
	EXPECT_EQ(buf->fault({0x10000, 0x12000, 0}, 0x11000, 0).result, mm::FaultResult::SigBus);
	EXPECT_EQ(log::warning_count(), warnings + 1);
}

TEST_F(BufferFaultTest, OrderZeroOutsideTheVmaIsSigbusWithAWarning)
{
	auto buf = make({{kBar2, 4 * kPage}});
	const uint64_t warnings = log::warning_count();
	EXPECT_EQ(buf->fault({0x10000, 0x11000, 0}, 0x11000, 0).result, mm::FaultResult::SigBus);
	EXPECT_EQ(log::warning_count(), warnings + 1);
}

TEST_F(BufferFaultTest, HugeBlockCrossingTheVmaEdgeFallsBackQuietly)
{
	auto buf = make({{kBar2, 1024 * kPage}});
	const uint64_t warnings = log::warning_count();
	EXPECT_EQ(buf->fault({0x201000, 0x600000, 0}, 0x201000, 9).result, mm::FaultResult::Fallback);
	EXPECT_EQ(log::warning_count(), warnings);
}

TEST_F(BufferFaultTest, StatusRecheckedUnderMemoryLock)
{
	/* A revoke between the resv check and memory_lock: the fault waits
	 * for the lock, then sees the new status. */
	auto buf = make({{kBar2, kPage}});
	std::unique_lock guard(dev_.memory_lock());
	std::atomic<bool> done{false};
	mm::FaultOutcome out{};
	std::thread faulter([&] {
		out = buf->fault({0x10000, 0x11000, 0}, 0x10000, 0);
		done = true;
	});
	/* The faulter passes resv and takes a registration, then blocks. */
	while (dev_.registrations < 2)
		std::this_thread::yield();
	EXPECT_FALSE(done.load());
	buf->set_status_locked(Status::TempRevoked);
	guard.unlock();
	faulter.join();
	EXPECT_EQ(out.result, mm::FaultResult::SigBus);
	EXPECT_EQ(dev_.registrations, 1);
}

/* --- release (§4.9) --- */

/* A device file stand-in that checks, when put, that the buffer has
 * already left the list and put its registration. */
struct VfileProbe : vfs::File {
	VfileProbe(FakeExporter &d, int regs_after) : File(vfs::FileKind::VfioDevice, O_RDWR), dev(d), expect(regs_after) {}
	~VfileProbe() override
	{
		EXPECT_EQ(dev.list.size(), 0u);
		EXPECT_EQ(dev.registrations, expect);
		/* No lock may be held: take memory_lock ourselves. */
		std::unique_lock guard(dev.memory_lock());
		put = true;
	}
	FakeExporter &dev;
	int expect;
	static inline bool put = false;
};

using BufferReleaseTest = DmaBufTest;

TEST_F(BufferReleaseTest, UnlinksPutsTheRegistrationThenTheVfile)
{
	VfileProbe::put = false;
	auto buf = make({{kBar2, kPage}}, Kind::BarMmap, 0, std::make_shared<VfileProbe>(dev_, 0));
	EXPECT_EQ(dev_.registrations, 1);
	buf.reset();
	EXPECT_TRUE(VfileProbe::put);
	EXPECT_EQ(dev_.list.size(), 0u);
}

TEST_F(BufferReleaseTest, AfterCleanupLeavesTheDeviceAlone)
{
	auto buf = make({{kBar2, kPage}});
	dev_.list.cleanup();
	EXPECT_EQ(dev_.registrations, 0);
	std::unique_lock guard(dev_.memory_lock());   /* release must not need it */
	buf.reset();
	EXPECT_EQ(dev_.registrations, 0);
}

TEST_F(BufferReleaseTest, VmasKeepTheBufferAlive)
{
	auto buf = make({{kBar2, kPage}});
	uintptr_t a = map(buf, kPage, 0);
	buf.reset();
	EXPECT_EQ(dev_.list.size(), 1u);
	ASSERT_TRUE(mm_.unmap(a, kPage));
	EXPECT_EQ(dev_.list.size(), 0u);
	EXPECT_EQ(dev_.registrations, 0);
}

} /* namespace */
} /* namespace softvfio::dmabuf::test */
