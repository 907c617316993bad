/* SPDX-License-Identifier: MIT */
/*
 * Register traps in process (docs/trap.md, "How it is wired"): edu's BAR0
 * mapped through the in-process model (client::ModelBackend), through the
 * device fd and through a DMABUF, is laid PROT_NONE while live and every
 * load and store reaches the register model: liveness, factorial; SIGBUS
 * at the exact address once memory is off, the registers again once it is
 * on; a pread or pwrite whose buffer is a register mapping reaches the
 * registers (EFAULT once the mapping is revoked, never a signal);
 * a program's handler still gets its own faults.
 */
#include <cerrno>
#include <functional>
#include <csetjmp>
#include <csignal>
#include <cstring>
#include <optional>
#include <span>
#include <string>
#include <sys/mman.h>

#include <gtest/gtest.h>

#include <softvfio/client/client.h>
#include <softvfio/client/model_backend.h>
#include <softvfio/device_description.h>

#include "support/proc_maps.h"

namespace softvfio::test {
namespace {

using namespace softvfio::client;

constexpr uint64_t kId = 0x00, kLiveness = 0x04, kFactorial = 0x08, kStatus = 0x20;
constexpr uint32_t kEduId = 0x010000ed;

/* A handler of the program's own, installed after the model's: it takes
 * the faults it expects (armed, and in [mine_lo, mine_hi) when that is
 * set), jumping back to the test, and hands every other one to the action
 * it replaced, as a handler in a process with other fault handlers must. */
struct ProgramHandler {
	static inline sigjmp_buf jump;
	static inline volatile sig_atomic_t armed = 0;
	static inline volatile int signo = 0, code = 0;
	static inline void *volatile addr = nullptr;
	static inline volatile uintptr_t mine_lo = 0, mine_hi = 0;
	static inline struct sigaction previous[2];

	static bool expected(const siginfo_t *info)
	{
		const auto a = reinterpret_cast<uintptr_t>(info->si_addr);
		return armed && (mine_lo == mine_hi || (mine_lo <= a && a < mine_hi));
	}

	static void on_signal(int sig, siginfo_t *info, void *context)
	{
		if (expected(info)) {
			armed = 0;
			signo = sig;
			code = info->si_code;
			addr = info->si_addr;
			siglongjmp(jump, 1);
		}
		const struct sigaction &prev = previous[sig == SIGSEGV ? 0 : 1];
		if (prev.sa_flags & SA_SIGINFO)
			prev.sa_sigaction(sig, info, context);
		else if (prev.sa_handler != SIG_DFL && prev.sa_handler != SIG_IGN)
			prev.sa_handler(sig);
		else
			signal(sig, SIG_DFL);
	}
	explicit ProgramHandler(int sig) : sig_(sig)
	{
		struct sigaction sa = {};
		sa.sa_sigaction = on_signal;
		sa.sa_flags = SA_SIGINFO;
		sigemptyset(&sa.sa_mask);
		sigaction(sig, &sa, &previous[sig == SIGSEGV ? 0 : 1]);
	}
	~ProgramHandler()
	{
		sigaction(sig_, &previous[sig_ == SIGSEGV ? 0 : 1], nullptr);
		mine_lo = 0;
		mine_hi = 0;
	}
	/* Only faults in [p, p + n) are the program's. */
	static void mine(const volatile void *p, size_t n)
	{
		mine_lo = reinterpret_cast<uintptr_t>(p);
		mine_hi = mine_lo + n;
	}
	ProgramHandler(const ProgramHandler &) = delete;
	ProgramHandler &operator=(const ProgramHandler &) = delete;

