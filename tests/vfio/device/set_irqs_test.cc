/* SPDX-License-Identifier: MIT */
/* VFIO_DEVICE_SET_IRQS: header validation, INTx automask, MSI/MSI-X
 * eventfds, loopback triggers, ERR/REQ. */
#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <softvfio/base/unique_fd.h>

#include "vfio/device/fixture.h"

namespace softvfio::test {
namespace {

class SetIrqsTest : public DeviceTest
{
protected:
	/* SET_IRQS with a payload of s32 eventfds (or none). */
	long set_irqs(uint32_t flags, unsigned index, unsigned start, unsigned count,
		      std::vector<int32_t> fds = {}, int argsz_delta = 0)
	{
		std::vector<uint8_t> buf(sizeof(vfio_irq_set) + fds.size() * 4);
		auto *s = reinterpret_cast<vfio_irq_set *>(buf.data());
		s->argsz = static_cast<uint32_t>(static_cast<int>(buf.size()) + argsz_delta);
		s->flags = flags;
		s->index = index;
		s->start = start;
		s->count = count;
		if (!fds.empty())
			std::memcpy(buf.data() + sizeof(vfio_irq_set), fds.data(), fds.size() * 4);
		return ioctl(VFIO_DEVICE_SET_IRQS, buf.data());
	}
	long set_bools(uint32_t action, unsigned index, unsigned start, std::vector<uint8_t> bools)
	{
		std::vector<uint8_t> buf(sizeof(vfio_irq_set) + bools.size());
		auto *s = reinterpret_cast<vfio_irq_set *>(buf.data());
		s->argsz = static_cast<uint32_t>(buf.size());
		s->flags = VFIO_IRQ_SET_DATA_BOOL | action;
		s->index = index;
		s->start = start;
		s->count = static_cast<uint32_t>(bools.size());
		std::memcpy(buf.data() + sizeof(vfio_irq_set), bools.data(), bools.size());
		return ioctl(VFIO_DEVICE_SET_IRQS, buf.data());
	}

	UniqueFD make_eventfd() { return UniqueFD(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)); }

	/* Consume and return the eventfd counter (0 when nothing fired). */
	static uint64_t drain(const UniqueFD &efd)
	{
		uint64_t n = 0;
		if (::read(efd.get(), &n, sizeof(n)) != sizeof(n))
			return 0;
		return n;
	}

	void edu_write32(uint32_t off, uint32_t v)
	{
		ASSERT_EQ(kernel_.pwrite(fd_, &v, 4, region_offset(0) + off), 4);
	}

