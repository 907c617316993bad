/* SPDX-License-Identifier: MIT */
/*
 * File: an open file description of an emulated object.
 *
 * Every emulated fd is a real kernel fd (a memfd or an eventfd, the
 * "stand-in"); the File is what that description means to the model. dup()s
 * of the stand-in share one File, as they share one description in the
 * kernel. Mappings hold a reference too (a VMA's vm_file), so a File lives
 * while any fd or mapping refers to it, and its destructor is the kernel's
 * release(): it may close a device or clean up buffers.
 *
 * Rule: never drop what may be the last reference to a File while holding a
 * lock; collect references and let them go after unlocking (as the kernel
 * defers fput).
 */
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "base/memfd.h"

namespace softvfio::mm {
class Mm;
}

namespace softvfio::vfs {

enum class FileKind : uint8_t {
	VfioDevice,
	DmaBuf,
	Container,
	Group,
	Iommufd,
};

std::string_view file_kind_name(FileKind kind);

/* mmap(2) arguments as the caller gave them. */
struct MmapArgs {
	uintptr_t addr;
	uint64_t length;
	int prot;
	int flags;
	uint64_t offset;   /* bytes */
};

class File : public std::enable_shared_from_this<File>
{
public:
	/* access_mode: O_RDONLY, O_WRONLY or O_RDWR */
	File(FileKind kind, int access_mode);
	virtual ~File();
	File(const File &) = delete;
	File &operator=(const File &) = delete;

	FileKind kind() const { return kind_; }
	int access_mode() const { return access_mode_; }
	bool readable() const;
	bool writable() const;

	/* The stand-in's kernel identity, set when the File is installed. */
	const FileIdentity &identity() const { return identity_; }
	void set_identity(const FileIdentity &id) { identity_ = id; }

	/* File operations, in the raw syscall convention (value or -errno).
	 * The defaults are what the kernel answers for a file without that
	 * operation. */
	virtual long ioctl(unsigned int cmd, uintptr_t arg);
	virtual long read(void *buf, size_t count, uint64_t offset);
	virtual long write(const void *buf, size_t count, uint64_t offset);
	virtual long llseek(int64_t offset, int whence);
	/* Returns the mapping's address or -errno. */
	virtual long mmap(mm::Mm &mm, const MmapArgs &args);

	/* What readlink("/proc/<pid>/fd/<n>") shows for it: the node's path,
	 * "anon_inode:[vfio-device]", "/dmabuf:<name>". */
	virtual std::string link_name() const;
	void set_link_name(std::string name) { link_name_ = std::move(name); }

	/* f_pos, shared by every dup of the description. */
	std::atomic<uint64_t> pos{0};

private:
	const FileKind kind_;
	const int access_mode_;
	FileIdentity identity_;
	std::string link_name_;
};

} /* namespace softvfio::vfs */