	int sig_;
};

/* One access under the program's handler: the signal it raised (0: none). */
int touch(volatile uint32_t *p, bool write, uint32_t value = 0, uint32_t *out = nullptr)
{
	ProgramHandler::signo = 0;
	ProgramHandler::addr = nullptr;
	if (sigsetjmp(ProgramHandler::jump, 1) == 0) {
		ProgramHandler::armed = 1;
		if (write)
			*p = value;
		else if (out)
			*out = *p;
		else
			(void)*p;
		ProgramHandler::armed = 0;
	}
	return ProgramHandler::signo;
}

class ModelTraps : public ::testing::Test
{
protected:
	void SetUp() override
	{
		backend_ = ModelBackend::create(KernelOptions{});
		auto desc = preset("edu");
		ASSERT_TRUE(desc);
		auto bdf = backend_->kernel().add_device(*desc);
		ASSERT_TRUE(bdf);
		auto dev = Device::open(backend_, *bdf);
		ASSERT_TRUE(dev) << dev.error().message();
		dev_.emplace(std::move(*dev));
		ASSERT_TRUE(dev_->set_memory_enable(true));
		auto region = dev_->region(0);
		ASSERT_TRUE(region);
		size_ = region->size;
	}

	/* BAR0 through the device fd or a DMABUF. */
	volatile uint8_t *map(bool via_dmabuf)
	{
		if (via_dmabuf) {
			BarRange range{0, size_};
			auto buf = dev_->export_dma_buf(0, std::span<const BarRange>(&range, 1));
			EXPECT_TRUE(buf) << buf.error().message();
			if (!buf)
				return nullptr;
			buf_.emplace(std::move(*buf));
			auto m = buf_->map();
			EXPECT_TRUE(m) << m.error().message();
			if (!m)
				return nullptr;
			EXPECT_EQ(m->kind(), MappingKind::DmaBuf);
			mapping_.emplace(std::move(*m));
		} else {
			auto m = dev_->map_bar(0, 0, size_);
			EXPECT_TRUE(m) << m.error().message();
			if (!m)
				return nullptr;
			EXPECT_EQ(m->kind(), MappingKind::DeviceFd);
			mapping_.emplace(std::move(*m));
		}
		return static_cast<volatile uint8_t *>(mapping_->data());
	}

	static volatile uint32_t &reg(volatile uint8_t *bar, uint64_t offset)
	{
		return *reinterpret_cast<volatile uint32_t *>(bar + offset);
	}

	/* Liveness and factorial, through the mapping. */
	void protocol(volatile uint8_t *bar)
	{
		auto line = maps_line_containing(reinterpret_cast<uintptr_t>(bar));
		ASSERT_TRUE(line);
		EXPECT_EQ(line->perms, "---s") << "a live register mapping is laid PROT_NONE";
		EXPECT_EQ(reg(bar, kId), kEduId);
		reg(bar, kLiveness) = 0x12345678;
		EXPECT_EQ(reg(bar, kLiveness), 0xedcba987u);
		/* A store to the read-only ID does not stick, as on hardware. */
		reg(bar, kId) = 0;
		EXPECT_EQ(reg(bar, kId), kEduId);
		reg(bar, kFactorial) = 5;
		while (reg(bar, kStatus) & 1)
			;
		EXPECT_EQ(reg(bar, kFactorial), 120u);
	}

	/* The nic, whose BAR0 is RAM: the other end of a copy. */
	/* `body` with edu's BAR0 mapped through the device fd, then through a
	 * DMABUF of it (unmapped after each), and a nic open (its BAR0 is
	 * RAM). */
	void each_mapping_with_nic(const std::function<void(volatile uint8_t *bar, Device &nic)> &body)
	{
		for (bool via_dmabuf : {false, true}) {
			SCOPED_TRACE(via_dmabuf ? "dmabuf" : "device fd");
			volatile uint8_t *bar = map(via_dmabuf);
			ASSERT_NE(bar, nullptr);
			auto nic = open_nic();
			ASSERT_TRUE(nic) << nic.error().message();
			body(bar, *nic);
			mapping_.reset();
			buf_.reset();
		}
	}

	client::Result<Device> open_nic()
	{
		auto desc = preset("nic");
		if (!desc)
			return fail(ENODEV, "preset nic");
		auto bdf = backend_->kernel().add_device(*desc);
		if (!bdf)
			return fail(ENODEV, "add nic");
		auto nic = Device::open(backend_, *bdf);
		if (!nic)
			return nic;
		if (auto r = nic->set_memory_enable(true); !r)
			return r.error();
		return nic;
	}

