/* SPDX-License-Identifier: MIT */
/*
 * StandinTable: the kernel's ends of the session's stand-ins, and the
 * reference each holds on its file.
 *
 * Every emulated fd of a process of the session is one end of a unix
 * socket pair whose other end the kernel keeps here. The real kernel counts
 * every copy of the process's end, in every process, kept across exec or
 * in flight in an SCM_RIGHTS message; when the last one is closed, the
 * kernel's end hangs up. That is the file's last close anywhere, and the
 * moment its release runs (unless a mapping still holds it), exactly as on
 * Linux, whoever closed it and however.
 *
 * The kernel's end is named (an abstract address, "\0softvfio/<session>/
 * <n>"), so a process can tell a stand-in (getpeername on its end) and
 * which session it belongs to; it is shut down for writing, so the
 * process's end always polls readable (at end of file) and writable, as an
 * fd whose file has no poll operation does.
 */
#pragma once

#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>

#include <softvfio/base/result.h>
#include <softvfio/base/unique_fd.h>

namespace softvfio::vfs {
class File;
}

namespace softvfio::session {

class StandinTable
{
public:
	/* `epoll`: where hang-ups are watched (the session's event loop). */
	StandinTable(int epoll, std::string session);

	/* `peer`, named, stands for `file` from now on (its first install). */
	Result<void> add(UniqueFD peer, std::shared_ptr<vfs::File> file);
	/* Name and shut down the kernel's end of a new stand-in, before it
	 * is installed (EINVAL: it was named already, so not a new pair's). A
	 * readiness stand-in's end the model keeps itself (a sync file) is
	 * only named: no file reference here. `lazy_release`: the name ends
	 * in wire::kLazyReleaseMark, which tells the process that a close
	 * need not wait for the kernel (wire/closed_numbers.h). */
	Result<void> name(int peer, bool lazy_release = false);

	/* A process closed a stand-in of `file`, or replaced it: if that was
	 * the last copy anywhere, the file's reference here is dropped (to
	 * the caller, who lets it go with no lock held). If the event loop saw
	 * the hang-up first, the caller takes over the release it queued, or,
	 * once that has started, waits until it is done: close(2) of the last
	 * copy returns after the file's release, as on Linux (the caller must
	 * then hold no lock either). */
	std::shared_ptr<vfs::File> closed(const vfs::File *file);
	/* The event loop saw `peer` hang up, or receive bytes (a process
	 * without the shim wrote to its stand-in: drained). On a hang-up the
	 * file's release is queued: letting go of the pointer returned runs
	 * it, with no lock held, unless a closed() took it over first (the
	 * closer then does not wait for the event loop's worker). */
	std::shared_ptr<vfs::File> event(int peer, uint32_t events);

	/* Every stand-in hung up by now is released when this returns: those
	 * the event loop has not come to yet here, those it queued taken
	 * over or waited for. The caller holds no lock (as for closed()). */
	void settle();

	/* Every reference, at the session's end. */
	void clear();
	size_t size();

private:
	struct Entry {
		UniqueFD peer;
		std::shared_ptr<vfs::File> file;
	};
	std::shared_ptr<vfs::File> remove_locked(int peer);

	/* Files whose hang-up the event loop took, until their release is
	 * done: the reference while nobody has started the release yet, null
	 * once somebody has. Shared with the pointers event() hands out,
	 * which may outlive the table (the session's worker drains its queue
	 * last). */
	struct Releasing {
		std::mutex lock;
		std::condition_variable cv;
		std::multimap<const vfs::File *, std::shared_ptr<vfs::File>> files;
	};
	/* Start the release of `file` queued in `r`, if nobody has: the
	 * reference, which erases the entry and wakes the waiters once let
	 * go of; null if there is none to start. */
	static std::shared_ptr<vfs::File> start_release(const std::shared_ptr<Releasing> &r, const vfs::File *file);
	/* A release of `file` the event loop queued: the reference if nobody
	 * has started it (let go of with no lock held, it runs the release),
	 * else null once whoever started it is done. */
	std::shared_ptr<vfs::File> take_over_or_wait(const vfs::File *file);
	const std::shared_ptr<Releasing> releasing_ = std::make_shared<Releasing>();

	const int epoll_;
	const std::string session_;
	std::mutex lock_;
	uint64_t next_ = 1;
	std::map<int, Entry> by_peer_;
	std::map<const vfs::File *, int> by_file_;
};

} /* namespace softvfio::session */
