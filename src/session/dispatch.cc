/* SPDX-License-Identifier: MIT */
#include "session/dispatch.h"

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstring>
#include <fcntl.h>
#include <string>

#include <softvfio/kernel.h>
#include <softvfio/uapi/vfio.h>

#include "base/host_process.h"
#include "base/user_copy.h"
#include "dmabuf/dma_buf.h"
#include "dmabuf/sync_file.h"
#include "kernel/kernel_impl.h"
#include "kernel/process.h"
#include "session/call.h"
#include "session/client_process.h"
#include "session/read_ahead_host.h"
#include "session/remote_fds.h"
#include "session/remote_process.h"
#include "session/session_kernel.h"

namespace softvfio::session {

namespace {

void *ptr(int64_t v) { return reinterpret_cast<void *>(static_cast<uintptr_t>(v)); }

/* A path argument, as getname() takes it: EFAULT, ENAMETOOLONG. */
Result<std::string> path_arg(int64_t p)
{
	if (!p)
		return err(EFAULT);
	auto s = copy_string_from_user(static_cast<const char *>(ptr(p)), PATH_MAX);
	if (!s)
		return err(s.error() == EINVAL ? ENAMETOOLONG : s.error());
	return s;
}

/* Copy `text` (or as much as fits) to the caller's buffer; the full
 * length either way, as readlink-style calls let the caller retry. */
long copy_out(const std::string &text, int64_t buf, int64_t size)
{
	if (size < 0)
		return -EINVAL;
	size_t n = std::min(text.size(), static_cast<size_t>(size));
	if (n && !copy_to_user(ptr(buf), text.data(), n))
		return -EFAULT;
	return static_cast<long>(text.size());
}

/* The file behind one of the caller's fds: EBADF, or EINVAL when it is
 * not one of the session's. */
Result<std::shared_ptr<vfs::File>> emulated(Process &p, int fd)
{
	auto file = p.fds.get(fd);
	if (!file)
		return err(file.error());
	if (!*file)
		return err(EINVAL);
	return *file;
}

/* Bring every emulated mapping of the caller up to date. */
void resync(ClientProcess &cp, Call &call)
{
	for (const auto &s : cp.process().mm.states()) {
		wire::MmOp op{};
		op.kind = static_cast<uint32_t>(wire::MmOpKind::State);
		op.vma = s.id;
		op.flags = s.live ? wire::kLive : 0;
		op.f[0] = s.state_seq;
		call.add_op(op);
	}
}

long mappings(ClientProcess &cp, Kernel &k, int64_t buf, int64_t size)
{
	auto all = k.mappings(false);
	std::vector<wire::MappingData> out;
	for (const MappingInfo &m : all) {
		wire::MappingData d{};
		d.start = m.start;
		d.end = m.end;
		d.offset = m.offset;
		d.buffer_id = m.buffer_id.value_or(0);
		d.prot = static_cast<uint32_t>(m.prot);
		d.live = m.accessible;
		std::snprintf(d.path, sizeof(d.path), "%s", m.path.c_str());
		out.push_back(d);
	}
	(void)cp;
	if (size < 0)
		return -EINVAL;
	size_t fit = std::min(out.size(), static_cast<size_t>(size) / sizeof(wire::MappingData));
	if (fit && !copy_to_user(ptr(buf), out.data(), fit * sizeof(wire::MappingData)))
		return -EFAULT;
	return static_cast<long>(out.size());
}

std::shared_ptr<vfs::File> p_file(ClientProcess &cp, int fd)
{
	auto file = cp.process().fds.get(fd);
	return file ? *file : nullptr;
}

long buffer_of(ClientProcess &cp, Kernel &k, int fd, int64_t out)
{
	auto id = k.buffer_id(fd);
	if (!id)
		return -id.error();
	for (const BufferInfo &b : k.buffers()) {
		if (b.id != *id)
			continue;
		wire::BufferData d{};
		d.id = b.id;
		d.size = b.size;
		/* The file's references as fdinfo counts them: every fd of the
		 * session's processes the kernel knows of, every mapping. */
		uint64_t refs = b.mappings;
		auto file = p_file(cp, fd);
		for (auto &other : cp.session().processes())
			refs += other->process().fds.references(file.get());
		d.references = refs;
		std::snprintf(d.name, sizeof(d.name), "%s", b.name.c_str());
		if (!copy_to_user(ptr(out), &d, sizeof(d)))
			return -EFAULT;
		return 0;
	}
	return -EINVAL;
}

/* The device's constant queries: the answer depends only on the device
 * file and on what the caller passes, so the process may keep it (a memo,
 * wire/protocol.h) and answer the same question itself next time. */
bool constant_query(unsigned long cmd)
{
	return cmd == VFIO_DEVICE_GET_INFO || cmd == VFIO_DEVICE_GET_REGION_INFO || cmd == VFIO_DEVICE_GET_IRQ_INFO;
}

/* The caller's memory as a constant query reaches it, recorded: what it
 * read (the question) and what it wrote (the answer), relative to the
 * argument. Anything outside a page after it, or too much, and there is
 * no memo. */
class RecordingHost final : public HostProcessView
{
public:
	RecordingHost(HostProcess &inner, uintptr_t base) : HostProcessView(inner), base_(base) {}

