/* SPDX-License-Identifier: MIT */
/*
 * An ioctl whose argument (or a buffer it points to) lies in a register
 * mapping of the calling process: the session kernel's copies reach the
 * registers, as Linux's copy_from_user/copy_to_user fault through vfio's
 * handler (docs/trap.md). The registers are a scratch model's
 * (support/scratch_registers.h), which keeps what is stored, so an
 * argument placed there is answered as memory would answer it; each
 * access is trapped and counted.
 *
 * A copy a handler makes under a lock a register access takes stays
 * EFAULT (series-v2's MEMATTR GET, under memory_lock); one made under the
 * type1 container lock, which a register access does not take, works. A
 * revoked register mapping as the argument is EFAULT with no register
 * reached.
 */
#include <cerrno>
#include <cstring>
#include <functional>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <unistd.h>

#include <softvfio/uapi/vfio.h>

#include "session/session_fixture.h"
#include "support/dma_buf_arg.h"
#include "support/scratch_registers.h"

namespace softvfio::test {
namespace {

using session::Connection;
using child::pread0;
using child::pwrite0;

constexpr size_t kPage = 4096;

/* A value at `offset` of the scratch registers, as plain bytes. */
template<typename T>
bool put(Connection &c, int fd, uint64_t offset, const T &value)
{
	return pwrite0(c, fd, &value, sizeof(T), offset) == static_cast<long>(sizeof(T));
}

template<typename T>
bool get(Connection &c, int fd, uint64_t offset, T &value)
{
	return pread0(c, fd, &value, sizeof(T), offset) == static_cast<long>(sizeof(T));
}

class SessionRegisterIoctlTest : public SessionTest
{
protected:
	void SetUp() override
	{
		SessionTest::SetUp();
		DeviceOptions options;
		options.profile = profile_;
		auto bdf = kernel_->add_device(scratch_description(*preset("edu")), options);
		ASSERT_TRUE(bdf);
		scratch_ = *bdf;
		auto state = kernel_->device_state(scratch_);
		ASSERT_TRUE(state);
		group_ = state->iommu_group;
	}

	/* Run `body` in a child of the session with the scratch device open,
	 * memory on and the first page of its BAR0 mapped (trapped). */
	int with_registers(const std::function<int(Connection &, const child::Device &, char *regs)> &body)
	{
		const std::string bdf = scratch_;
		const unsigned group = group_;
		return in_child([&](Connection &c) {
			child::Device d;
			CHILD_CHECK(child::open_device(c, bdf, d, group));
			CHILD_CHECK(child::set_memory(c, d.device, true));
			char *regs = child::map_page(c, d.device, PROT_READ | PROT_WRITE);
			CHILD_CHECK(regs);
			return body(c, d, regs);
		});
	}

	uint64_t accesses()
	{
		auto s = kernel_->device_state(scratch_);
		return s ? s->register_accesses : ~uint64_t(0);
	}

