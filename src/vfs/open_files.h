/* SPDX-License-Identifier: MIT */
/*
 * OpenFiles: which stand-in identity stands for which File, kernel-wide.
 *
 * An fd a process has not used through the model yet (an inherited one, a
 * dup made behind the model's back, one received with SCM_RIGHTS from
 * another process) is recognised by its stand-in's kernel identity
 * (st_dev, st_ino) on first use. The identity belongs to the file, not to
 * a process, so every process's fd table looks it up here.
 */
#pragma once

#include <memory>
#include <shared_mutex>
#include <unordered_map>
#include <vector>

#include "base/memfd.h"

namespace softvfio::vfs {

class File;

class OpenFiles
{
public:
	void add(const FileIdentity &id, const std::shared_ptr<File> &file);
	std::shared_ptr<File> find(const FileIdentity &id);
	/* Every File still alive. */
	std::vector<std::shared_ptr<File>> files();
	/* How many identities are remembered, those of Files already gone
	 * and not yet dropped included: what the table costs (tests). */
	size_t size();
	/* Forget the identities of Files already gone (Kernel::reset_for_reuse():
	 * back to the table a fresh Kernel has). */
	void prune();

private:
	struct IdentityHash {
		size_t operator()(const FileIdentity &id) const { return id.dev * 31 + id.ino; }
	};
	std::shared_mutex lock_;
	std::unordered_map<FileIdentity, std::weak_ptr<File>, IdentityHash> by_identity_;
	size_t live_hint_ = 0;
};

} /* namespace softvfio::vfs */