	/* Every copy comes here to be recorded: the user copies' fast path
	 * skips a host that is this process. */
	bool is_self() const override { return false; }
	Result<void> read_memory(void *dst, uintptr_t src, size_t n) override
	{
		auto r = inner_.read_memory(dst, src, n);
		if (r)
			record(src, dst, n, false);
		return r;
	}
	Result<void> write_memory(uintptr_t dst, const void *src, size_t n) override
	{
		auto r = inner_.write_memory(dst, src, n);
		if (r)
			record(dst, src, n, true);
		return r;
	}

	/* The memo, or nothing if the call cannot be replayed. */
	std::vector<unsigned char> memo() const
	{
		if (!ok_ || blob_.empty())
			return {};
		wire::MemoHeader h{nrec_, 0};
		std::vector<unsigned char> out(sizeof(h));
		std::memcpy(out.data(), &h, sizeof(h));
		out.insert(out.end(), blob_.begin(), blob_.end());
		return out;
	}

private:
	void record(uintptr_t at, const void *bytes, size_t n, bool written)
	{
		if (!ok_ || at < base_ || at - base_ + n > 4096 ||
		    blob_.size() + sizeof(wire::MemoRecord) + n + 8 > wire::kMemoMax - sizeof(wire::MemoHeader)) {
			ok_ = false;
			return;
		}
		wire::MemoRecord rec{static_cast<uint16_t>(at - base_), static_cast<uint16_t>(n),
				     static_cast<uint8_t>(written), {}};
		const auto *p = reinterpret_cast<const unsigned char *>(&rec);
		blob_.insert(blob_.end(), p, p + sizeof(rec));
		const auto *b = static_cast<const unsigned char *>(bytes);
		blob_.insert(blob_.end(), b, b + n);
		blob_.resize((blob_.size() + 7) & ~size_t{7});
		nrec_++;
	}

