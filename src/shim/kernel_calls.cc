/* SPDX-License-Identifier: MIT */
#include "shim/kernel_calls.h"

#include <cerrno>
#include <sys/mman.h>

#include "shim/real.h"

namespace softvfio::shim {

namespace {

using session::wire::Op;

int64_t ptr(const void *p) { return static_cast<int64_t>(reinterpret_cast<uintptr_t>(p)); }

} /* namespace */

long KernelCalls::call(Op op, std::initializer_list<int64_t> args, bool mm_held)
{
	return c_.call(op, args, nullptr, mm_held);
}

long KernelCalls::open(const char *path, int flags)
{
	return call(Op::Open, {ptr(path), flags});
}

std::optional<NodeInfo> KernelCalls::node_info(std::string_view path)
{
	std::string p(path);
	session::wire::NodeInfoData d{};
	if (call(Op::NodeInfo, {ptr(p.c_str()), ptr(&d)}) != 1)
		return std::nullopt;
	NodeInfo info;
	info.directory = d.directory;
	info.mode = d.mode;
	info.major = d.major;
	info.minor = d.minor;
	info.exists = d.exists;
	info.uid = d.uid;
	info.gid = d.gid;
	return info;
}

std::vector<std::string> KernelCalls::list_nodes(std::string_view dir)
{
	std::string p(dir);
	std::vector<std::string> out;
	std::string buf(4096, '\0');
	for (;;) {
		long n = call(Op::ListNodes, {ptr(p.c_str()), ptr(buf.data()), static_cast<int64_t>(buf.size())});
		if (n < 0)
			return out;
		if (static_cast<size_t>(n) <= buf.size()) {
			buf.resize(static_cast<size_t>(n));
			break;
		}
		buf.assign(static_cast<size_t>(n), '\0');
	}
	for (size_t at = 0; at < buf.size();) {
		size_t end = buf.find('\0', at);
		if (end == std::string::npos)
			end = buf.size();
		out.emplace_back(buf, at, end - at);
		at = end + 1;
	}
	return out;
}

std::string KernelCalls::sysfs_root()
{
	std::string buf(4096, '\0');
	long n = call(Op::SysfsRoot, {ptr(buf.data()), static_cast<int64_t>(buf.size())});
	if (n <= 0 || static_cast<size_t>(n) > buf.size())
		return {};
	buf.resize(static_cast<size_t>(n));
	return buf;
}

long KernelCalls::sysfs_write(std::string_view path, const void *buf, size_t count)
{
	std::string p(path);
	return call(Op::SysfsWrite, {ptr(p.c_str()), ptr(buf), static_cast<int64_t>(count)});
}

long KernelCalls::ioctl(int fd, uint32_t key, unsigned long cmd, uintptr_t arg)
{
	return c_.ioctl(fd, key, cmd, arg);
}

long KernelCalls::read(int fd, void *buf, size_t count)
{
	return call(Op::Read, {fd, ptr(buf), static_cast<int64_t>(count)});
}

long KernelCalls::write(int fd, const void *buf, size_t count)
{
	return call(Op::Write, {fd, ptr(buf), static_cast<int64_t>(count)});
}

long KernelCalls::pread(int fd, void *buf, size_t count, off_t offset)
{
	return call(Op::Pread, {fd, ptr(buf), static_cast<int64_t>(count), offset});
}

long KernelCalls::pwrite(int fd, const void *buf, size_t count, off_t offset)
{
	return call(Op::Pwrite, {fd, ptr(buf), static_cast<int64_t>(count), offset});
}

long KernelCalls::lseek(int fd, off_t offset, int whence)
{
	return call(Op::Lseek, {fd, offset, whence});
}

long KernelCalls::closed(int fd)
{
	return call(Op::Closed, {fd});
}

long KernelCalls::closed_range(unsigned first, unsigned last)
{
	return call(Op::ClosedRange, {first, last});
}

bool KernelCalls::owns_fd(int fd)
{
	return call(Op::Identify, {fd}) == 1;
}

long KernelCalls::access_mode(int fd)
{
	return call(Op::Fcntl, {fd, F_GETFL});
}

std::optional<std::string> KernelCalls::link_name(int fd)
{
	std::string buf(256, '\0');
	long n = call(Op::LinkName, {fd, ptr(buf.data()), static_cast<int64_t>(buf.size())});
	if (n < 0)
		return std::nullopt;
	if (static_cast<size_t>(n) > buf.size()) {
		buf.assign(static_cast<size_t>(n), '\0');
		n = call(Op::LinkName, {fd, ptr(buf.data()), static_cast<int64_t>(buf.size())});
		if (n < 0 || static_cast<size_t>(n) > buf.size())
			return std::nullopt;
	}
	buf.resize(static_cast<size_t>(n));
	return buf;
}

long KernelCalls::mmap(void *addr, size_t length, int prot, int flags, int fd, off_t offset)
{
	session::MmTable::Guard guard(c_.mm());
	long r = call(Op::Mmap, {ptr(addr), static_cast<int64_t>(length), prot, flags, fd, offset}, true);
	if (r == Kernel::kForeign) {
		/* A real mapping over emulated ones (MAP_FIXED): the kernel took
		 * them away; the mapping itself is the C library's. */
		void *p = REAL(mmap)(addr, length, prot, flags, fd, offset);
		return p == MAP_FAILED ? -errno : reinterpret_cast<long>(p);
	}
	if (r >= 0) {
		/* An address: laid for real, unless the process could not. */
		if (int e = session::last_apply_error()) {
			call(Op::Munmap, {r, static_cast<int64_t>(length)}, true);
			REAL(munmap)(reinterpret_cast<void *>(r), length);
			return e;
		}
	}
	return r;
}

long KernelCalls::munmap(void *addr, size_t length)
{
	session::MmTable::Guard guard(c_.mm());
	long r = call(Op::Munmap, {ptr(addr), static_cast<int64_t>(length)}, true);
	if (r != 0 && r != Kernel::kForeign)
		return r;
	/* The emulated parts are gone; the rest is the C library's. */
	return REAL(munmap)(addr, length) < 0 ? -errno : 0;
}

long KernelCalls::mremap(void *old_addr, size_t old_length, size_t new_length, int flags, void *new_addr)
{
	session::MmTable::Guard guard(c_.mm());
	long r = call(Op::Mremap, {ptr(old_addr), static_cast<int64_t>(old_length), static_cast<int64_t>(new_length),
				   flags, ptr(new_addr)},
		      true);
	if (r != Kernel::kForeign)
		return r;
	void *p = REAL(mremap)(old_addr, old_length, new_length, flags, new_addr);
	return p == MAP_FAILED ? -errno : reinterpret_cast<long>(p);
}

long KernelCalls::mprotect(void *addr, size_t length, int prot)
{
	session::MmTable::Guard guard(c_.mm());
	long r = call(Op::Mprotect, {ptr(addr), static_cast<int64_t>(length), prot}, true);
	if (r != 0 && r != Kernel::kForeign)
		return r;
	return REAL(mprotect)(addr, length, prot) < 0 ? -errno : 0;
}

long KernelCalls::madvise(void *addr, size_t length, int advice)
{
	session::MmTable::Guard guard(c_.mm());
	long r = call(Op::Madvise, {ptr(addr), static_cast<int64_t>(length), advice}, true);
	if (r != Kernel::kForeign)
		return r;
	return REAL(madvise)(addr, length, advice) < 0 ? -errno : 0;
}

bool KernelCalls::owns_address(const void *addr, size_t length)
{
	const auto a = reinterpret_cast<uintptr_t>(addr);
	if (!c_.mm().may_contain(a, length))
		return false;
	session::MmTable::Guard guard(c_.mm());
	return c_.mm().contains(a, length);
}

std::vector<session::wire::MappingData> KernelCalls::mappings()
{
	std::vector<session::wire::MappingData> out(16);
	for (;;) {
		long n = call(Op::Mappings, {ptr(out.data()),
					     static_cast<int64_t>(out.size() * sizeof(session::wire::MappingData))});
		if (n < 0)
			return {};
		if (static_cast<size_t>(n) <= out.size()) {
			out.resize(static_cast<size_t>(n));
			return out;
		}
		out.resize(static_cast<size_t>(n));
	}
}

std::optional<session::wire::BufferData> KernelCalls::buffer_of(int fd)
{
	session::wire::BufferData d{};
	if (call(Op::BufferOf, {fd, ptr(&d)}) != 0)
		return std::nullopt;
	return d;
}

std::vector<std::pair<uintptr_t, uintptr_t>> KernelCalls::hidden_ranges()
{
	std::vector<std::pair<uintptr_t, uintptr_t>> out;
	auto [mb, mb_len] = c_.mailbox_range();
	if (mb)
		out.emplace_back(mb, mb + mb_len);
	session::MmTable::Guard guard(c_.mm());
	const session::MmTable &t = c_.mm();
	if (t.base_empty())
		out.emplace_back(t.base_empty(), t.base_empty() + 4096);
	for (size_t i = 0; i < t.template_count(); i++) {
		const auto &tm = t.template_at(i);
		out.emplace_back(tm.live_base, tm.live_base + tm.extent_length);
		out.emplace_back(tm.revoked_base, tm.revoked_base + tm.extent_length);
	}
	return out;
}

} /* namespace softvfio::shim */
