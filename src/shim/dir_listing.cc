/* SPDX-License-Identifier: MIT */
#include "shim/dir_listing.h"

#include <dirent.h>

#include "shim/paths.h"
#include "shim/real.h"
#include "shim/resolve.h"
#include "shim/state.h"

namespace softvfio::shim {

std::vector<DirEntryInfo> list_real_dir(const std::string &path)
{
	std::vector<DirEntryInfo> out;
	DIR *d = REAL(opendir)(path.c_str());
	if (!d)
		return out;
	while (struct dirent64 *e = REAL(readdir64)(d))
		out.push_back({e->d_name, e->d_type, e->d_ino});
	REAL(closedir)(d);
	return out;
}

bool served_listing(const std::string &logical, std::vector<DirEntryInfo> &out)
{
	PathClass c = classify_path(logical.c_str(), [] { return ::getpid(); });
	if (c.kind == PathKind::DevNode) {
		KernelCalls *k = kernel();
		if (!k)
			return false;
		auto info = model_call([&] { return k->node_info(c.norm); }, std::optional<NodeInfo>());
		if (!info || !info->exists || !info->directory)
			return false;
		auto names = model_call([&] { return k->list_nodes(c.norm); }, std::vector<std::string>());
		out.clear();
		out.push_back({".", DT_DIR, 0});
		out.push_back({"..", DT_DIR, 0});
		for (auto &name : names) {
			auto node = model_call([&] { return k->node_info(join_path(c.norm, name)); },
					       std::optional<NodeInfo>());
			if (node && !node->exists)
				continue;
			out.push_back({name, static_cast<unsigned char>(node && node->directory ? DT_DIR : DT_CHR), 0});
		}
		return true;
	}
	if (c.kind == PathKind::Sys) {
		Resolved r = resolve_path(AT_FDCWD, logical.c_str(), true);
		if (r.route != Route::SysMerged)
			return false;
		SysfsRoot root = sysfs_root();
		out = merge_listings(list_real_dir(r.logical), list_real_dir(root.path + r.logical.substr(4)));
		return true;
	}
	return false;
}

} /* namespace softvfio::shim */