	const uintptr_t base_;
	bool ok_ = true;
	uint32_t nrec_ = 0;
	std::vector<unsigned char> blob_;
};

/* An argument (or a buffer it points to) in one of the caller's register
 * mappings is copied through the registers, as Linux's copy_from_user and
 * copy_to_user fault through vfio's handler; a copy a handler makes under
 * a lock a register access takes stays EFAULT (RegisterCopyHost). */
long ioctl(ClientProcess &cp, Call &call, Kernel &k, int fd, unsigned long cmd, uintptr_t arg)
{
	auto file = cp.process().fds.get(fd);
	if (!constant_query(cmd) || !file || !*file || (*file)->kind() != vfs::FileKind::VfioDevice) {
		/* An ioctl reads its argument in pieces (argsz, then the rest):
		 * one system call for them all. */
		ReadAheadHost window(cp.host());
		RegisterCopyHost copies(window, cp.host(), cp.process().mm);
		HostScope scope(copies);
		return k.ioctl(fd, cmd, arg);
	}
	RegisterCopyHost copies(cp.host(), cp.process().mm);
	auto recorder = std::make_shared<RecordingHost>(copies, arg);
	long r;
	{
		HostScope scope(*recorder);
		r = k.ioctl(fd, cmd, arg);
	}
	/* No memo of an answer that went through registers: the process
	 * would replay it by comparing and writing those bytes as memory. */
	if (r >= 0 && !copies.met_registers())
		call.set_data(recorder->memo());
	return r;
}

/* A call that copies user memory (a read or write of a file, a path, an
 * answer): a buffer in one of the caller's register mappings is copied
 * through the registers, as Linux's copies fault through vfio's handler
 * (RegisterCopyHost). */
template<typename Body>
auto with_register_copies(ClientProcess &cp, Body &&body)
{
	RegisterCopyHost copies(cp.host(), cp.process().mm);
	HostScope scope(copies);
	return body();
}

long fork_prepare(ClientProcess &cp, Call &call)
{
	auto child = cp.session().prepare_fork(cp);
	if (!child)
		return -child.error();
	call.set_extra(0, (*child)->mailbox_fd());
	return static_cast<long>((*child)->id());
}

long dispatch_op(ClientProcess &cp, Call &call, const wire::Request &req)
{
	using wire::Op;
	Kernel &k = cp.session().kernel();
	const int64_t *a = req.a;
	Process &p = cp.process();
	const int fd = static_cast<int>(a[0]);

	switch (static_cast<Op>(req.h.op)) {
	case Op::Open: {
		auto path = with_register_copies(cp, [&]() -> Result<std::string> { return path_arg(a[0]); });
		if (!path)
			return -path.error();
		return k.open(path->c_str(), static_cast<int>(a[1]));
	}
	case Op::NodeInfo: {
		auto path = path_arg(a[0]);
		if (!path)
			return -path.error();
		auto info = k.node_info(*path);
		if (!info)
			return 0;
		wire::NodeInfoData d{info->directory, static_cast<uint32_t>(info->mode), info->major, info->minor,
				     info->exists, info->uid, info->gid, 0};
		if (!copy_to_user(ptr(a[1]), &d, sizeof(d)))
			return -EFAULT;
		return 1;
	}
	case Op::ListNodes: {
		auto path = path_arg(a[0]);
		if (!path)
			return -path.error();
		std::string names;
		for (const std::string &n : k.list_nodes(*path)) {
			names += n;
			names += '\0';
		}
		return copy_out(names, a[1], a[2]);
	}
	case Op::SysfsRoot:
		return copy_out(k.sysfs_root(), a[0], a[1]);
	case Op::SysfsWrite: {
		auto path = path_arg(a[0]);
		if (!path)
			return -path.error();
		return k.sysfs_write(*path, ptr(a[1]), static_cast<size_t>(a[2]));
	}
	case Op::Ioctl:
		return ioctl(cp, call, k, fd, static_cast<unsigned long>(a[1]), static_cast<uintptr_t>(a[2]));
	case Op::Read:
		return with_register_copies(cp, [&] { return k.read(fd, ptr(a[1]), static_cast<size_t>(a[2])); });
	case Op::Write:
		return with_register_copies(cp, [&] { return k.write(fd, ptr(a[1]), static_cast<size_t>(a[2])); });
	case Op::Pread:
		return with_register_copies(cp, [&] {
			return k.pread(fd, ptr(a[1]), static_cast<size_t>(a[2]), static_cast<off_t>(a[3]));
		});
	case Op::Pwrite:
		return with_register_copies(cp, [&] {
			return k.pwrite(fd, ptr(a[1]), static_cast<size_t>(a[2]), static_cast<off_t>(a[3]));
		});
	case Op::Lseek:
		return k.lseek(fd, static_cast<off_t>(a[1]), static_cast<int>(a[2]));
	case Op::Mmap:
		return k.mmap(ptr(a[0]), static_cast<size_t>(a[1]), static_cast<int>(a[2]), static_cast<int>(a[3]),
			      static_cast<int>(a[4]), static_cast<off_t>(a[5]));
	case Op::Munmap:
		return k.munmap(ptr(a[0]), static_cast<size_t>(a[1]));
	case Op::Mremap:
		return k.mremap(ptr(a[0]), static_cast<size_t>(a[1]), static_cast<size_t>(a[2]), static_cast<int>(a[3]),
				ptr(a[4]));
	case Op::Mprotect:
		return k.mprotect(ptr(a[0]), static_cast<size_t>(a[1]), static_cast<int>(a[2]));
	case Op::Madvise:
		return k.madvise(ptr(a[0]), static_cast<size_t>(a[1]), static_cast<int>(a[2]));
	case Op::Closed:
		release_closed(cp, p.fds.forget_closed(fd));
		return 0;
	case Op::ClosedRange: {
		if (a[0] < 0 || a[1] < a[0])
			return -EINVAL;
		auto files = p.fds.forget_closed_range(static_cast<unsigned>(a[0]),
						       static_cast<unsigned>(std::min<int64_t>(a[1], INT_MAX)));
		for (auto &f : files)
			release_closed(cp, std::move(f));
		return 0;
	}
	case Op::Identify: {
		auto file = p.fds.get(fd);
		if (!file)
			return -file.error();
		return *file ? 1 : 0;
	}
	case Op::Fcntl: {
		auto file = emulated(p, fd);
		if (!file)
			return -file.error();
		return a[1] == F_GETFL ? (*file)->access_mode() : 0;
	}
	case Op::LinkName: {
		auto file = emulated(p, fd);
		if (!file)
			return -file.error();
		return with_register_copies(cp, [&] { return copy_out((*file)->link_name(), a[1], a[2]); });
	}
	case Op::ForkPrepare: {
		long id = fork_prepare(cp, call);
		return id;
	}
	case Op::ForkDone:
		if (a[1] < 0)
			cp.session().fork_failed(cp, static_cast<uint64_t>(a[0]));
		return 0;
	case Op::ExecPrepare:
		cp.set_state(ClientProcess::State::Execing);
		return 0;
	case Op::ExecFailed:
		cp.set_state(ClientProcess::State::Live);
		resync(cp, call);
		return 0;
	case Op::Resync:
		resync(cp, call);
		return 0;
	case Op::Mappings:
		return with_register_copies(cp, [&] { return mappings(cp, k, a[0], a[1]); });
	case Op::BufferOf:
		return with_register_copies(cp, [&] { return buffer_of(cp, k, fd, a[1]); });
	case Op::RegisterAccess: {
		uint64_t value = static_cast<uint64_t>(a[3]);
		long r = k.register_access(ptr(a[0]), static_cast<unsigned>(a[1]), a[2] != 0, &value);
		if (r == 0)
			call.set_extra(0, static_cast<int64_t>(value));
		return r;
	}
	case Op::kCount:
		break;
	}
	return -ENOSYS;
}

} /* namespace */

long dispatch(ClientProcess &cp, Call &call, const wire::Request &req)
{
	CurrentProcess current(cp.process());
	long r = dispatch_op(cp, call, req);
	/* Numbers the call found reused before the process told of their
	 * close: those closes are dealt with now, no lock held. */
	for (auto &f : call.take_closed())
		release_closed(cp, std::move(f));
	return r;
}

} /* namespace softvfio::session */
