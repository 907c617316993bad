/* SPDX-License-Identifier: MIT */
#include "session/remote_mm.h"

#include <cerrno>
#include <iterator>
#include <sys/mman.h>
#include <sys/stat.h>

#include "base/log.h"
#include "mm/pagemap.h"
#include "mm/vma.h"
#include "session/call.h"
#include "session/client_process.h"
#include "session/session_kernel.h"
#include "pci/pci_function.h"
#include "pci/register_mirror.h"

namespace softvfio::session {

namespace {

using K = wire::MmOpKind;

wire::MmOp op(K kind, uint64_t vma = 0, uint32_t flags = 0)
{
	wire::MmOp o{};
	o.kind = static_cast<uint32_t>(kind);
	o.vma = vma;
	o.flags = flags;
	return o;
}

uint32_t state_flags(const mm::Vma &v)
{
	return (v.live ? wire::kLive : 0) | (v.dontfork ? wire::kDontfork : 0);
}

/* A change to the owner's geometry outside its own call cannot happen:
 * only its own calls change its VMAs' geometry. */
Result<void> not_own(const char *what)
{
	log::message(log::Level::Warning, std::string("session: mm change outside its process's call: ") + what);
	return err(EINVAL);
}

} /* namespace */

Call *RemoteMm::own_call() const
{
	Call *call = current_call();
	return call && &call->process() == &owner_ ? call : nullptr;
}

Result<uintptr_t> RemoteMm::reserve(const mm::PlacementRequest &req, const mm::HugeOrders &orders)
{
	Call *call = own_call();
	if (!call)
		return err(ENOMEM);
	auto answer = call->ask(wire::SubOp::Reserve,
				{static_cast<int64_t>(req.hint), static_cast<int64_t>(req.length), req.flags,
				 static_cast<int64_t>(req.align_offset), req.align_for_huge ? 1 : 0,
				 static_cast<int64_t>(orders.pmd | (orders.pud << 8))});
	if (!answer)
		return err(ENOMEM);
	if (answer->result < 0 && answer->result > -4096)
		return err(static_cast<int>(-answer->result));
	/* Room, or the process broke the protocol: a page-aligned range of
	 * user space where it was asked for (MAP_FIXED), free of its VMAs. */
	const uintptr_t addr = static_cast<uintptr_t>(answer->result);
	const uint64_t len = req.length;
	bool room = addr != 0 && addr % mm::kPageSize == 0 && len <= mm::kTaskSize && addr <= mm::kTaskSize - len;
	if (room && (req.flags & (MAP_FIXED | MAP_FIXED_NOREPLACE)))
		room = addr == req.hint;
	if (!room || overlaps(addr, addr + len)) {
		owner_.cut_off("a reservation that is not room for the mapping");
		return err(ENOMEM);
	}
	return addr;
}

bool RemoteMm::overlaps(uintptr_t start, uintptr_t end) const
{
	auto it = ranges_.upper_bound(start);
	if (it != ranges_.begin() && std::prev(it)->second > start)
		return true;
	return it != ranges_.end() && it->first < end;
}

void RemoteMm::seed(const std::vector<mm::VmaSnapshot> &vmas)
{
	for (const mm::VmaSnapshot &v : vmas)
		ranges_[v.start] = v.end;
}

void RemoteMm::unreserve(uintptr_t addr, uint64_t length)
{
	if (Call *call = own_call()) {
		wire::MmOp o = op(K::Unmap);
		o.f[0] = addr;
		o.f[1] = addr + length;
		call->add_op(o);
	}
}

/* The mirror directory's entry for register VMA `v`: the reads its BAR's
 * model promises (the VMA knows its model, so no table of the kernel's is
 * locked under mmap_lock). A register VMA lies in one BAR (a DMABUF's
 * ranges come from one region), the one its first run's file offset names. */
uint32_t RemoteMm::mirror_entry(const mm::Vma &v)
{
	if (!v.mappable || v.pieces.empty())
		return 0;
	auto reads = pci::mirrored_reads(v.mappable->register_model(v.geometry()));
	if (reads.empty())
		return 0;
	static_assert(wire::kBarShift == pci::kRegionShift);
	const auto bar = static_cast<unsigned>(v.pieces.front().file_offset >> wire::kBarShift);
	return owner_.session().mirrors().entry_for(bar, reads);
}

Result<void> RemoteMm::create(const mm::Vma &v)
{
	Call *call = own_call();
	if (!call)
		return not_own("create");
	ranges_[v.start] = v.end;
	wire::MmOp c = op(K::Create, v.id, state_flags(v) | (v.registers ? wire::kRegisters : 0));
	c.f[0] = v.start;
	c.f[1] = v.end;
	c.f[2] = v.state_seq;
	c.f[3] = v.pieces.size();
	c.f[4] = static_cast<uint64_t>(v.prot);
	if (v.registers)
		c.f[5] = mirror_entry(v);
	call->add_op(c);
	for (const mm::Backing &b : v.pieces) {
		struct stat st;
		if (::fstat(b.fd, &st) < 0)
			return err(errno);
		wire::MmOp r = op(K::Run, v.id, static_cast<uint32_t>(b.fd));
		r.f[0] = b.vma_offset;
		r.f[1] = b.length;
		r.f[2] = b.file_offset;
		r.f[3] = static_cast<uint64_t>(st.st_ino);
		r.f[4] = b.extent_offset;
		r.f[5] = b.extent_length;
		call->add_op(r);
	}
	return {};
}

Result<void> RemoteMm::set_state(const mm::Vma &v)
{
	if (Call *call = own_call()) {
		wire::MmOp s = op(K::State, v.id, state_flags(v));
		s.f[0] = v.state_seq;
		call->add_op(s);
		return {};
	}
	uint64_t n = owner_.queue_state(v.id, v.live, v.state_seq);
	WorkScope::queued(owner_.shared_from_this(), n);
	return {};
}

void RemoteMm::split(const mm::Vma &head, const mm::Vma &tail)
{
	ranges_[head.start] = tail.start;
	ranges_[tail.start] = tail.end;
	Call *call = own_call();
	if (!call) {
		(void)not_own("split");
		return;
	}
	wire::MmOp s = op(K::Split, head.id, state_flags(tail));
	s.f[0] = tail.start;
	s.f[1] = tail.id;
	s.f[2] = tail.state_seq;
	call->add_op(s);
}

Result<void> RemoteMm::remove(const mm::Vma &v, bool keep_reserved)
{
	Call *call = own_call();
	if (!call)
		return not_own("remove");
	ranges_.erase(v.start);
	wire::MmOp o = op(keep_reserved ? K::Release : K::Unmap);
	o.f[0] = v.start;
	o.f[1] = v.end;
	call->add_op(o);
	return {};
}

Result<void> RemoteMm::protect(const mm::Vma &v)
{
	Call *call = own_call();
	if (!call)
		return not_own("protect");
	call->add_op(op(K::Protect, v.id, static_cast<uint32_t>(v.prot)));
	return {};
}

Result<bool> RemoteMm::move(const mm::Vma &v, uintptr_t from)
{
	ranges_.erase(from);
	ranges_[v.start] = v.end;
	Call *call = own_call();
	if (!call)
		return err(not_own("move").error());
	wire::MmOp o = op(K::Move, v.id, state_flags(v));
	o.f[0] = v.start;
	o.f[2] = v.state_seq;
	call->add_op(o);
	/* Laid afresh from the templates: page tables start empty. */
	return false;
}

Result<void> RemoteMm::advise(const mm::Vma &, uintptr_t lo, uintptr_t hi, int advice)
{
	Call *call = own_call();
	if (!call)
		return not_own("advise");
	wire::MmOp o = op(K::Advise, 0, static_cast<uint32_t>(advice));
	o.f[0] = lo;
	o.f[1] = hi;
	call->add_op(o);
	return {};
}

Result<std::vector<bool>> RemoteMm::present_pages(uintptr_t start, uintptr_t end)
{
	return mm::present_pages(owner_.host().proc_file("pagemap"), start, end);
}

void RemoteMm::teardown(const mm::Vma &)
{
	/* The process's address space is gone already (exit, exec), or the
	 * record goes with the session. */
}

} /* namespace softvfio::session */
