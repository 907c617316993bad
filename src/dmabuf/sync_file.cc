/* SPDX-License-Identifier: MIT */
#include "dmabuf/sync_file.h"

#include <atomic>
#include <cerrno>
#include <map>
#include <mutex>
#include <poll.h>
#include <sys/socket.h>

#include <softvfio/base/unique_fd.h>

#include "base/fault_injection.h"
#include "base/memfd.h"
#include "vfs/fd_table.h"

namespace softvfio::dmabuf {

namespace {

struct SyncFile {
	std::shared_ptr<Fence> fence;
	std::shared_ptr<UniqueFD> signaller;   /* the model's end */
};

struct IdentityLess {
	bool operator()(const FileIdentity &a, const FileIdentity &b) const
	{
		return a.dev != b.dev ? a.dev < b.dev : a.ino < b.ino;
	}
};

struct Table {
	std::mutex lock;
	std::map<FileIdentity, SyncFile, IdentityLess> files;
};

Table &table()
{
	static Table instance;
	return instance;
}

/* Forget sync files whose user end is closed. */
void prune_locked(Table &t)
{
	for (auto it = t.files.begin(); it != t.files.end();) {
		pollfd p{it->second.signaller->get(), 0, 0};
		if (::poll(&p, 1, 0) == 1 && (p.revents & (POLLHUP | POLLERR)))
			it = t.files.erase(it);
		else
			++it;
	}
}

/* The calling process's fds (vfs/fd_table.h). */
vfs::FdSpace &caller_space()
{
	vfs::FdTable *fds = vfs::current_fd_table();
	return fds ? fds->space() : *vfs::local_fd_space();
}

/* One fence standing for all of `fences` (dma_fence_unwrap merging). */
std::shared_ptr<Fence> merge(const std::vector<std::shared_ptr<Fence>> &fences)
{
	auto merged = std::make_shared<Fence>();
	if (fences.empty()) {
		merged->signal();   /* dma_fence_get_stub() */
		return merged;
	}
	auto left = std::make_shared<std::atomic<size_t>>(fences.size());
	for (const auto &f : fences)
		f->on_signaled([merged, left] {
			if (left->fetch_sub(1) == 1)
				merged->signal();
		});
	return merged;
}

} /* namespace */

Result<int> sync_file_create(const std::vector<std::shared_ptr<Fence>> &fences)
{
	if (int e = fault_check(FaultPoint::SyncFileCreate))
		return err(e);
	vfs::FdSpace &space = caller_space();
	vfs::StandinSpec spec;
	spec.name = "sync_file";
	spec.readiness = true;
	auto standin = space.reserve(spec);
	if (!standin)
		return err(standin.error());
	auto signaller = std::make_shared<UniqueFD>((*standin)->take_peer());
	const int fd = (*standin)->number();
	auto id = space.commit(**standin, nullptr);
	if (!id)
		return err(id.error());
	auto fence = merge(fences);
	{
		Table &t = table();
		std::lock_guard guard(t.lock);
		prune_locked(t);
		t.files[*id] = SyncFile{fence, signaller};
	}
	fence->on_signaled([signaller] {
		const char byte = 1;
		(void)::send(signaller->get(), &byte, 1, MSG_NOSIGNAL | MSG_DONTWAIT);
	});
	return fd;
}

void sync_file_prune()
{
	Table &t = table();
	std::lock_guard guard(t.lock);
	prune_locked(t);
}

std::shared_ptr<Fence> sync_file_get_fence(int fd)
{
	auto id = caller_space().identity(fd);
	if (!id)
		return nullptr;
	Table &t = table();
	std::lock_guard guard(t.lock);
	auto it = t.files.find(*id);
	return it == t.files.end() ? nullptr : it->second.fence;
}

} /* namespace softvfio::dmabuf */
