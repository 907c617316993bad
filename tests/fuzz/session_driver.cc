/* SPDX-License-Identifier: MIT */
#include "fuzz/session_driver.h"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <iterator>
#include <poll.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace softvfio::fuzz {

namespace {

namespace wire = session::wire;
using puppet::Cmd;
using wire::MsgKind;
using wire::Op;
using wire::SubOp;

/* SOFTVFIO_FUZZ_TRACE=1: what each input does, on stderr. */
const bool kTrace = std::getenv("SOFTVFIO_FUZZ_TRACE") != nullptr;

constexpr uint64_t kWaitCap = 10 * kMs;   /* one wait for the kernel's next message */
constexpr uint64_t kBudget = 30 * kMs;    /* all of them in one input */
constexpr uint64_t kArena = 0x6f0000000000;   /* where proper Reserve answers point */

constexpr size_t kPaths[] = {kVfio, kGroup0, kGroup1, kIommu, kCdev, kBdf0, kBdf1, kDevDir};
constexpr int64_t kSpecial[] = {0, -1, INT64_MIN, INT64_MAX, 0x10, int64_t(0xffff800000000000ull), 4096, 0x10000,
				O_RDWR, PROT_READ | PROT_WRITE, MAP_SHARED, MAP_SHARED | MAP_FIXED, MAP_PRIVATE,
				VFIO_GET_API_VERSION, VFIO_DEVICE_GET_REGION_INFO, VFIO_DEVICE_GET_INFO,
				VFIO_DEVICE_FEATURE, VFIO_GROUP_GET_DEVICE_FD, VFIO_GROUP_SET_CONTAINER, VFIO_SET_IOMMU,
				F_GETFL, INT_MAX, UINT32_MAX, kBar2, kConfig + 4, -4096, 1 << 30};
/* Error answers; -4096 and beyond are addresses to a Reserve. */
constexpr int kErrnos[] = {ENOMEM, EMFILE, EINVAL, EFAULT, 1, 4095, 4096, 4097};

} /* namespace */

Driver::Driver(Harness &h, Input &in)
	: h_(h), in_(in), budget_(kBudget), arena_(kArena), last_reserve_(kArena), threads_(thread_count())
{
	for (unsigned i = 0; i < puppet::kPuppets; i++) {
		pups_[i].index = i;
		pups_[i].ctl = &h.zygote().ctl(i);
	}
}

/* Every record the session has now: after the input, each must go. */
void Driver::note()
{
	for (auto &r : h_.session().processes())
		if (auto &w = seen_[r.get()]; w.expired() && r->pid() != ::getpid())
			w = r;
}

void Driver::reset(Pup &p)
{
	const unsigned i = p.index;
	puppet::Ctl *c = p.ctl;
	p = Pup();
	p.index = i;
	p.ctl = c;
}

void Driver::forget(Pup &p, int64_t fd)
{
	std::erase(p.fds, static_cast<int>(fd));
}

bool Driver::cmd(Pup &p, Cmd c, std::initializer_list<int64_t> a, uint64_t cap)
{
	if (!p.live || p.stopped)
		return false;
	/* Puppet commands are a few system calls: not on the input's budget
	 * (a join is the event loop's, and must be answered). */
	return h_.zygote().command(*p.ctl, c, a, cap);
}

bool Driver::spawn(Pup &p)
{
	if (p.live)
		return true;
	pid_t pid = h_.zygote().spawn(p.index);
	if (pid <= 0)
		return false;
	reset(p);
	p.pid = pid;
	p.pidfd = static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
	p.live = p.pidfd >= 0;
	return p.live;
}

