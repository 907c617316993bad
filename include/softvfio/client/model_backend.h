/* SPDX-License-Identifier: MIT */
/*
 * client::ModelBackend: the in-process model behind the client API, so
 * driver code can be unit-tested without LD_PRELOAD. Device nodes go to
 * softvfio::Kernel's entry points, /sys paths to its sysfs view
 * (Kernel::sysfs_root()), everything else to the real system calls.
 *
 * Library softvfio_client_model (links the model); production code links
 * softvfio_client alone.
 */
#pragma once

#include <memory>

#include <softvfio/client/backend.h>
#include <softvfio/kernel.h>

namespace softvfio::client {

class ModelBackend : public Backend
{
public:
	/* A backend owning a fresh Kernel; add devices with kernel(). */
	static std::shared_ptr<ModelBackend> create(KernelOptions options = {});

	Kernel &kernel() { return kernel_; }

	const char *name() const override { return "model"; }
	long open(const std::string &path, int flags) override;
	long close(int fd) override;
	long dup(int fd) override;
	long ioctl(int fd, unsigned long cmd, uintptr_t arg) override;
	using Backend::ioctl;
	long pread(int fd, void *buf, size_t count, uint64_t offset) override;
	long pwrite(int fd, const void *buf, size_t count, uint64_t offset) override;
	long lseek(int fd, off_t offset, int whence) override;
	long mmap(void *addr, size_t length, int prot, int flags, int fd, uint64_t offset) override;
	long munmap(void *addr, size_t length) override;
	long mremap(void *old_addr, size_t old_length, size_t new_length, int flags, void *new_addr) override;
	Result<std::string> read_text(const std::string &path) override;
	Result<std::string> readlink(const std::string &path) override;
	Result<std::vector<std::string>> list_dir(const std::string &path) override;
	bool exists(const std::string &path) override;

	explicit ModelBackend(KernelOptions options);

private:
	/* A /sys path inside the model's sysfs view; others unchanged. */
	std::string host_path(const std::string &path);

	Kernel kernel_;
};

} /* namespace softvfio::client */
