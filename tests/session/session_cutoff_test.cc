/* SPDX-License-Identifier: MIT */
/*
 * A process that misbehaves in its mailbox (a message that is not a
 * request, an answer to another question, a stand-in or a spare pair that
 * is not one, a reservation that is no room) is cut off: its calls fail
 * with ENODEV, its mappings fault, and nobody else in the session notices.
 */
#include <cstddef>
#include <cstdio>
#include <fcntl.h>
#include <functional>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <softvfio/uapi/vfio.h>

#include "session/raw_slot.h"
#include "session/session_fixture.h"

namespace softvfio::test {
namespace {

using session::Connection;
using namespace session::wire;

constexpr uint64_t kBar2 = uint64_t(VFIO_PCI_BAR2_REGION_INDEX) << 40;

int64_t ptr(const void *p) { return reinterpret_cast<int64_t>(p); }

/* Wait until the kernel cut the process off (a last reply may come
 * first). */
bool cut_off(RawSlot &slot)
{
	for (;;) {
		switch (slot.wait(RawSlot::kPatienceNs)) {
		case RawSlot::Wait::NotAlive:
			return true;
		case RawSlot::Wait::Timeout:
			return false;
		case RawSlot::Wait::Message:
			break;
		}
	}
}

/* Ask for a mapping of BAR2 through the raw slot and wait for the kernel's
 * Reserve: false if something else came. */
bool await_reserve(RawSlot &slot, int device, uint32_t seq, int64_t at, int64_t flags, session::wire::MsgHeader &q)
{
	slot.request(static_cast<uint32_t>(Op::Mmap), seq, {at, 0x10000, PROT_READ | PROT_WRITE, flags, device, int64_t(kBar2)});
	if (slot.wait(RawSlot::kPatienceNs) != RawSlot::Wait::Message)
		return false;
	q = slot.header();
	return q.kind == static_cast<uint32_t>(MsgKind::SubRequest) && q.op == static_cast<uint32_t>(SubOp::Reserve);
}

/* A process that misbehaves in its mailbox, holding the device open and a
 * BAR mapping: it is cut off, and nobody else notices. */
class CutOffTest : public SessionTest
{
protected:
	void expect_cut_off(const std::function<bool(Connection &, RawSlot &, int)> &misbehave)
	{
		child::Pipe cut, done;
		pid_t bad = spawn([&](Connection &c) {
			child::Device d;
			CHILD_CHECK(child::open_device(c, bdf_, d));
			long p = child::mmap(c, 0x10000, PROT_READ | PROT_WRITE, d.device, kBar2);
			CHILD_CHECK(p > 0);
			session::wire::Mailbox *mb = child::own_mailbox();
			CHILD_CHECK(mb != nullptr);
			{
				RawSlot slot(*mb, RawSlot::kTestSlot);
				CHILD_CHECK(slot.claimed());
				CHILD_CHECK(misbehave(c, slot, d.device));
			}
			CHILD_CHECK(mb->header.state.load() == static_cast<uint32_t>(MailboxState::CutOff));
			/* No more calls for this process, and its mappings fault
			 * once it knows. */
			CHILD_CHECK(child::ioctl(c, d.container, VFIO_GET_API_VERSION, 0ul) == -ENODEV);
			CHILD_CHECK(c.call(Op::Identify, {d.device}) == -ENODEV);
			CHILD_CHECK(child::faults(reinterpret_cast<void *>(p)));
			cut.post();
			CHILD_CHECK(done.take());
			return 0;
		});
		ASSERT_TRUE(await(cut, bad));
		/* The session goes on for everybody else. */
		EXPECT_EQ(in_child([](Connection &c) {
				  long container = child::open(c, "/dev/vfio/vfio");
				  CHILD_CHECK(container >= 0);
				  CHILD_CHECK(child::api_version_works(c, static_cast<int>(container)));
				  /* The group is the cut-off process's still: busy. */
				  CHILD_CHECK(child::open(c, "/dev/vfio/1") == -EBUSY);
				  return 0;
			  }),
			  0);
		done.post();
		EXPECT_EQ(reap(bad), 0);
		/* Once it is gone its references are, and the device is usable. */
		EXPECT_EQ(open_count(), 0u);
		EXPECT_TRUE(buffers().empty());
		EXPECT_EQ(in_child([&](Connection &c) {
				  child::Device d;
				  CHILD_CHECK(child::open_device(c, bdf_, d));
				  CHILD_CHECK(child::device_calls(c, d) == 0);
				  return 0;
			  }),
			  0);
	}
};

TEST_F(CutOffTest, AMessageThatIsNotARequestCutsTheProcessOff)
{
	expect_cut_off([](Connection &, RawSlot &slot, int) {
		slot.request(static_cast<uint32_t>(Op::Ioctl), 1, {0, 0, 0, 0, 0, 0}, 99);
		return cut_off(slot);
	});
}

TEST_F(CutOffTest, ASubReplyWhereARequestBelongsCutsTheProcessOff)
{
	expect_cut_off([](Connection &, RawSlot &slot, int) {
		slot.sub_reply(static_cast<uint32_t>(SubOp::Reserve), 1, 0x10000);
		return cut_off(slot);
	});
}

TEST_F(CutOffTest, AnAnswerToAnotherQuestionCutsTheProcessOff)
{
	expect_cut_off([](Connection &, RawSlot &slot, int device) {
		session::wire::MsgHeader q;
		if (!await_reserve(slot, device, 7, 0, MAP_SHARED, q))
			return false;
		/* The answer names another call. */
		slot.sub_reply(q.op, q.seq + 1, 0x10000);
		return cut_off(slot);
	});
}

/* An open of the container, the kernel's NewStandin question awaited and
 * answered with `mine` and `theirs` as the pair the process made. */
bool answer_new_standin(RawSlot &slot, int mine, int theirs)
{
	static const char path[] = "/dev/vfio/vfio";
	slot.request(static_cast<uint32_t>(Op::Open), 3, {ptr(path), O_RDWR, 0, 0, 0, 0});
	if (slot.wait(RawSlot::kPatienceNs) != RawSlot::Wait::Message)
		return false;
	auto q = slot.header();
	if (q.kind != static_cast<uint32_t>(MsgKind::SubRequest) || q.op != static_cast<uint32_t>(SubOp::NewStandin))
		return false;
	slot.sub_reply(q.op, q.seq, 0, mine, theirs);
	return cut_off(slot);
}

TEST_F(CutOffTest, AStandinThatIsNotOneCutsTheProcessOff)
{
	expect_cut_off([](Connection &, RawSlot &slot, int) {
		/* "The other end" is a pipe (stdin would do as well). */
		int p[2];
		return ::pipe2(p, O_CLOEXEC) == 0 && answer_new_standin(slot, p[0], p[1]);
	});
}

/* "The other end" of a new stand-in that is an end of another file's
 * stand-in (here the device fd's own socket): taking it would make the
 * kernel hold a copy of the device's stand-in, whose last close then never
 * comes; the device would stay open after the process is gone. */
TEST_F(CutOffTest, AStandinOfAnotherFileIsNotANewOne)
{
	expect_cut_off([](Connection &, RawSlot &slot, int device) {
		int sv[2];
		return ::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == 0 &&
		       answer_new_standin(slot, sv[0], device);
	});
}

/* A spare pair (wire::kRequestSpare) is checked as an answer to
 * NewStandin is: one that is not a pair, or whose other end is another
 * file's stand-in, cuts the process off when the call takes it. An open of
 * the container offers `mine` and `theirs` as the spare. */
bool offer_spare(RawSlot &slot, int mine, int theirs)
{
	static const char path[] = "/dev/vfio/vfio";
	slot.request_with_spare(static_cast<uint32_t>(Op::Open), 3, {ptr(path), O_RDWR, 0, 0, 0, 0}, mine, theirs,
				false);
	return cut_off(slot);
}

TEST_F(CutOffTest, ASpareThatIsNotAPairCutsTheProcessOff)
{
	expect_cut_off([](Connection &, RawSlot &slot, int) {
		int p[2];
		return ::pipe2(p, O_CLOEXEC) == 0 && offer_spare(slot, p[0], p[1]);
	});
}

TEST_F(CutOffTest, ASpareOfAnotherFilesStandinIsNotANewOne)
{
	expect_cut_off([](Connection &, RawSlot &slot, int device) {
		int sv[2];
		return ::socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0 && offer_spare(slot, sv[0], device);
	});
}

/* The kernel names its end of every stand-in; an end the process named
 * itself is not a new pair's. */
TEST_F(CutOffTest, ASpareWhoseEndIsNamedAlreadyIsNotANewOne)
{
	expect_cut_off([](Connection &, RawSlot &slot, int) {
		int sv[2];
		if (::socketpair(AF_UNIX, SOCK_STREAM, 0, sv) < 0)
			return false;
		struct sockaddr_un addr{};
		addr.sun_family = AF_UNIX;
		const int n = std::snprintf(addr.sun_path + 1, sizeof(addr.sun_path) - 1, "softvfio-test/%d", ::getpid());
		const auto len = static_cast<socklen_t>(offsetof(struct sockaddr_un, sun_path) + 1 + static_cast<size_t>(n));
		return ::bind(sv[1], reinterpret_cast<struct sockaddr *>(&addr), len) == 0 &&
		       offer_spare(slot, sv[0], sv[1]);
	});
}

/* A datagram pair hangs up differently: not a stand-in. */
TEST_F(CutOffTest, ASpareThatIsADatagramPairIsNotAStandin)
{
	expect_cut_off([](Connection &, RawSlot &slot, int) {
		int sv[2];
		return ::socketpair(AF_UNIX, SOCK_DGRAM, 0, sv) == 0 && offer_spare(slot, sv[0], sv[1]);
	});
}

/* Room for a new mapping is what the process answers to Reserve; the
 * kernel's mm takes it for free space. Ask for a mapping of BAR2 (at `at`
 * with `flags`) and answer the Reserve with `room`. */
bool answer_reserve(RawSlot &slot, int device, int64_t at, int64_t flags, int64_t room)
{
	session::wire::MsgHeader q;
	if (!await_reserve(slot, device, 5, at, flags, q))
		return false;
	slot.sub_reply(q.op, q.seq, room);
	return cut_off(slot);
}

/* An answer over one of the process's own mappings would give the kernel
 * two VMAs at one address (and the second is destroyed while its buffer
 * still lists it: a use after free in the kernel, found by fuzz_session). */
TEST_F(CutOffTest, AReservationOverAMappingOfItsOwnIsNotRoom)
{
	expect_cut_off([](Connection &c, RawSlot &slot, int device) {
		long p = child::mmap(c, 0x10000, PROT_READ | PROT_WRITE, device, kBar2);
		/* Half over the mapping it has. */
		return p > 0 && answer_reserve(slot, device, 0, MAP_SHARED, p + 0x8000);
	});
}

TEST_F(CutOffTest, AReservationThatIsNotWhereMapFixedAskedIsNotRoom)
{
	expect_cut_off([](Connection &, RawSlot &slot, int device) {
		void *hole = ::mmap(nullptr, 0x20000, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (hole == MAP_FAILED)
			return false;
		const int64_t at = reinterpret_cast<int64_t>(hole);
		return answer_reserve(slot, device, at, MAP_SHARED | MAP_FIXED, at + 0x10000);
	});
}

TEST_F(CutOffTest, AReservationThatIsNoAddressIsNotRoom)
{
	expect_cut_off([](Connection &, RawSlot &slot, int device) {
		/* Not page-aligned, and beyond the user address space. */
		return answer_reserve(slot, device, 0, MAP_SHARED, int64_t(0x7ffffffff123));
	});
}

} /* namespace */
} /* namespace softvfio::test */
