/* SPDX-License-Identifier: MIT */
#include "iommu/user_pin.h"

#include <cerrno>
#include <cinttypes>
#include <cstdio>
#include <fcntl.h>
#include <string>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <vector>

#include "base/host_process.h"
#include "mm/mm.h"

namespace softvfio::vfio {

namespace {

struct Area {
	uint64_t start;
	uint64_t end;
	bool read;
	bool write;
};

/* The calling process's maps file, through raw system calls: an LD_PRELOAD
 * layer above the model rewrites what programs read from that file, and
 * must not see (or recurse into) the model's own look. */
std::string read_maps()
{
	std::string text;
	const std::string path = current_host().proc_file("maps");
	int fd = static_cast<int>(::syscall(SYS_openat, AT_FDCWD, path.c_str(), O_RDONLY | O_CLOEXEC));
	if (fd < 0)
		return text;
	char buf[8192];
	for (;;) {
		long n = ::syscall(SYS_read, fd, buf, sizeof(buf));
		if (n <= 0)
			break;
		text.append(buf, static_cast<size_t>(n));
	}
	::syscall(SYS_close, fd);
	return text;
}

std::vector<Area> parse_maps(const std::string &text)
{
	std::vector<Area> out;
	size_t pos = 0;
	while (pos < text.size()) {
		size_t eol = text.find('\n', pos);
		std::string line = text.substr(pos, eol == std::string::npos ? std::string::npos : eol - pos);
		pos = eol == std::string::npos ? text.size() : eol + 1;
		uint64_t lo, hi;
		char perms[5] = {};
		if (std::sscanf(line.c_str(), "%" SCNx64 "-%" SCNx64 " %4s", &lo, &hi, perms) == 3)
			out.push_back(Area{lo, hi, perms[0] == 'r', perms[1] == 'w'});
	}
	return out;
}

/* Every page of the range is mapped with the right permission. An emulated
 * VMA's permission is the program's, which the Mm keeps: the real mapping
 * behind it may say less (a register BAR's is PROT_NONE while it is live,
 * so that its accesses trap), and the kernel looks at the VMA. */
bool covered(mm::Mm &mm, const std::vector<Area> &areas, uint64_t addr, uint64_t end, bool write)
{
	uint64_t at = addr;
	while (at < end) {
		if (auto vma = mm.find(at)) {
			if (!(vma->prot & PROT_READ) || (write && !(vma->prot & PROT_WRITE)))
				return false;
			at = vma->end;
			continue;
		}
		const Area *in = nullptr;
		for (const Area &a : areas)
			if (a.start <= at && at < a.end)
				in = &a;
		if (!in || (write ? !in->write : !in->read))
			return false;
		at = in->end;
	}
	return true;
}

/* type1 follows a PFNMAP range by faulting it in: a revoked BAR mapping
 * answers SIGBUS, which the pin turns into EFAULT. */
bool emulated_accessible(mm::Mm &mm, uint64_t addr, uint64_t end)
{
	constexpr uint64_t kPage = 4096;
	for (uint64_t at = addr & ~(kPage - 1); at < end;) {
		if (!mm.contains(at)) {
			at += kPage;
			continue;
		}
		mm::FaultOutcome f = mm.touch(at);
		if (f.result == mm::FaultResult::SigBus)
			return false;
		uint64_t block = kPage << f.order;
		at = (at & ~(block - 1)) + block;
	}
	return true;
}

} /* namespace */

Result<void> pin_user_range(mm::Mm &mm, uint64_t addr, uint64_t len, bool write, PinMode mode)
{
	if (!len)
		return {};
	uint64_t end = addr + len;
	if (end < addr)
		return err(EFAULT);
	if (!covered(mm, parse_maps(read_maps()), addr, end, write))
		return err(EFAULT);
	if (!mm.contains(addr, len))
		return {};
	if (mode == PinMode::PagesOnly)
		return err(EFAULT);
	return emulated_accessible(mm, addr, end) ? Result<void>{} : err(EFAULT);
}

} /* namespace softvfio::vfio */
