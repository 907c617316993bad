/* SPDX-License-Identifier: MIT */
/*
 * The in-process backend: the same syscall-shaped calls, answered by
 * softvfio::Kernel's entry points (which pass fds and addresses they do not
 * own through to the real system calls).
 */
#include <softvfio/client/model_backend.h>

#include <cerrno>
#include <unistd.h>

#include "client/device_handle.h"

namespace softvfio::client {

std::shared_ptr<ModelBackend> ModelBackend::create(KernelOptions options)
{
	return std::make_shared<ModelBackend>(std::move(options));
}

ModelBackend::ModelBackend(KernelOptions options) : kernel_(std::move(options)) {}

long ModelBackend::open(const std::string &path, int flags)
{
	long fd = kernel_.open(path.c_str(), flags);
	if (fd != Kernel::kNotOurs)
		return fd;
	std::string host = host_path(path);
	int real = ::open(host.c_str(), flags);
	return real < 0 ? -errno : real;
}

long ModelBackend::close(int fd) { return kernel_.close(fd); }
long ModelBackend::dup(int fd) { return kernel_.fcntl_dupfd(fd, 0, true); }
long ModelBackend::ioctl(int fd, unsigned long cmd, uintptr_t arg) { return kernel_.ioctl(fd, cmd, arg); }

long ModelBackend::pread(int fd, void *buf, size_t count, uint64_t offset)
{
	return kernel_.pread(fd, buf, count, static_cast<off_t>(offset));
}

long ModelBackend::pwrite(int fd, const void *buf, size_t count, uint64_t offset)
{
	return kernel_.pwrite(fd, buf, count, static_cast<off_t>(offset));
}

long ModelBackend::lseek(int fd, off_t offset, int whence) { return kernel_.lseek(fd, offset, whence); }

long ModelBackend::mmap(void *addr, size_t length, int prot, int flags, int fd, uint64_t offset)
{
	return kernel_.mmap(addr, length, prot, flags, fd, static_cast<off_t>(offset));
}

long ModelBackend::munmap(void *addr, size_t length) { return kernel_.munmap(addr, length); }

long ModelBackend::mremap(void *old_addr, size_t old_length, size_t new_length, int flags, void *new_addr)
{
	return kernel_.mremap(old_addr, old_length, new_length, flags, new_addr);
}

Result<std::string> ModelBackend::read_text(const std::string &path)
{
	auto r = detail::read_text_file(host_path(path));
	if (!r)
		return fail(r.code(), "read " + path);
	return r;
}

Result<std::string> ModelBackend::readlink(const std::string &path)
{
	auto r = detail::read_link(host_path(path));
	if (!r)
		return fail(r.code(), "readlink " + path);
	return r;
}

Result<std::vector<std::string>> ModelBackend::list_dir(const std::string &path)
{
	if (auto node = kernel_.node_info(path)) {
		if (!node->exists)
			return fail(ENOENT, "opendir " + path);
		if (!node->directory)
			return fail(ENOTDIR, "opendir " + path);
		return kernel_.list_nodes(path);
	}
	auto r = detail::list_directory(host_path(path));
	if (!r)
		return fail(r.code(), "opendir " + path);
	return r;
}

bool ModelBackend::exists(const std::string &path)
{
	if (auto node = kernel_.node_info(path))
		return node->exists;
	return ::access(host_path(path).c_str(), F_OK) == 0;
}

std::string ModelBackend::host_path(const std::string &path)
{
	if (path == "/sys" || path.rfind("/sys/", 0) == 0)
		return kernel_.sysfs_root() + path.substr(4);
	return path;
}

} /* namespace softvfio::client */