	static constexpr uint32_t kTrigger = VFIO_IRQ_SET_ACTION_TRIGGER;
	static constexpr uint32_t kNone = VFIO_IRQ_SET_DATA_NONE;
	static constexpr uint32_t kEventfd = VFIO_IRQ_SET_DATA_EVENTFD;
};

TEST_F(SetIrqsTest, ArgszBelowHeaderIsEinval)
{
	open("nic");
	EXPECT_EQ(set_irqs(kNone | kTrigger, 4, 0, 1, {}, -1), -EINVAL);
}

TEST_F(SetIrqsTest, IndexBeyondNumIrqsIsEinval)
{
	open("nic");
	EXPECT_EQ(set_irqs(kNone | kTrigger, 5, 0, 1), -EINVAL);
}

TEST_F(SetIrqsTest, UnknownFlagBitsAreEinval)
{
	open("nic");
	EXPECT_EQ(set_irqs(kNone | kTrigger | (1u << 6), 4, 0, 1), -EINVAL);
}

TEST_F(SetIrqsTest, TwoDataTypesAreEinval)
{
	open("nic");
	EXPECT_EQ(set_irqs(kNone | VFIO_IRQ_SET_DATA_BOOL | kTrigger, 4, 0, 1), -EINVAL);
}

TEST_F(SetIrqsTest, RangeBeyondCountIsEinval)
{
	open("nic");
	EXPECT_EQ(set_irqs(kNone | kTrigger, VFIO_PCI_MSI_IRQ_INDEX, 7, 2), -EINVAL);
	EXPECT_EQ(set_irqs(kNone | kTrigger, VFIO_PCI_MSI_IRQ_INDEX, 8, 0), -EINVAL);
}

TEST_F(SetIrqsTest, CountOverflowingStartIsEinval)
{
	open("nic");
	EXPECT_EQ(set_irqs(kNone | kTrigger, VFIO_PCI_MSI_IRQ_INDEX, 1, UINT32_MAX - 1), -EINVAL);
}

TEST_F(SetIrqsTest, PayloadShorterThanCountIsEinval)
{
	open("nic");
	auto efd = make_eventfd();
	EXPECT_EQ(set_irqs(kEventfd | kTrigger, VFIO_PCI_MSI_IRQ_INDEX, 0, 2, {efd.get()}), -EINVAL);
}

TEST_F(SetIrqsTest, NoActionOrTwoActionsAreEnotty)
{
	open("nic");
	EXPECT_EQ(set_irqs(kNone, 4, 0, 1), -ENOTTY);
	EXPECT_EQ(set_irqs(kNone | kTrigger | VFIO_IRQ_SET_ACTION_MASK, 0, 0, 1), -ENOTTY);
}

TEST_F(SetIrqsTest, MsiMaskIsEnotty)
{
	open("nic");
	EXPECT_EQ(set_irqs(kNone | VFIO_IRQ_SET_ACTION_MASK, VFIO_PCI_MSI_IRQ_INDEX, 0, 1), -ENOTTY);
}

TEST_F(SetIrqsTest, BadEventfdIsEbadfAndNonEventfdIsEinval)
{
	open("nic");
	EXPECT_EQ(set_irqs(kEventfd | kTrigger, VFIO_PCI_MSIX_IRQ_INDEX, 0, 1, {9999}), -EBADF);
	EXPECT_EQ(set_irqs(kEventfd | kTrigger, VFIO_PCI_MSIX_IRQ_INDEX, 0, 1, {fd_}), -EINVAL);
}

TEST_F(SetIrqsTest, HeaderBadPointerIsEfault)
{
	open("nic");
	EXPECT_EQ(ioctl(VFIO_DEVICE_SET_IRQS, uintptr_t(0x10)), -EFAULT);
}

TEST_F(SetIrqsTest, MsixLoopbackTriggerSignalsTheVectorsEventfd)
{
	open("nic");
	auto a = make_eventfd(), b = make_eventfd();
	ASSERT_EQ(set_irqs(kEventfd | kTrigger, VFIO_PCI_MSIX_IRQ_INDEX, 0, 2, {a.get(), b.get()}), 0);
	ASSERT_EQ(set_irqs(kNone | kTrigger, VFIO_PCI_MSIX_IRQ_INDEX, 1, 1), 0);
	EXPECT_EQ(drain(a), 0u);
	EXPECT_EQ(drain(b), 1u);
	ASSERT_EQ(set_bools(kTrigger, VFIO_PCI_MSIX_IRQ_INDEX, 0, {1, 0}), 0);
	EXPECT_EQ(drain(a), 1u);
	EXPECT_EQ(drain(b), 0u);
}

/* The kernel holds its own reference to the eventfd. */
TEST_F(SetIrqsTest, EventfdSurvivesTheCallersClose)
{
	open("nic");
	auto a = make_eventfd();
	int copy = ::dup(a.get());
	ASSERT_EQ(set_irqs(kEventfd | kTrigger, VFIO_PCI_MSIX_IRQ_INDEX, 0, 1, {copy}), 0);
	::close(copy);
	ASSERT_EQ(set_irqs(kNone | kTrigger, VFIO_PCI_MSIX_IRQ_INDEX, 0, 1), 0);
	EXPECT_EQ(drain(a), 1u);
}

TEST_F(SetIrqsTest, DisableWithCountZeroThenAnotherTypeCanEnable)
{
	open("nic");
	auto a = make_eventfd();
	ASSERT_EQ(set_irqs(kEventfd | kTrigger, VFIO_PCI_MSIX_IRQ_INDEX, 0, 1, {a.get()}), 0);
	/* Only one of INTx/MSI/MSI-X at a time. */
	EXPECT_EQ(set_irqs(kEventfd | kTrigger, VFIO_PCI_MSI_IRQ_INDEX, 0, 1, {a.get()}), -EINVAL);
	ASSERT_EQ(set_irqs(kNone | kTrigger, VFIO_PCI_MSIX_IRQ_INDEX, 0, 0), 0);
	EXPECT_EQ(set_irqs(kEventfd | kTrigger, VFIO_PCI_MSI_IRQ_INDEX, 0, 1, {a.get()}), 0);
}

/* An eventfd list that enables MSI with no vectors asks the PCI core for
 * an empty range, which it refuses. */
TEST_F(SetIrqsTest, MsiEnableWithNoVectorsIsErange)
{
	open("nic");
	EXPECT_EQ(set_irqs(kEventfd | kTrigger, VFIO_PCI_MSI_IRQ_INDEX, 0, 0), -ERANGE);
}

TEST_F(SetIrqsTest, LoopbackOnDisabledIndexIsEinval)
{
	open("nic");
	EXPECT_EQ(set_irqs(kNone | kTrigger, VFIO_PCI_MSI_IRQ_INDEX, 0, 1), -EINVAL);
	EXPECT_EQ(set_irqs(kNone | kTrigger, VFIO_PCI_INTX_IRQ_INDEX, 0, 1), -EINVAL);
}

TEST_F(SetIrqsTest, IntxMaskNeedsIntxEnabled)
{
	open("edu");
	EXPECT_EQ(set_irqs(kNone | VFIO_IRQ_SET_ACTION_MASK, 0, 0, 1), -EINVAL);
}

TEST_F(SetIrqsTest, IntxMaskEventfdIsEnotty)
{
	open("edu");
	auto a = make_eventfd();
	ASSERT_EQ(set_irqs(kEventfd | kTrigger, 0, 0, 1, {a.get()}), 0);
	EXPECT_EQ(set_irqs(kEventfd | VFIO_IRQ_SET_ACTION_MASK, 0, 0, 1, {a.get()}), -ENOTTY);
}

TEST_F(SetIrqsTest, IntxOnDeviceWithoutPinIsEinvalByCount)
{
	open("ivshmem-plain");
	auto a = make_eventfd();
	EXPECT_EQ(set_irqs(kEventfd | kTrigger, 0, 0, 1, {a.get()}), -EINVAL);
}

/* A device interrupt masks INTx as it fires; a second one while masked is
 * held (level) and fires on unmask. */
TEST_F(SetIrqsTest, EduIntxIsAutomaskedUntilUnmask)
{
	open("edu");
	auto a = make_eventfd();
	ASSERT_EQ(set_irqs(kEventfd | kTrigger, 0, 0, 1, {a.get()}), 0);
	edu_write32(0x60, 0x1); /* raise */
	EXPECT_EQ(drain(a), 1u);
	edu_write32(0x60, 0x2); /* still asserted; INTx is masked */
	EXPECT_EQ(drain(a), 0u);
	ASSERT_EQ(set_irqs(kNone | VFIO_IRQ_SET_ACTION_UNMASK, 0, 0, 1), 0);
	EXPECT_EQ(drain(a), 1u);
	edu_write32(0x64, 0x3); /* ack: deassert */
	ASSERT_EQ(set_irqs(kNone | VFIO_IRQ_SET_ACTION_UNMASK, 0, 0, 1), 0);
	EXPECT_EQ(drain(a), 0u);
}

/* QEMU's edu sends MSI when MSI is enabled and bus mastering is on: exactly
 * one eventfd count per raise (docs/semantics.md §8.5). */
TEST_F(SetIrqsTest, EduMsiDeliversOneCountPerRaise)
{
	open("edu");
	uint16_t cmd = cfg_read<uint16_t>(0x04);
	ASSERT_EQ(cfg_write<uint16_t>(0x04, cmd | 0x6), 2);
	auto a = make_eventfd();
	ASSERT_EQ(set_irqs(kEventfd | kTrigger, VFIO_PCI_MSI_IRQ_INDEX, 0, 1, {a.get()}), 0);
	edu_write32(0x60, 0x4242);
	pollfd p{a.get(), POLLIN, 0};
	ASSERT_EQ(::poll(&p, 1, 0), 1);
	EXPECT_EQ(drain(a), 1u);
}

TEST_F(SetIrqsTest, ErrTriggerLoopback)
{
	open("nic");
	auto a = make_eventfd();
	ASSERT_EQ(set_irqs(kEventfd | kTrigger, VFIO_PCI_ERR_IRQ_INDEX, 0, 1, {a.get()}), 0);
	ASSERT_EQ(set_irqs(kNone | kTrigger, VFIO_PCI_ERR_IRQ_INDEX, 0, 1), 0);
	EXPECT_EQ(drain(a), 1u);
	/* count 0 with DATA_NONE unregisters it */
	ASSERT_EQ(set_irqs(kNone | kTrigger, VFIO_PCI_ERR_IRQ_INDEX, 0, 0), 0);
	ASSERT_EQ(set_irqs(kNone | kTrigger, VFIO_PCI_ERR_IRQ_INDEX, 0, 1), 0);
	EXPECT_EQ(drain(a), 0u);
}

TEST_F(SetIrqsTest, RequestSignalsReqEventfd)
{
	open("nic");
	auto a = make_eventfd();
	ASSERT_EQ(set_irqs(kEventfd | kTrigger, VFIO_PCI_REQ_IRQ_INDEX, 0, 1, {a.get()}), 0);
	auto r = kernel_.request_device(bdf_);
	ASSERT_TRUE(r);
	EXPECT_TRUE(*r);
	EXPECT_EQ(drain(a), 1u);
}

TEST_F(SetIrqsTest, CloseDisablesInterrupts)
{
	open("nic");
	auto a = make_eventfd();
	ASSERT_EQ(set_irqs(kEventfd | kTrigger, VFIO_PCI_MSIX_IRQ_INDEX, 0, 1, {a.get()}), 0);
	kernel_.close(fd_);
	fd_ = static_cast<int>(kernel_.open_device(bdf_));
	ASSERT_GE(fd_, 0);
	EXPECT_EQ(set_irqs(kNone | kTrigger, VFIO_PCI_MSIX_IRQ_INDEX, 0, 1), -EINVAL);
	auto state = kernel_.device_state(bdf_);
	ASSERT_TRUE(state);
	EXPECT_EQ(state->irq_type, -1);
}

} /* namespace */
} /* namespace softvfio::test */