void Driver::kill(Pup &p)
{
	if (p.pidfd < 0)
		return;
	const long sent = ::syscall(SYS_pidfd_send_signal, p.pidfd, SIGKILL, nullptr, 0);
	struct pollfd f{p.pidfd, POLLIN, 0};
	if (::poll(&f, 1, 5000) != 1) {
		char path[64], stat[256] = {}, stack[1024] = {};
		auto slurp = [&](const char *name, char *buf, size_t n) {
			std::snprintf(path, sizeof(path), "/proc/%d/%s", static_cast<int>(p.pid), name);
			if (FILE *fp = std::fopen(path, "re")) {
				buf[std::fread(buf, 1, n - 1, fp)] = 0;
				std::fclose(fp);
			}
		};
		slurp("stat", stat, sizeof(stat));
		slurp("stack", stack, sizeof(stack));
		fail("puppet " + std::to_string(p.pid) + " outlived SIGKILL (" + std::to_string(sent) + "): " + stat + stack);
	}
	::close(p.pidfd);
	reset(p);   /* its RawSlots let go of the mailbox, still mapped */
}

bool Driver::ready(Pup &p, bool rejoin)
{
	if (p.stopped || !spawn(p))
		return false;
	if (p.mb && (!rejoin || p.mb->header.state.load() == static_cast<uint32_t>(wire::MailboxState::Alive)))
		return true;
	return image_join(p);
}

void Driver::remember(Pup &p, int64_t fd)
{
	if (fd >= 0 && fd < 65536 && p.fds.size() < 64 && std::find(p.fds.begin(), p.fds.end(), fd) == p.fds.end())
		p.fds.push_back(static_cast<int>(fd));
}

int64_t Driver::arg(Pup &p)
{
	const uint8_t sel = in_.u8();
	switch (sel % 10) {
	case 0: return static_cast<int8_t>(in_.u8());
	case 1: return pick_fd(p, in_.u8());
	case 2: return at(in_.u16() % puppet::kScratch);
	case 3: return reinterpret_cast<int64_t>(h_.zygote().guard() - in_.u8() % 64);
	case 4: return kSpecial[in_.u8() % std::size(kSpecial)];
	case 5: return static_cast<int64_t>(kArena + uint64_t(in_.u16()) * 4096);
	case 6: return in_.u32();
	case 7: return static_cast<int64_t>(in_.u64());
	case 8: return at(kPaths[in_.u8() % std::size(kPaths)]);
	default: {
		uint8_t b = in_.u8();
		if ((b & 1) && !p.maps.empty())
			return p.maps[(b >> 1) % p.maps.size()].first;
		return int64_t(b % 10) << 40;   /* a region's offset */
	}
	}
}

/* --- joins --- */

Driver::JoinResult Driver::join(Pup &p, const void *req, size_t len, bool shut)
{
	JoinResult r;
	if (!spawn(p))
		return r;
	note();
	puppet::Ctl &c = *p.ctl;
	len = std::min(len, sizeof(c.buf));
	if (len)
		std::memcpy(c.buf, req, len);
	c.len = static_cast<uint32_t>(len);
	joins_++;
	if (!cmd(p, Cmd::Join, {shut ? 1 : 0}, 1000 * kMs))
		return r;
	r.done = true;
	note();
	r.len = static_cast<size_t>(std::clamp<int64_t>(c.r[0], 0, sizeof(c.buf)));
	std::memcpy(&r.reply, c.buf, std::min(r.len, sizeof(r.reply)));
	r.fd = static_cast<int>(c.r[1]);
	if (kTrace)
		std::fprintf(stderr, "%c join (%zu bytes): %zu back, error %d, fd %d\n", 'A' + p.index, len, r.len,
			     r.reply.error, r.fd);
	return r;
}

bool Driver::image_join(Pup &p)
{
	wire::JoinRequest q{wire::kMagic, wire::kVersion, static_cast<uint32_t>(wire::JoinKind::Image), 0, 0, 0};
	JoinResult r = join(p, &q, sizeof(q), true);
	if (!r.done)
		return false;
	check(r.len >= sizeof(r.reply) && r.reply.error == 0 && r.fd >= 0,
	      "a well-formed join was refused: " + std::to_string(r.reply.error));
	return adopt(p, r.fd);
}

