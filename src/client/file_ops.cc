/* SPDX-License-Identifier: MIT */
/* Plain file-system reads, for sysfs. */
#include <cerrno>
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <unistd.h>

#include "client/device_handle.h"

namespace softvfio::client::detail {

Result<std::string> read_text_file(const std::string &path)
{
	int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return fail(errno, "open " + path);
	std::string out;
	char buf[4096];
	for (;;) {
		ssize_t n = ::read(fd, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int e = errno;
			::close(fd);
			return fail(e, "read " + path);
		}
		if (n == 0)
			break;
		out.append(buf, static_cast<size_t>(n));
	}
	::close(fd);
	return out;
}

Result<std::string> read_link(const std::string &path)
{
	char buf[PATH_MAX];
	ssize_t n = ::readlink(path.c_str(), buf, sizeof(buf));
	if (n < 0)
		return fail(errno, "readlink " + path);
	return std::string(buf, static_cast<size_t>(n));
}

Result<std::vector<std::string>> list_directory(const std::string &path)
{
	DIR *dir = ::opendir(path.c_str());
	if (!dir)
		return fail(errno, "opendir " + path);
	std::vector<std::string> names;
	while (struct dirent *e = ::readdir(dir)) {
		std::string name = e->d_name;
		if (name != "." && name != "..")
			names.push_back(std::move(name));
	}
	::closedir(dir);
	return names;
}

} /* namespace softvfio::client::detail */
