/* SPDX-License-Identifier: MIT */
#include "cli/docgen/completion.h"

namespace softvfio::cli::docgen {

std::string space_joined(const std::vector<std::string> &words)
{
	std::string out;
	for (const auto &w : words)
		out += (out.empty() ? "" : " ") + w;
	return out;
}

std::string kind_name(ValueKind kind)
{
	switch (kind) {
	case ValueKind::Device: return "device";
	case ValueKind::PresetOrFile: return "preset";
	case ValueKind::Profile: return "profile";
	case ValueKind::Access: return "access";
	case ValueKind::File: return "file";
	case ValueKind::Dir: return "dir";
	case ValueKind::Pid: return "pid";
	case ValueKind::Other:
	case ValueKind::None: break;
	}
	return "";
}

} /* namespace softvfio::cli::docgen */