void Driver::take_mailbox(Pup &p, void *m)
{
	my_maps_.push_back(m);
	p.mb = static_cast<wire::Mailbox *>(m);
	for (auto &s : p.slots)
		s = SlotState{};
	records_++;
}

/* The mailbox fd a join gave the puppet: mapped by the fuzzer (which
 * writes the messages) and by the puppet (whose handler acknowledges). */
bool Driver::adopt(Pup &p, int theirs)
{
	int mine = static_cast<int>(::syscall(SYS_pidfd_getfd, p.pidfd, theirs, 0));
	void *m = mine < 0 ? MAP_FAILED
			   : ::mmap(nullptr, wire::kMailboxSize, PROT_READ | PROT_WRITE, MAP_SHARED, mine, 0);
	if (mine >= 0)
		::close(mine);
	if (m != MAP_FAILED) {
		take_mailbox(p, m);
		if (cmd(p, Cmd::Mmap, {theirs}) && p.ctl->r[0] > 0)
			their_maps_.push_back(static_cast<uint64_t>(p.ctl->r[0]));
	}
	cmd(p, Cmd::Close, {theirs});
	return m != MAP_FAILED;
}

/* A fork's child takes over the record its parent prepared, with the
 * mailbox's token (how & 0x80: a wrong one). */
void Driver::attach(Pup &child, uint8_t how)
{
	if (forks_.empty() || !spawn(child))
		return;
	const Fork f = forks_[how % forks_.size()];
	char path[64];
	std::snprintf(path, sizeof(path), "/proc/self/fd/%lld", static_cast<long long>(f.kfd));
	int fd = f.kfd >= 0 && f.kfd < INT_MAX ? ::open(path, O_RDWR | O_CLOEXEC) : -1;
	struct stat st;
	char link[64] = {};
	/* The kernel's fd of the child's mailbox, unless the record is gone
	 * and the number taken by something else. */
	bool mailbox = fd >= 0 && ::fstat(fd, &st) == 0 && size_t(st.st_size) == wire::kMailboxSize &&
		       ::readlink(path, link, sizeof(link) - 1) > 0 && std::strstr(link, "softvfio-mailbox");
	void *m = mailbox ? ::mmap(nullptr, wire::kMailboxSize, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0) : MAP_FAILED;
	if (fd >= 0)
		::close(fd);
	if (m == MAP_FAILED)
		return;
	uint64_t token = static_cast<wire::Mailbox *>(m)->header.token ^ ((how & 0x80) ? 1 + in_.u8() : 0);
	wire::JoinRequest q{wire::kMagic, wire::kVersion, static_cast<uint32_t>(wire::JoinKind::Attach), 0,
			    static_cast<uint64_t>(f.record), token};
	JoinResult r = join(child, &q, sizeof(q), true);
	if (r.fd >= 0)
		cmd(child, Cmd::Close, {r.fd});
	if (!r.done || r.len < sizeof(r.reply) || r.reply.error) {
		::munmap(m, wire::kMailboxSize);
		return;
	}
	take_mailbox(child, m);
	/* The child has its parent's fds and mappings (the kernel's copies). */
	if (const Pup &parent = pups_[f.parent]; &parent != &child) {
		child.fds = parent.fds;
		child.maps = parent.maps;
		child.container = parent.container;
		child.group = parent.group;
		child.device = parent.device;
		child.dmabuf = parent.dmabuf;
	}
	std::snprintf(reinterpret_cast<char *>(child.ctl->buf), sizeof(child.ctl->buf), "/proc/%d/fd/%lld",
		      static_cast<int>(::getpid()), static_cast<long long>(f.kfd));
	if (cmd(child, Cmd::Open, {}) && child.ctl->r[0] >= 0) {
		int theirs = static_cast<int>(child.ctl->r[0]);
		if (cmd(child, Cmd::Mmap, {theirs}) && child.ctl->r[0] > 0)
			their_maps_.push_back(static_cast<uint64_t>(child.ctl->r[0]));
		cmd(child, Cmd::Close, {theirs});
	}
}

