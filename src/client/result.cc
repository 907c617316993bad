/* SPDX-License-Identifier: MIT */
#include <softvfio/client/result.h>

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
	case 524: return "ENOTSUPP";
	default: return nullptr;
	}
}

} /* namespace */

std::string Error::message() const
{
	std::string out = what.empty() ? std::string("error") : what;
	out += ": ";
	out += code == 524 ? "Operation is not supported" : std::strerror(code);
	if (const char *name = errno_name(code)) {
		out += " (";
		out += name;
		out += ")";
	}
	return out;
}

} /* namespace softvfio::client */
