/* SPDX-License-Identifier: MIT */
#include "base/memfd.h"

#include <cerrno>
#include <cstdio>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/fault_injection.h"

namespace softvfio {

Result<UniqueFD> create_memfd(const char *name, uint64_t size)
{
	if (int e = fault_check(FaultPoint::MemfdCreate))
		return err(e);
	UniqueFD fd(::memfd_create(name, MFD_CLOEXEC));
	if (!fd)
		return err(errno);
	if (size && ::ftruncate(fd.get(), static_cast<off_t>(size)) < 0)
		return err(errno);
	return fd;
}

Result<UniqueFD> reopen_fd(int fd, int flags)
{
	if (int e = fault_check(FaultPoint::FdReopen))
		return err(e);
	char path[64];
	std::snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	UniqueFD reopened(::open(path, flags));
	if (!reopened)
		return err(errno);
	return reopened;
}

Result<FileIdentity> file_identity(int fd)
{
	struct stat st;
	if (::fstat(fd, &st) < 0)
		return err(errno);
	return FileIdentity{static_cast<uint64_t>(st.st_dev), static_cast<uint64_t>(st.st_ino)};
}

} /* namespace softvfio */
