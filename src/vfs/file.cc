/* SPDX-License-Identifier: MIT */
#include "vfs/file.h"

#include <cerrno>
#include <fcntl.h>

namespace softvfio::vfs {

std::string_view file_kind_name(FileKind kind)
{
	switch (kind) {
	case FileKind::VfioDevice: return "vfio-device";
	case FileKind::DmaBuf: return "dma-buf";
	case FileKind::Container: return "vfio-container";
	case FileKind::Group: return "vfio-group";
	case FileKind::Iommufd: return "iommufd";
	}
	return "unknown";
}

File::File(FileKind kind, int access_mode) : kind_(kind), access_mode_(access_mode & O_ACCMODE) {}

File::~File() = default;

bool File::readable() const { return access_mode_ == O_RDONLY || access_mode_ == O_RDWR; }

bool File::writable() const { return access_mode_ == O_WRONLY || access_mode_ == O_RDWR; }

long File::ioctl(unsigned int, uintptr_t) { return -ENOTTY; }

long File::read(void *, size_t, uint64_t) { return -EINVAL; }

long File::write(const void *, size_t, uint64_t) { return -EINVAL; }

long File::llseek(int64_t, int) { return -ESPIPE; }

long File::mmap(mm::Mm &, const MmapArgs &) { return -ENODEV; }

std::string File::link_name() const { return link_name_; }

} /* namespace softvfio::vfs */
