/* SPDX-License-Identifier: MIT */
#include "cli/process_session.h"

#include <cerrno>
#include <fstream>

#include <fmt/format.h>

#include "cli/run_env.h"

namespace softvfio::cli {

Result<std::string> session_of(pid_t pid)
{
	errno = 0;
	std::ifstream in(fmt::format("/proc/{}/environ", pid), std::ios::binary);
	if (!in)
		return err(errno ? errno : EACCES);
	const std::string prefix = std::string(kEnvSession) + "=";
	std::string var;
	while (std::getline(in, var, '\0'))
		if (var.rfind(prefix, 0) == 0)
			return var.substr(prefix.size());
	return std::string();
}

} /* namespace softvfio::cli */
