/* SPDX-License-Identifier: MIT */
#include "vfs/open_files.h"

#include <mutex>

namespace softvfio::vfs {

void OpenFiles::add(const FileIdentity &id, const std::shared_ptr<File> &file)
{
	std::unique_lock guard(lock_);
	/* Drop entries whose File is gone, so the map does not grow with
	 * every file ever opened (an identity is reused once its stand-in
	 * is closed). Amortised: only when the map doubled. */
	if (by_identity_.size() >= 64 && by_identity_.size() >= 2 * live_hint_) {
		std::erase_if(by_identity_, [](const auto &kv) { return kv.second.expired(); });
		live_hint_ = by_identity_.size();
	}
	by_identity_[id] = file;
}

std::shared_ptr<File> OpenFiles::find(const FileIdentity &id)
{
	std::shared_lock guard(lock_);
	auto it = by_identity_.find(id);
	return it == by_identity_.end() ? nullptr : it->second.lock();
}

std::vector<std::shared_ptr<File>> OpenFiles::files()
{
	std::vector<std::shared_ptr<File>> out;
	std::shared_lock guard(lock_);
	for (auto &[id, weak] : by_identity_)
		if (auto file = weak.lock())
			out.push_back(std::move(file));
	return out;
}

void OpenFiles::prune()
{
	std::unique_lock guard(lock_);
	std::erase_if(by_identity_, [](const auto &kv) { return kv.second.expired(); });
	live_hint_ = by_identity_.size();
}

size_t OpenFiles::size()
{
	std::shared_lock guard(lock_);
	return by_identity_.size();
}

} /* namespace softvfio::vfs */
