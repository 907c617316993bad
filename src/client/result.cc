/* SPDX-License-Identifier: MIT */
#include <softvfio/client/result.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace softvfio::client {

namespace {

/* The symbolic name, for logs people grep (strerror is localised). */
const char *errno_name(int code)
{
	switch (code) {
	case EPERM: return "EPERM";
	case ENOENT: return "ENOENT";
	case EIO: return "EIO";
	case EBADF: return "EBADF";
	case ENOMEM: return "ENOMEM";
	case EACCES: return "EACCES";
	case EFAULT: return "EFAULT";
	case EBUSY: return "EBUSY";
	case EEXIST: return "EEXIST";
	case ENODEV: return "ENODEV";
	case ENOTDIR: return "ENOTDIR";
	case EINVAL: return "EINVAL";
	case EMFILE: return "EMFILE";
	case ENOTTY: return "ENOTTY";
	case ENOSPC: return "ENOSPC";
	case EOVERFLOW: return "EOVERFLOW";
	case EBADFD: return "EBADFD";
	case EMSGSIZE: return "EMSGSIZE";
	case EOPNOTSUPP: return "EOPNOTSUPP";
	case kENOTSUPP: return "ENOTSUPP";
	default: return nullptr;
	}
}

} /* namespace */

std::string Error::message() const
{
	std::string out = what.empty() ? std::string("error") : what;
	out += ": ";
	out += code == kENOTSUPP ? "Operation is not supported" : std::strerror(code);
	if (const char *name = errno_name(code)) {
		out += " (";
		out += name;
		out += ")";
	}
	return out;
}

/* Where std::expected would throw, a Result aborts instead (the library
 * throws nothing), saying which failure went unchecked so the crash is
 * worth reading. */
void detail::bad_result_access(const Error &error) noexcept
{
	std::string message = error.message();
	std::fprintf(stderr, "softvfio client: the value of a failed Result was used: %s\n", message.c_str());
	std::abort();
}

} /* namespace softvfio::client */
