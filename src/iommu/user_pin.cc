/* SPDX-License-Identifier: MIT */
#include "iommu/user_pin.h"

#include <cerrno>
#include <cinttypes>
#include <cstdio>
#include <fcntl.h>
#include <string>
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

/* Every page of the range is mapped with the right permission. */
bool covered(const std::vector<Area> &areas, uint64_t addr, uint64_t end, bool write)
{
	uint64_t at = addr;
	for (const Area &a : areas) {
		if (a.end <= at || a.start > at)
			continue;
		if (write ? !a.write : !a.read)
			return false;
		at = a.end;
		if (at >= end)
			return true;
	}
	return at >= end;
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
	if (!covered(parse_maps(read_maps()), addr, end, write))
		return err(EFAULT);
	if (!mm.contains(addr, len))
		return {};
	if (mode == PinMode::PagesOnly)
		return err(EFAULT);
	return emulated_accessible(mm, addr, end) ? Result<void>{} : err(EFAULT);
}

} /* namespace softvfio::vfio */