	ProfileId profile_ = ProfileId::SeriesV4;
	std::string scratch_;
	unsigned group_ = 0;
};

/* The struct in the registers: the question read from them, the answer
 * written there, the same answer as in plain memory. */
TEST_F(SessionRegisterIoctlTest, GetRegionInfoAnswersIntoTheRegisters)
{
	const uint64_t before = accesses();
	EXPECT_EQ(with_registers([](Connection &c, const child::Device &d, char *regs) {
			  vfio_region_info plain{};
			  plain.argsz = sizeof(plain);
			  plain.index = VFIO_PCI_BAR0_REGION_INDEX;
			  CHILD_CHECK(child::ioctl(c, d.device, VFIO_DEVICE_GET_REGION_INFO, &plain) == 0);
			  CHILD_CHECK(plain.size != 0);
			  vfio_region_info q{};
			  q.argsz = sizeof(q);
			  q.index = VFIO_PCI_BAR0_REGION_INDEX;
			  CHILD_CHECK(put(c, d.device, 0x100, q));
			  CHILD_CHECK(child::ioctl(c, d.device, VFIO_DEVICE_GET_REGION_INFO, regs + 0x100) == 0);
			  vfio_region_info got{};
			  CHILD_CHECK(get(c, d.device, 0x100, got));
			  CHILD_CHECK(std::memcmp(&got, &plain, sizeof(got)) == 0);
			  return 0;
		  }),
		  0);
	EXPECT_GT(accesses(), before) << "the copies were register accesses";
}

TEST_F(SessionRegisterIoctlTest, GetInfoAnswersIntoTheRegisters)
{
	EXPECT_EQ(with_registers([](Connection &c, const child::Device &d, char *regs) {
			  vfio_device_info plain{};
			  plain.argsz = sizeof(plain);
			  CHILD_CHECK(child::ioctl(c, d.device, VFIO_DEVICE_GET_INFO, &plain) == 0);
			  vfio_device_info q{};
			  q.argsz = sizeof(q);
			  CHILD_CHECK(put(c, d.device, 0x180, q));
			  CHILD_CHECK(child::ioctl(c, d.device, VFIO_DEVICE_GET_INFO, regs + 0x180) == 0);
			  vfio_device_info got{};
			  CHILD_CHECK(get(c, d.device, 0x180, got));
			  CHILD_CHECK(got.num_regions == plain.num_regions && got.num_irqs == plain.num_irqs);
			  CHILD_CHECK(got.flags == plain.flags);
			  /* Asked again (a constant query the process may keep a
			   * memo of): answered again, through the registers. */
			  CHILD_CHECK(put(c, d.device, 0x180, q));
			  CHILD_CHECK(child::ioctl(c, d.device, VFIO_DEVICE_GET_INFO, regs + 0x180) == 0);
			  CHILD_CHECK(get(c, d.device, 0x180, got));
			  CHILD_CHECK(got.num_regions == plain.num_regions);
			  return 0;
		  }),
		  0);
}

/* SET_IRQS with its eventfd in the registers arms INTx; a trigger whose
 * argument is in the registers too signals it. */
TEST_F(SessionRegisterIoctlTest, SetIrqsTakesItsDataFromTheRegisters)
{
	EXPECT_EQ(with_registers([](Connection &c, const child::Device &d, char *regs) {
			  UniqueFD efd(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
			  CHILD_CHECK(efd);
			  const int32_t fd = efd.get();
			  alignas(8) uint8_t arm[sizeof(vfio_irq_set) + sizeof(fd)] = {};
			  vfio_irq_set set{};
			  set.argsz = sizeof(arm);
			  set.flags = VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_TRIGGER;
			  set.index = VFIO_PCI_INTX_IRQ_INDEX;
			  set.count = 1;
			  std::memcpy(arm, &set, sizeof(set));
			  std::memcpy(arm + sizeof(set), &fd, sizeof(fd));
			  CHILD_CHECK(pwrite0(c, d.device, arm, sizeof(arm), 0x200) == static_cast<long>(sizeof(arm)));
			  CHILD_CHECK(child::ioctl(c, d.device, VFIO_DEVICE_SET_IRQS, regs + 0x200) == 0);
			  vfio_irq_set fire{};
			  fire.argsz = sizeof(fire);
			  fire.flags = VFIO_IRQ_SET_DATA_NONE | VFIO_IRQ_SET_ACTION_TRIGGER;
			  fire.index = VFIO_PCI_INTX_IRQ_INDEX;
			  fire.count = 1;
			  CHILD_CHECK(put(c, d.device, 0x240, fire));
			  CHILD_CHECK(child::ioctl(c, d.device, VFIO_DEVICE_SET_IRQS, regs + 0x240) == 0);
			  uint64_t n = 0;
			  CHILD_CHECK(::read(efd.get(), &n, sizeof(n)) == sizeof(n) && n == 1);
			  return 0;
		  }),
		  0);
}

/* The DMABUF export feature: header, request and its range all read from
 * the registers; the buffer maps the registers it names. */
TEST_F(SessionRegisterIoctlTest, DmabufExportTakesItsRangesFromTheRegisters)
{
	EXPECT_EQ(with_registers([](Connection &c, const child::Device &d, char *regs) {
			  const DmaBufArg arg = dma_buf_arg(VFIO_PCI_BAR0_REGION_INDEX, 0, kPage);
			  CHILD_CHECK(pwrite0(c, d.device, arg.data(), arg.size(), 0x300) == static_cast<long>(arg.size()));
			  CHILD_CHECK(put<uint32_t>(c, d.device, 0x10, 0xc0ffee11u));
			  long buf = child::ioctl(c, d.device, VFIO_DEVICE_FEATURE, regs + 0x300);
			  CHILD_CHECK(buf >= 0);
			  char *view = child::map_page(c, static_cast<int>(buf), PROT_READ | PROT_WRITE);
			  CHILD_CHECK(view);
			  CHILD_CHECK(*child::reg32(view, 0x10) == 0xc0ffee11u);
			  return 0;
		  }),
		  0);
}

/* The type1 dirty bitmap is written under the container lock, which no
 * register access takes: a bitmap in the registers gets its bits. */
TEST_F(SessionRegisterIoctlTest, ADirtyBitmapInTheRegistersGetsItsBits)
{
	EXPECT_EQ(with_registers([](Connection &c, const child::Device &d, char *regs) {
			  void *ram = ::mmap(nullptr, kPage, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
			  CHILD_CHECK(ram != MAP_FAILED);
			  vfio_iommu_type1_dma_map map{};
			  map.argsz = sizeof(map);
			  map.flags = VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE;
			  map.vaddr = reinterpret_cast<uintptr_t>(ram);
			  map.iova = 0x100000;
			  map.size = kPage;
			  CHILD_CHECK(child::ioctl(c, d.container, VFIO_IOMMU_MAP_DMA, &map) == 0);
			  vfio_iommu_type1_dirty_bitmap start{sizeof(start), VFIO_IOMMU_DIRTY_PAGES_FLAG_START};
			  CHILD_CHECK(child::ioctl(c, d.container, VFIO_IOMMU_DIRTY_PAGES, &start) == 0);
			  CHILD_CHECK(put<uint64_t>(c, d.device, 0x800, 0));
			  alignas(8) uint8_t arg[sizeof(vfio_iommu_type1_dirty_bitmap) +
						sizeof(vfio_iommu_type1_dirty_bitmap_get)] = {};
			  vfio_iommu_type1_dirty_bitmap hdr{sizeof(arg), VFIO_IOMMU_DIRTY_PAGES_FLAG_GET_BITMAP};
			  vfio_iommu_type1_dirty_bitmap_get range{};
			  range.iova = 0x100000;
			  range.size = kPage;
			  range.bitmap.pgsize = kPage;
			  range.bitmap.size = sizeof(uint64_t);
			  range.bitmap.data = reinterpret_cast<__u64 *>(regs + 0x800);
			  std::memcpy(arg, &hdr, sizeof(hdr));
			  std::memcpy(arg + sizeof(hdr), &range, sizeof(range));
			  CHILD_CHECK(child::ioctl(c, d.container, VFIO_IOMMU_DIRTY_PAGES, arg) == 0);
			  uint64_t bits = 0;
			  CHILD_CHECK(get(c, d.device, 0x800, bits));
			  CHILD_CHECK(bits == 1u);
			  return 0;
		  }),
		  0);
}

/* A string in the registers (GET_DEVICE_FD's device name) is read as
 * Linux's strncpy_from_user reads a BAR mapping: a word at a time up to the
 * one holding the NUL, not on to the page's end. */
TEST_F(SessionRegisterIoctlTest, AStringInTheRegistersIsReadUpToItsEndOnly)
{
	child::Pipe up, down;
	const std::string bdf = scratch_;
	const unsigned group = group_;
	pid_t pid = spawn([&](Connection &c) {
		child::Device d;
		CHILD_CHECK(child::open_device(c, bdf, d, group));
		CHILD_CHECK(child::set_memory(c, d.device, true));
		char *regs = child::map_page(c, d.device, PROT_READ | PROT_WRITE);
		CHILD_CHECK(regs);
		char name[32] = {};
		std::memset(name, 'x', sizeof(name));
		std::memcpy(name, bdf.c_str(), bdf.size() + 1);
		CHILD_CHECK(pwrite0(c, d.device, name, sizeof(name), 0x200) == long(sizeof(name)));
		up.post();
		CHILD_CHECK(down.take());
		long fd = child::ioctl(c, d.group, VFIO_GROUP_GET_DEVICE_FD, reinterpret_cast<unsigned long>(regs + 0x200));
		CHILD_CHECK(fd >= 0);
		up.post();
		CHILD_CHECK(down.take());
		return 0;
	});
	ASSERT_TRUE(await(up, pid));
	const uint64_t before = accesses();
	down.post();
	ASSERT_TRUE(await(up, pid));
	/* 12 characters and the NUL from 0x200: two 8-byte reads. */
	EXPECT_EQ(accesses() - before, 2u);
	down.post();
	EXPECT_EQ(reap(pid), 0);
}

/* Memory off: the mapping is revoked, the argument cannot be read, the
 * call is EFAULT and no register is reached. */
TEST_F(SessionRegisterIoctlTest, ARevokedMappingAsTheArgumentIsEfault)
{
	const uint64_t before = accesses();
	EXPECT_EQ(with_registers([](Connection &c, const child::Device &d, char *regs) {
			  vfio_region_info q{};
			  q.argsz = sizeof(q);
			  CHILD_CHECK(put(c, d.device, 0x100, q));
			  CHILD_CHECK(child::set_memory(c, d.device, false));
			  CHILD_CHECK(child::ioctl(c, d.device, VFIO_DEVICE_GET_REGION_INFO, regs + 0x100) == -EFAULT);
			  CHILD_CHECK(child::set_memory(c, d.device, true));
			  vfio_region_info got{};
			  CHILD_CHECK(get(c, d.device, 0x100, got));
			  CHILD_CHECK(got.size == 0);   /* no answer landed */
			  return 0;
		  }),
		  0);
	EXPECT_EQ(accesses(), before);
}

/* Series v2 writes MEMATTR's GET answer under memory_lock: that copy
 * stays EFAULT (a register access would take memory_lock again), while
 * the request, read before the lock, came from the registers. */
class SessionRegisterIoctlV2Test : public SessionRegisterIoctlTest
{
protected:
	void SetUp() override
	{
		profile_ = ProfileId::SeriesV2;
		SessionRegisterIoctlTest::SetUp();
	}
};

TEST_F(SessionRegisterIoctlV2Test, ACopyUnderMemoryLockStaysEfault)
{
	const uint64_t before = accesses();
	EXPECT_EQ(with_registers([](Connection &c, const child::Device &d, char *regs) {
			  long buf = child::export_dmabuf(c, d.device, VFIO_PCI_BAR0_REGION_INDEX, 0, kPage);
			  CHILD_CHECK(buf >= 0);
			  alignas(8) uint8_t arg[sizeof(vfio_device_feature) + sizeof(vfio_device_feature_dma_buf_memattr)] = {};
			  vfio_device_feature hdr{sizeof(arg),
						  SOFTVFIO_SERIES_V2_FEATURE_DMA_BUF_MEMATTR | VFIO_DEVICE_FEATURE_GET};
			  vfio_device_feature_dma_buf_memattr req{static_cast<int32_t>(buf), 0x77};
			  std::memcpy(arg, &hdr, sizeof(hdr));
			  std::memcpy(arg + sizeof(hdr), &req, sizeof(req));
			  /* In plain memory: the answer (uncached, 0). */
			  alignas(8) uint8_t plain[sizeof(arg)];
			  std::memcpy(plain, arg, sizeof(arg));
			  CHILD_CHECK(child::ioctl(c, d.device, VFIO_DEVICE_FEATURE, plain) == 0);
			  CHILD_CHECK(plain[sizeof(hdr) + 4] == VFIO_DEVICE_FEATURE_DMA_BUF_MEMATTR_NC);
			  CHILD_CHECK(pwrite0(c, d.device, arg, sizeof(arg), 0x400) == static_cast<long>(sizeof(arg)));
			  CHILD_CHECK(child::ioctl(c, d.device, VFIO_DEVICE_FEATURE, regs + 0x400) == -EFAULT);
			  vfio_device_feature_dma_buf_memattr after{};
			  CHILD_CHECK(get(c, d.device, 0x400 + sizeof(hdr), after));
			  CHILD_CHECK(after.memattr == 0x77u);   /* the locked store was not made */
			  return 0;
		  }),
		  0);
	EXPECT_GT(accesses(), before) << "the request was read from the registers";
}

} /* namespace */
} /* namespace softvfio::test */