	static uint32_t nic_word(const Device &nic, uint64_t offset)
	{
		uint32_t v = 0;
		EXPECT_TRUE(nic.read_region(0, offset, &v, 4));
		return v;
	}

	std::shared_ptr<ModelBackend> backend_;
	std::optional<Device> dev_;
	std::optional<DmaBuf> buf_;
	std::optional<Mapping> mapping_;
	uint64_t size_ = 0;
};

TEST_F(ModelTraps, DeviceFdMappingReachesTheModel)
{
	volatile uint8_t *bar = map(false);
	ASSERT_NE(bar, nullptr);
	protocol(bar);
}

TEST_F(ModelTraps, DmabufMappingReachesTheModel)
{
	volatile uint8_t *bar = map(true);
	ASSERT_NE(bar, nullptr);
	protocol(bar);
}

/* The client library's guarded copies on a register mapping are trapped
 * accesses too. */
TEST_F(ModelTraps, GuardedCopiesThroughTheMapping)
{
	ASSERT_NE(map(false), nullptr);
	ASSERT_TRUE(mapping_->write<uint32_t>(kLiveness, 0x0f0f0f0f));
	auto v = mapping_->read<uint32_t>(kLiveness);
	ASSERT_TRUE(v) << v.error().message();
	EXPECT_EQ(*v, 0xf0f0f0f0u);
}

TEST_F(ModelTraps, MemoryOffRaisesSigbusAtTheAddressAndOnRestores)
{
	for (bool via_dmabuf : {false, true}) {
		SCOPED_TRACE(via_dmabuf ? "dmabuf" : "device fd");
		volatile uint8_t *bar = map(via_dmabuf);
		ASSERT_NE(bar, nullptr);
		ProgramHandler bus(SIGBUS);
		ASSERT_TRUE(dev_->set_memory_enable(false));
		auto *live = reinterpret_cast<volatile uint32_t *>(bar + kLiveness);
		EXPECT_EQ(touch(live, false), SIGBUS);
		EXPECT_EQ(ProgramHandler::code, BUS_ADRERR);
		EXPECT_EQ(ProgramHandler::addr, const_cast<uint32_t *>(live));
		EXPECT_EQ(touch(live, true, 5), SIGBUS) << "a write too";
		EXPECT_EQ(ProgramHandler::addr, const_cast<uint32_t *>(live));
		ASSERT_TRUE(dev_->set_memory_enable(true));
		uint32_t got = 0;
		EXPECT_EQ(touch(reinterpret_cast<volatile uint32_t *>(bar + kId), false, 0, &got), 0);
		EXPECT_EQ(got, kEduId) << "the registers again after memory on";
		mapping_.reset();
		buf_.reset();
	}
}

/* A pread or pwrite through the in-process Kernel whose buffer is a
 * register mapping reaches the registers, as Linux's copy_to_user/
 * copy_from_user do through vfio's fault handler: the model's copy faults
 * on the PROT_NONE page and that page is made as register accesses (4-byte
 * pieces here: the buffers are 4 bytes at 4-byte-aligned offsets, which
 * is what edu takes). The targets are edu's own BAR0 and the nic's RAM
 * BAR0, which gives back what was written. */
TEST_F(ModelTraps, APwriteFromARegisterMappingReadsTheRegisters)
{
	each_mapping_with_nic([&](volatile uint8_t *bar, Device &nic) {
	reg(bar, kLiveness) = 0x11111111;
	ASSERT_TRUE(nic.write_region(0, 0x100, const_cast<uint8_t *>(bar + kId), 4));
	ASSERT_TRUE(nic.write_region(0, 0x104, const_cast<uint8_t *>(bar + kLiveness), 4));
	EXPECT_EQ(nic_word(nic, 0x100), kEduId) << "the ID register, read by the copy";
	EXPECT_EQ(nic_word(nic, 0x104), ~0x11111111u) << "liveness, read by the copy";
	/* From BAR0's mapping into BAR0 itself: the ID into liveness. */
	ASSERT_TRUE(dev_->write_region(0, kLiveness, const_cast<uint8_t *>(bar + kId), 4));
	EXPECT_EQ(reg(bar, kLiveness), ~kEduId);
	});
}

TEST_F(ModelTraps, APreadIntoARegisterMappingWritesTheRegisters)
{
	each_mapping_with_nic([&](volatile uint8_t *bar, Device &nic) {
	const uint32_t x = 0x12345678;
	ASSERT_TRUE(nic.write_region(0, 0x200, &x, 4));
	ASSERT_TRUE(nic.read_region(0, 0x200, const_cast<uint8_t *>(bar + kLiveness), 4));
	EXPECT_EQ(reg(bar, kLiveness), ~x) << "the copy's store reached liveness";
	/* BAR0's ID read into BAR0's own liveness register. */
	ASSERT_TRUE(dev_->read_region(0, kId, const_cast<uint8_t *>(bar + kLiveness), 4));
	EXPECT_EQ(reg(bar, kLiveness), ~kEduId);
	});
}

/* With memory disabled the mapping is revoked: as a buffer it is EFAULT,
 * no register is reached, the target keeps its bytes, and the program
 * gets no signal (a SIGBUS here would end the test). */
TEST_F(ModelTraps, ARevokedRegisterMappingAsBufferIsEfault)
{
	each_mapping_with_nic([&](volatile uint8_t *bar, Device &nic) {
	const uint32_t marker = 0x5a5a5a5a, x = 0x0badf00d;
	ASSERT_TRUE(nic.write_region(0, 0x300, &marker, 4));
	ASSERT_TRUE(nic.write_region(0, 0x304, &x, 4));
	reg(bar, kLiveness) = 0x22222222;
	ASSERT_TRUE(dev_->set_memory_enable(false));
	auto w = nic.write_region(0, 0x300, const_cast<uint8_t *>(bar + kId), 4);
	ASSERT_FALSE(w);
	EXPECT_EQ(w.code(), EFAULT);
	auto r = nic.read_region(0, 0x304, const_cast<uint8_t *>(bar + kLiveness), 4);
	ASSERT_FALSE(r);
	EXPECT_EQ(r.code(), EFAULT);
	/* Config space reads with memory off: the copy is still EFAULT. */
	auto c = dev_->read_region(kConfigRegion, 0, const_cast<uint8_t *>(bar + kLiveness), 4);
	ASSERT_FALSE(c);
	EXPECT_EQ(c.code(), EFAULT);
	EXPECT_EQ(nic_word(nic, 0x300), marker) << "nothing written";
	ASSERT_TRUE(dev_->set_memory_enable(true));
	EXPECT_EQ(reg(bar, kLiveness), ~0x22222222u) << "liveness as written before";
	});
}

/* A read-only register mapping takes no store of a pread. */
TEST_F(ModelTraps, AReadOnlyRegisterMappingTakesNoPreadStore)
{
	auto m = dev_->map_bar(0, 0, size_, PROT_READ);
	ASSERT_TRUE(m) << m.error().message();
	auto *bar = static_cast<volatile uint8_t *>(m->data());
	auto nic = open_nic();
	ASSERT_TRUE(nic) << nic.error().message();
	ASSERT_TRUE(dev_->write_region(0, kLiveness, &kEduId, 4));
	auto r = nic->read_region(0, 0x200, const_cast<uint8_t *>(bar + kLiveness), 4);
	ASSERT_FALSE(r);
	EXPECT_EQ(r.code(), EFAULT);
	EXPECT_EQ(reg(bar, kLiveness), ~kEduId) << "liveness untouched";
	ASSERT_TRUE(nic->write_region(0, 0x204, const_cast<uint8_t *>(bar + kId), 4)) << "a load is allowed";
	EXPECT_EQ(nic_word(*nic, 0x204), kEduId);
}

/* A buffer whose first word is the end of a RAM page and whose rest is
 * the register page right after it is copied whole, both ways, low to
 * high: the RAM word as memory, ID and liveness as registers. */
TEST_F(ModelTraps, ABufferAcrossRamAndARegisterPageIsCopiedWhole)
{
	constexpr size_t kPage = 4096;
	void *room = ::mmap(nullptr, 2 * kPage, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(room, MAP_FAILED);
	auto *ram = static_cast<uint8_t *>(room);
	long at = backend_->mmap(ram + kPage, kPage, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED, dev_->fd(), 0);
	ASSERT_EQ(at, reinterpret_cast<long>(ram + kPage));
	volatile uint8_t *bar = ram + kPage;
	auto nic = open_nic();
	ASSERT_TRUE(nic) << nic.error().message();

	reg(bar, kLiveness) = 0x01020304;
	uint8_t *buf = ram + kPage - 4;
	const uint32_t head = 0xcafe0001;
	std::memcpy(buf, &head, 4);
	ASSERT_TRUE(nic->write_region(0, 0x100, buf, 12));
	EXPECT_EQ(nic_word(*nic, 0x100), head);
	EXPECT_EQ(nic_word(*nic, 0x104), kEduId);
	EXPECT_EQ(nic_word(*nic, 0x108), ~0x01020304u);

	/* Back: RAM takes the first word, the ID register ignores its
	 * store, liveness takes the third. */
	const uint32_t words[3] = {0xcafe0002, 0x11111111, 0x22222222};
	ASSERT_TRUE(nic->write_region(0, 0x200, words, sizeof(words)));
	ASSERT_TRUE(nic->read_region(0, 0x200, buf, sizeof(words)));
	uint32_t got = 0;
	std::memcpy(&got, buf, 4);
	EXPECT_EQ(got, words[0]);
	EXPECT_EQ(reg(bar, kId), kEduId);
	EXPECT_EQ(reg(bar, kLiveness), ~words[2]);

	EXPECT_EQ(backend_->munmap(ram + kPage, kPage), 0);
	::munmap(room, 2 * kPage);
}

/* A handler of the program's own gets every fault that is not a register
 * access, with the kernel's siginfo; register accesses still reach the
 * model behind it. */
TEST_F(ModelTraps, ProgramHandlerGetsItsOwnFaults)
{
	volatile uint8_t *bar = map(true);
	ASSERT_NE(bar, nullptr);
	void *page = ::mmap(nullptr, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(page, MAP_FAILED);
	{
		ProgramHandler segv(SIGSEGV);
		ProgramHandler::mine(page, 4096);
		EXPECT_EQ(touch(static_cast<volatile uint32_t *>(page), false), SIGSEGV);
		EXPECT_EQ(ProgramHandler::code, SEGV_ACCERR);
		EXPECT_EQ(ProgramHandler::addr, page);
		uint32_t got = 0;
		EXPECT_EQ(touch(reinterpret_cast<volatile uint32_t *>(bar + kId), false, 0, &got), 0);
		EXPECT_EQ(got, kEduId);
	}
	/* A read-only register mapping: a store there is the program's fault. */
	mapping_.reset();
	auto ro = buf_->map(0, 0, PROT_READ);
	ASSERT_TRUE(ro) << ro.error().message();
	auto *id = static_cast<volatile uint32_t *>(ro->data());
	{
		ProgramHandler segv(SIGSEGV);
		/* The load is the model's (the handler passes it on), the store
		 * the program's. */
		EXPECT_EQ(*id, kEduId);
		ProgramHandler::mine(id, 4);
		EXPECT_EQ(touch(id, true, 1), SIGSEGV);
		EXPECT_EQ(ProgramHandler::code, SEGV_ACCERR);
		EXPECT_EQ(ProgramHandler::addr, const_cast<uint32_t *>(id));
	}
	::munmap(page, 4096);
}

} /* namespace */
} /* namespace softvfio::test */