/* --- calls --- */

test::RawSlot &Driver::raw(Pup &p, unsigned k)
{
	auto &s = p.slots[k];
	if (!s.raw)
		s.raw = std::make_unique<test::RawSlot>(*p.mb, k);
	return *s.raw;
}

void Driver::request(Pup &p, unsigned k, uint32_t op, const int64_t (&a)[6], const int (*spare)[2], bool spare_cloexec)
{
	SlotState &s = p.slots[k];
	s.op = op;
	std::copy(a, a + 6, s.a);
	if (spare)
		raw(p, k).request_with_spare(op, ++s.seq, a, (*spare)[0], (*spare)[1], spare_cloexec);
	else
		raw(p, k).request(op, ++s.seq, a);
	s.st = SlotState::KernelOwes;
	if (kTrace)
		std::fprintf(stderr, "%c[%u] op %u (%llx %llx %llx %llx %llx %llx)\n", 'A' + p.index, k, op,
			     static_cast<unsigned long long>(a[0]), static_cast<unsigned long long>(a[1]), static_cast<unsigned long long>(a[2]),
			     static_cast<unsigned long long>(a[3]), static_cast<unsigned long long>(a[4]), static_cast<unsigned long long>(a[5]));
}

/* The kernel's next message in slot k: a sub-request is answered by
 * `policy` (-1 proper, -2 the input's next byte). */
Driver::Step Driver::step(Pup &p, unsigned k, int policy, int64_t *result)
{
	SlotState &s = p.slots[k];
	if (s.st == SlotState::ClientOwes) {
		answer(p, k, policy);
		return s.st == SlotState::KernelOwes ? Step::More : Step::Stuck;
	}
	if (s.st != SlotState::KernelOwes || !p.mb)
		return Step::Done;
	const uint64_t t0 = now_ns();
	auto w = raw(p, k).wait(std::min(kWaitCap, budget_));
	budget_ -= std::min(now_ns() - t0, budget_);
	if (w != test::RawSlot::Wait::Message) {
		if (kTrace)
			std::fprintf(stderr, "%c[%u]   %s\n", 'A' + p.index, k,
				     w == test::RawSlot::Wait::NotAlive ? "not served any more" : "no answer yet");
		if (w == test::RawSlot::Wait::NotAlive)
			s.st = SlotState::Idle;
		return Step::Stuck;
	}
	if (s.close_next >= 0) {
		cmd(p, Cmd::Close, {s.close_next});
		forget(p, s.close_next);
		s.close_next = -1;
	}
	const wire::MsgHeader h = raw(p, k).header();
	if (h.seq == s.seq && h.kind == static_cast<uint32_t>(MsgKind::SubRequest)) {
		s.asked = raw(p, k).sub_request();
		s.st = SlotState::ClientOwes;
		answer(p, k, policy);
		return s.st == SlotState::KernelOwes ? Step::More : Step::Stuck;
	}
	s.st = SlotState::Idle;
	if (h.seq == s.seq && h.kind == static_cast<uint32_t>(MsgKind::Reply))
		replied(p, k, result);
	return Step::Done;
}

void Driver::drive(Pup &p, unsigned k, int policy, int64_t *result)
{
	for (int i = 0; i < 64 && step(p, k, policy, result) == Step::More; i++) {
	}
}

