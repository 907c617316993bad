/* SPDX-License-Identifier: MIT */
/*
 * client::Backend: the only way the client library reaches VFIO.
 *
 * Every call is syscall-shaped and answers like the kernel: a value >= 0,
 * or -errno. Two implementations exist and are chosen when a Device is
 * opened:
 *
 *  - kernel_backend(): plain system calls. This is what runs in production,
 *    and also under `softvfio run`, where the LD_PRELOAD shim answers.
 *    It is in the softvfio_client library, which links no model code.
 *  - client::ModelBackend (<softvfio/client/model_backend.h>, library
 *    softvfio_client_model): the in-process model, for unit tests of
 *    driver code without LD_PRELOAD.
 *
 * Paths are the ones a program uses on a real system: /dev/vfio/...,
 * /dev/iommu, /sys/bus/pci/devices/<bdf>/...
 */
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <sys/types.h>
#include <vector>

#include <softvfio/client/result.h>

namespace softvfio::client {

class Backend
{
public:
	virtual ~Backend() = default;

	/* "kernel" or "model". */
	virtual const char *name() const = 0;

	/* --- file descriptors: a value >= 0, or -errno --- */
	virtual long open(const std::string &path, int flags) = 0;
	virtual long close(int fd) = 0;
	/* A close-on-exec duplicate (fcntl F_DUPFD_CLOEXEC). */
	virtual long dup(int fd) = 0;
	virtual long ioctl(int fd, unsigned long cmd, uintptr_t arg) = 0;
	long ioctl(int fd, unsigned long cmd, void *arg) { return ioctl(fd, cmd, reinterpret_cast<uintptr_t>(arg)); }
	virtual long pread(int fd, void *buf, size_t count, uint64_t offset) = 0;
	virtual long pwrite(int fd, const void *buf, size_t count, uint64_t offset) = 0;
	virtual long lseek(int fd, off_t offset, int whence) = 0;

	/* --- memory: mmap returns the address as a long, or -errno --- */
	virtual long mmap(void *addr, size_t length, int prot, int flags, int fd, uint64_t offset) = 0;
	virtual long munmap(void *addr, size_t length) = 0;
	virtual long mremap(void *old_addr, size_t old_length, size_t new_length, int flags,
			    void *new_addr = nullptr) = 0;

	/* --- sysfs and device nodes --- */
	/* The contents of a (small, text) file: ENOENT, EACCES, ... */
	virtual Result<std::string> read_text(const std::string &path) = 0;
	/* A symlink's target: ENOENT, EINVAL (not a link). */
	virtual Result<std::string> readlink(const std::string &path) = 0;
	/* A directory's entries without "." and "..", in no particular order:
	 * ENOENT, ENOTDIR. */
	virtual Result<std::vector<std::string>> list_dir(const std::string &path) = 0;
	virtual bool exists(const std::string &path) = 0;
};

/* The real kernel (or the LD_PRELOAD shim): plain system calls. Shared;
 * never fails. */
std::shared_ptr<Backend> kernel_backend();

} /* namespace softvfio::client */
