/* SPDX-License-Identifier: MIT */
/*
 * A read or write system call whose buffer is a register mapping of the
 * calling process (edu's BAR0, through the device fd or a DMABUF): the
 * kernel's copy reaches the registers, as Linux's copy_to_user/
 * copy_from_user do through vfio's fault handler (docs/trap.md). The
 * target of each call is the nic's RAM BAR0 (region 0 of its device fd),
 * which holds what was written and gives it back.
 *
 * A revoked register mapping as the buffer is EFAULT with nothing copied,
 * and the program gets no signal.
 */
#include <cerrno>
#include <cstring>
#include <functional>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <softvfio/uapi/vfio.h>

#include "session/session_fixture.h"

namespace softvfio::test {
namespace {

using session::Connection;
using namespace child;

constexpr uint32_t kEduId = 0x010000ed;
constexpr size_t kPage = 4096;

class SessionRegisterCopyTest : public EduSessionTest
{
protected:
	/* Run `body` in a child of the session with edu's device fd and the
	 * nic's (whose BAR0 is RAM). */
	int with_devices(const std::function<int(Connection &, int edu, int nic)> &body)
	{
		const std::string edu = edu_, nic = bdf_;
		const unsigned group = group_;
		return in_child([&](Connection &c) {
			child::Device e, n;
			CHILD_CHECK(child::open_device(c, edu, e, group));
			CHILD_CHECK(child::open_device(c, nic, n));
			return body(c, e.device, n.device);
		});
	}
};

/* What the nic's RAM BAR0 holds at `offset`, read into plain memory. */
template<typename T>
bool ram_holds(Connection &c, int nic, uint64_t offset, T expect)
{
	T got{};
	if (pread0(c, nic, &got, sizeof(got), offset) != static_cast<long>(sizeof(got)))
		return false;
	if (got != expect)
		std::fprintf(stderr, "RAM at %#llx: %#llx, expected %#llx\n", static_cast<unsigned long long>(offset),
			     static_cast<unsigned long long>(got), static_cast<unsigned long long>(expect));
	return got == expect;
}

/* An eventfd that edu's INTx signals (VFIO_DEVICE_SET_IRQS), as a driver
 * arms its interrupt: edu has no MSI enabled here. Invalid if that failed. */
UniqueFD arm_intx(Connection &c, int edu)
{
	UniqueFD efd(::eventfd(0, EFD_CLOEXEC));
	if (!efd)
		return efd;
	const int32_t fd = efd.get();
	alignas(vfio_irq_set) uint8_t buf[sizeof(vfio_irq_set) + sizeof(fd)] = {};
	auto *set = reinterpret_cast<vfio_irq_set *>(buf);
	set->argsz = sizeof(buf);
	set->flags = VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_TRIGGER;
	set->index = VFIO_PCI_INTX_IRQ_INDEX;
	set->start = 0;
	set->count = 1;
	std::memcpy(buf + sizeof(vfio_irq_set), &fd, sizeof(fd));
	if (child::ioctl(c, edu, VFIO_DEVICE_SET_IRQS, buf) != 0)
		return UniqueFD();
	return efd;
}

TEST_F(SessionRegisterCopyTest, APwriteFromARegisterMappingWritesWhatTheRegistersRead)
{
	const uint64_t before = model_accesses();
	EXPECT_EQ(with_devices([](Connection &c, int edu, int nic) {
			  char *p = map_page(c, edu, PROT_READ | PROT_WRITE);
			  CHILD_CHECK(p);
			  *reg32(p, 0x04) = 0x12345678;                 /* liveness: 1 access */
			  *reg64(p, 0x80) = 0x1122334455667788ull;      /* DMA source: 1 access */
			  CHILD_CHECK(pwrite0(c, nic, p + 0x00, 4, 0x00) == 4);   /* ID */
			  CHILD_CHECK(pwrite0(c, nic, p + 0x04, 4, 0x04) == 4);   /* liveness */
			  CHILD_CHECK(pwrite0(c, nic, p + 0x80, 8, 0x08) == 8);   /* one 8-byte read */
			  CHILD_CHECK(ram_holds<uint32_t>(c, nic, 0x00, kEduId));
			  CHILD_CHECK(ram_holds<uint32_t>(c, nic, 0x04, 0xedcba987u));
			  CHILD_CHECK(ram_holds<uint64_t>(c, nic, 0x08, 0x1122334455667788ull));
			  return 0;
		  }),
		  0);
	/* Two writes through the mapping, then one read per register. */
	EXPECT_EQ(model_accesses() - before, 5u);
}

TEST_F(SessionRegisterCopyTest, APreadIntoARegisterMappingMakesTheRegisterWrites)
{
	EXPECT_EQ(with_devices([](Connection &c, int edu, int nic) {
			  char *p = map_page(c, edu, PROT_READ | PROT_WRITE);
			  CHILD_CHECK(p);
			  const uint32_t x = 0x0badf00d;
			  CHILD_CHECK(pwrite0(c, nic, &x, 4, 0x40) == 4);
			  CHILD_CHECK(pread0(c, nic, p + 0x04, 4, 0x40) == 4);
			  CHILD_CHECK(*reg32(p, 0x04) == ~x);
			  /* Factorial of 5, computed by the device; its "done"
			   * interrupt (STATUS bit 7) tells when, as a driver waits. */
			  UniqueFD done = arm_intx(c, edu);
			  CHILD_CHECK(done);
			  *reg32(p, 0x20) = 0x80;
			  const uint32_t five = 5;
			  CHILD_CHECK(pwrite0(c, nic, &five, 4, 0x44) == 4);
			  CHILD_CHECK(pread0(c, nic, p + 0x08, 4, 0x44) == 4);
			  CHILD_CHECK(readable(done.get()));   /* bounded by the test's deadline */
			  CHILD_CHECK((*reg32(p, 0x20) & 1) == 0);
			  CHILD_CHECK(*reg32(p, 0x08) == 120u);
			  CHILD_CHECK(*reg32(p, 0x24) == 1u);   /* the factorial's interrupt */
			  return 0;
		  }),
		  0);
}

/* Through a DMABUF of the registers: the buffer's own access path. */
TEST_F(SessionRegisterCopyTest, ADmabufMappingOfTheRegistersIsABufferToo)
{
	EXPECT_EQ(with_devices([](Connection &c, int edu, int nic) {
			  long buf = child::export_dmabuf(c, edu, 0, 0, kPage);
			  CHILD_CHECK(buf >= 0);
			  char *p = map_page(c, static_cast<int>(buf), PROT_READ | PROT_WRITE);
			  CHILD_CHECK(p);
			  const uint32_t x = 0x55aa55aa;
			  CHILD_CHECK(pwrite0(c, nic, &x, 4, 0x40) == 4);
			  CHILD_CHECK(pread0(c, nic, p + 0x04, 4, 0x40) == 4);
			  CHILD_CHECK(pwrite0(c, nic, p + 0x04, 4, 0x00) == 4);
			  CHILD_CHECK(ram_holds<uint32_t>(c, nic, 0x00, ~x));
			  return 0;
		  }),
		  0);
}

/* Memory disabled: the mapping is revoked, the copy fails with EFAULT
 * (as Linux's copy fails when the fault handler refuses), no register is
 * reached and the target keeps its bytes. */
TEST_F(SessionRegisterCopyTest, ARevokedRegisterMappingAsBufferIsEfault)
{
	EXPECT_EQ(with_devices([](Connection &c, int edu, int nic) {
			  char *p = map_page(c, edu, PROT_READ | PROT_WRITE);
			  CHILD_CHECK(p);
			  *reg32(p, 0x04) = 1;
			  const uint32_t marker = 0xfeedface;
			  CHILD_CHECK(pwrite0(c, nic, &marker, 4, 0x00) == 4);
			  CHILD_CHECK(child::set_memory(c, edu, false));
			  CHILD_CHECK(pwrite0(c, nic, p + 0x00, 4, 0x00) == -EFAULT);
			  CHILD_CHECK(pread0(c, nic, p + 0x04, 4, 0x00) == -EFAULT);
			  CHILD_CHECK(ram_holds<uint32_t>(c, nic, 0x00, marker));
			  CHILD_CHECK(child::set_memory(c, edu, true));
			  CHILD_CHECK(*reg32(p, 0x04) == ~1u);   /* never written */
			  return 0;
		  }),
		  0);
}

/* A DMABUF revoked by its exporter: the buffer's own state refuses the
 * access, as its fault handler would. */
TEST_F(SessionRegisterCopyTest, ARevokedDmabufMappingAsBufferIsEfault)
{
	EXPECT_EQ(with_devices([](Connection &c, int edu, int nic) {
			  long buf = child::export_dmabuf(c, edu, 0, 0, kPage);
			  CHILD_CHECK(buf >= 0);
			  char *p = map_page(c, static_cast<int>(buf), PROT_READ | PROT_WRITE);
			  CHILD_CHECK(p);
			  const uint32_t marker = 0x600dcafe;
			  CHILD_CHECK(pwrite0(c, nic, &marker, 4, 0x00) == 4);
			  CHILD_CHECK(child::revoke_dmabuf(c, edu, static_cast<int>(buf)) == 0);
			  CHILD_CHECK(pwrite0(c, nic, p + 0x00, 4, 0x00) == -EFAULT);
			  CHILD_CHECK(pread0(c, nic, p + 0x04, 4, 0x00) == -EFAULT);
			  CHILD_CHECK(ram_holds<uint32_t>(c, nic, 0x00, marker));
			  return 0;
		  }),
		  0);
}

/* Memory turned off and on by another process while the copies run:
 * each copy either reads the register or fails with EFAULT, leaving the
 * target alone; never another value, never a signal. */
TEST_F(SessionRegisterCopyTest, ACopyRacingRevocationReadsTheRegisterOrIsEfault)
{
	EXPECT_EQ(with_devices([](Connection &c, int edu, int nic) {
			  char *p = map_page(c, edu, PROT_READ | PROT_WRITE);
			  CHILD_CHECK(p);
			  pid_t kid = child::fork(c);
			  if (kid == 0) {
				  for (int i = 0; i < 200; i++)
					  if (!child::set_memory(c, edu, i % 2 == 1))
						  ::_exit(1);
				  ::_exit(0);
			  }
			  CHILD_CHECK(kid > 0);
			  int status = 0;
			  for (uint32_t i = 0; ::waitpid(kid, &status, WNOHANG) == 0; i++) {
				  const uint32_t marker = 0x5a000000u | i;
				  CHILD_CHECK(pwrite0(c, nic, &marker, 4, 0x00) == 4);
				  const long r = pwrite0(c, nic, p + 0x00, 4, 0x00);
				  CHILD_CHECK(r == 4 || r == -EFAULT);
				  CHILD_CHECK(ram_holds<uint32_t>(c, nic, 0x00, r == 4 ? kEduId : marker));
			  }
			  CHILD_CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
			  return 0;
		  }),
		  0);
}

/* A store into a read-only register mapping is refused as the CPU's
 * would be; the register keeps its value. */
TEST_F(SessionRegisterCopyTest, APreadIntoAReadOnlyRegisterMappingIsEfault)
{
	EXPECT_EQ(with_devices([](Connection &c, int edu, int nic) {
			  char *rw = map_page(c, edu, PROT_READ | PROT_WRITE);
			  char *ro = map_page(c, edu, PROT_READ);
			  CHILD_CHECK(rw && ro);
			  *reg32(rw, 0x04) = 7;
			  CHILD_CHECK(pread0(c, nic, ro + 0x04, 4, 0x00) == -EFAULT);
			  CHILD_CHECK(*reg32(rw, 0x04) == ~7u);
			  CHILD_CHECK(pwrite0(c, nic, ro + 0x04, 4, 0x00) == 4);   /* reading is allowed */
			  CHILD_CHECK(ram_holds<uint32_t>(c, nic, 0x00, ~7u));
			  return 0;
		  }),
		  0);
}

/* A buffer whose first bytes are the end of a RAM page and whose rest is
 * the register page right after it: each part is copied its own way, low
 * to high, as one copy. */
TEST_F(SessionRegisterCopyTest, ABufferAcrossARamPageAndARegisterPageIsCopiedWhole)
{
	EXPECT_EQ(with_devices([](Connection &c, int edu, int nic) {
			  void *room = ::mmap(nullptr, 2 * kPage, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
			  CHILD_CHECK(room != MAP_FAILED);
			  char *ram = static_cast<char *>(room);
			  char *p = map_page(c, edu, PROT_READ | PROT_WRITE, reinterpret_cast<uintptr_t>(ram + kPage));
			  CHILD_CHECK(p == ram + kPage);
			  *reg32(p, 0x04) = 0x01020304;
			  char *buf = p - 4;   /* RAM word, ID, liveness */
			  const uint32_t head = 0xcafe0001;
			  std::memcpy(buf, &head, 4);
			  CHILD_CHECK(pwrite0(c, nic, buf, 12, 0x100) == 12);
			  CHILD_CHECK(ram_holds<uint32_t>(c, nic, 0x100, head));
			  CHILD_CHECK(ram_holds<uint32_t>(c, nic, 0x104, kEduId));
			  CHILD_CHECK(ram_holds<uint32_t>(c, nic, 0x108, ~0x01020304u));
			  /* Back the other way: RAM gets the first word, the ID
			   * register ignores its write, liveness takes the third. */
			  const uint32_t words[3] = {0xcafe0002, 0x11111111, 0x22222222};
			  CHILD_CHECK(pwrite0(c, nic, words, sizeof(words), 0x200) == 12);
			  CHILD_CHECK(pread0(c, nic, buf, 12, 0x200) == 12);
			  uint32_t got;
			  std::memcpy(&got, buf, 4);
			  CHILD_CHECK(got == words[0]);
			  CHILD_CHECK(*reg32(p, 0x00) == kEduId);
			  CHILD_CHECK(*reg32(p, 0x04) == ~words[2]);
			  return 0;
		  }),
		  0);
}

} /* namespace */
} /* namespace softvfio::test */