void Driver::answer(Pup &p, unsigned k, int policy)
{
	SlotState &s = p.slots[k];
	const int pol = policy == -1 ? 0 : (policy == -2 ? in_.u8() : policy) % 16;
	int64_t result = 0, e0 = 0, e1 = 0;
	uint32_t kind = static_cast<uint32_t>(MsgKind::SubReply), seq = s.asked.h.seq;
	switch (pol) {
	case 10: result = -kErrnos[in_.pick(std::size(kErrnos))]; break;
	case 11: seq += 1 + in_.u8(); break;
	case 12: kind = in_.u8() % 6; break;
	case 13: hostile(p, s, result, e0, e1); break;
	case 14: return;   /* the kernel waits for an answer that never comes */
	case 15: {
		auto b = in_.bytes(in_.u8());
		b.resize(std::max<size_t>(b.size(), 1));
		raw(p, k).post(b.data(), b.size());
		s.st = SlotState::KernelOwes;
		return;
	}
	default: proper(p, s, result, e0, e1); break;
	}
	raw(p, k).sub_reply(s.asked.h.op, seq, result, e0, e1, kind);
	if (kTrace)
		std::fprintf(stderr, "%c[%u]   sub-request %u: policy %d -> %lld %lld %lld\n", 'A' + p.index, k,
			     s.asked.h.op, pol, static_cast<long long>(result), static_cast<long long>(e0), static_cast<long long>(e1));
	s.st = SlotState::KernelOwes;
}

/* What a client answers (session/client/connection.cc). */
void Driver::proper(Pup &p, SlotState &s, int64_t &result, int64_t &e0, int64_t &e1)
{
	const wire::Request &q = s.asked;
	switch (static_cast<SubOp>(q.h.op)) {
	case SubOp::Reserve:
		result = reserve(static_cast<uint64_t>(q.a[1]), q.a[4] != 0);
		break;
	case SubOp::NewStandin:
		if (!cmd(p, Cmd::Socketpair, {q.a[0]}) || p.ctl->r[0] < 0) {
			result = -EMFILE;
			break;
		}
		e0 = p.ctl->r[1];
		e1 = p.ctl->r[2];
		remember(p, e0);
		s.close_next = static_cast<int>(e1);
		break;
	case SubOp::ApplyOps:
		break;
	default:
		result = -ENOSYS;
		break;
	}
}

/* Well-shaped, but an address or an fd no client would give. */
void Driver::hostile(Pup &p, SlotState &s, int64_t &result, int64_t &e0, int64_t &e1)
{
	const uint8_t v = in_.u8();
	const wire::Request &q = s.asked;
	switch (static_cast<SubOp>(q.h.op)) {
	case SubOp::Reserve:
		switch (v % 8) {
		case 0: result = q.a[0]; break;                                  /* the hint */
		case 1: result = static_cast<int64_t>(last_reserve_); break;    /* over the last one */
		case 2: result = reserve(static_cast<uint64_t>(q.a[1]), false) + 1 + (v >> 3); break;
		case 3: result = 0; break;
		case 4: result = 0x7ffffffff000; break;
		case 5: result = int64_t(0xffff800000000000ull); break;
		case 6: result = INT64_MAX; break;
		default: result = static_cast<int64_t>(in_.u64()); break;
		}
		break;
	case SubOp::NewStandin:
		proper(p, s, result, e0, e1);
		switch (v % 8) {
		case 0:
			if (cmd(p, Cmd::Pipe, {}) && p.ctl->r[0] == 0) {
				remember(p, p.ctl->r[1]);
				remember(p, e1 = p.ctl->r[2]);
			}
			break;
		case 1: e1 = pick_fd(p, v >> 3); break;
		case 2: e1 = e0; break;
		case 3: e0 = in_.u32(); break;
		case 4: e0 = pick_fd(p, v >> 3); break;
		case 5: std::swap(e0, e1); break;
		case 6: e1 = -1; break;
		default: result = 1 + (v >> 3); break;
		}
		break;
	default:
		result = static_cast<int64_t>(in_.u64());
		break;
	}
}

int64_t Driver::reserve(uint64_t length, bool huge)
{
	const uint64_t align = huge ? uint64_t{1} << 21 : 4096;
	length = std::min<uint64_t>(length, uint64_t{1} << 36);
	uint64_t where = (arena_ + align - 1) & ~(align - 1);
	arena_ = where + ((length + 4095) & ~uint64_t{4095}) + 4096;
	last_reserve_ = where;
	return static_cast<int64_t>(where);
}

void Driver::replied(Pup &p, unsigned k, int64_t *result)
{
	SlotState &s = p.slots[k];
	const wire::Reply r = raw(p, k).reply();
	/* A stand-in made for a call that failed after: the client closes it. */
	for (size_t i = 0; i < std::min<size_t>(r.nops, wire::kMaxReplyOps); i++) {
		wire::MmOp op;
		std::memcpy(&op, raw(p, k).payload() + sizeof(wire::Reply) + i * sizeof(op), sizeof(op));
		if (op.kind == static_cast<uint32_t>(wire::MmOpKind::CloseFd)) {
			cmd(p, Cmd::Close, {op.flags});
			forget(p, op.flags);
		}
	}
	if (s.op == static_cast<uint32_t>(Op::ForkPrepare) && r.result > 0)
		forks_.push_back({r.result, r.extra[0], p.index});
	if (s.op == static_cast<uint32_t>(Op::Mmap) && r.result > 0 && p.maps.size() < 64)
		p.maps.emplace_back(r.result, s.a[1]);
	if (result)
		*result = r.result;
	if (kTrace)
		std::fprintf(stderr, "%c[%u]   reply %lld (%u ops)\n", 'A' + p.index, k, static_cast<long long>(r.result), r.nops);
}

/* A well-formed call with proper answers; its result, or kNone. */
int64_t Driver::call(Pup &p, unsigned k, Op op, std::initializer_list<int64_t> args)
{
	if (!ready(p, true) || p.slots[k].st != SlotState::Idle)
		return kNone;
	int64_t a[6] = {};
	std::copy_n(args.begin(), std::min<size_t>(args.size(), 6), a);
	request(p, k, static_cast<uint32_t>(op), a);
	int64_t r = kNone;
	drive(p, k, -1, &r);
	return r;
}

void Driver::finish(Records &records)
{
	/* A doorbell thread and 16 slot workers per record, a thread per
	 * query for a moment; the threads of records retired meanwhile may
	 * not all be gone yet. */
	const long threads = thread_count();
	if (!getenv("FZ_NOFLOOD") && threads > threads_ + 17 * long(records_) + long(joins_) + 32)
		fail("the kernel runs " + std::to_string(threads - threads_) + " more threads than before the input, for " +
		     std::to_string(records_) + " records (a doorbell and 16 slot workers each) and " +
		     std::to_string(joins_) + " joins");
	note();
	for (auto &p : pups_)
		kill(p);
	reap(records);
	for (uint64_t a : their_maps_)
		h_.zygote().unmap(a, wire::kMailboxSize);
	for (void *m : my_maps_)
		::munmap(m, wire::kMailboxSize);
}

/* Fork records whose child never came (made by a call still running when
 * its process died, too): a child takes each over and dies, as the
 * session's own expiry would after its grace period. */
void Driver::reap(Records &records)
{
	Pup &reaper = pups_[puppet::kPuppets - 1];
	for (const auto &r : h_.session().processes()) {
		if (r->state() != session::ClientProcess::State::Forking)
			continue;
		wire::JoinRequest q{wire::kMagic, wire::kVersion, static_cast<uint32_t>(wire::JoinKind::Attach), 0, r->id(),
				    r->token()};
		/* Refused if the record went meanwhile (its fork failed). */
		join(reaper, &q, sizeof(q), true);
	}
	kill(reaper);
	for (auto &[raw, w] : seen_)
		records.push_back(w);
	seen_.clear();
}

} /* namespace softvfio::fuzz */
