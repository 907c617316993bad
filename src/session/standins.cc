/* SPDX-License-Identifier: MIT */
#include "session/standins.h"

#include <cerrno>
#include <cstring>
#include <poll.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <vector>

#include "session/call.h"
#include "session/remote_process.h"
#include "session/wire/closed_numbers.h"
#include "vfs/file.h"

namespace softvfio::session {

StandinTable::StandinTable(int epoll, std::string session) : epoll_(epoll), session_(std::move(session)) {}

Result<void> StandinTable::name(int peer, bool lazy_release)
{
	uint64_t n;
	{
		std::lock_guard guard(lock_);
		n = next_++;
	}
	struct sockaddr_un addr;
	std::memset(&addr, 0, sizeof(addr));
	addr.sun_family = AF_UNIX;
	int len = std::snprintf(addr.sun_path + 1, sizeof(addr.sun_path) - 1, "softvfio/%s/%llu%s", session_.c_str(),
				static_cast<unsigned long long>(n), lazy_release ? wire::kLazyReleaseMark : "");
	if (len < 0)
		return err(EINVAL);
	socklen_t size = static_cast<socklen_t>(offsetof(struct sockaddr_un, sun_path) + 1 + static_cast<size_t>(len));
	if (::bind(peer, reinterpret_cast<struct sockaddr *>(&addr), size) < 0)
		return err(errno);
	::shutdown(peer, SHUT_WR);
	return {};
}

Result<void> StandinTable::add(UniqueFD peer, std::shared_ptr<vfs::File> file)
{
	struct epoll_event ev;
	std::memset(&ev, 0, sizeof(ev));
	/* One-shot: the event that takes a stand-in out of the set is its
	 * only one (a drain re-arms it), so its end can be closed without a
	 * separate EPOLL_CTL_DEL. Should another copy of the end outlive the
	 * close (a process that kept the pair's other end it offered), the
	 * entry left behind under the old number reports at most once, and
	 * event() finds that number to be another stand-in's or nobody's. */
	ev.events = EPOLLIN | EPOLLONESHOT;
	ev.data.fd = peer.get();
	std::lock_guard guard(lock_);
	if (::epoll_ctl(epoll_, EPOLL_CTL_ADD, peer.get(), &ev) < 0)
		return err(errno);
	const int fd = peer.get();
	by_file_[file.get()] = fd;
	by_peer_[fd] = Entry{std::move(peer), std::move(file)};
	return {};
}

std::shared_ptr<vfs::File> StandinTable::remove_locked(int peer)
{
	auto it = by_peer_.find(peer);
	if (it == by_peer_.end())
		return nullptr;
	/* Closing the end below takes it out of the epoll set (add()). */
	std::shared_ptr<vfs::File> file = std::move(it->second.file);
	by_file_.erase(file.get());
	by_peer_.erase(it);
	return file;
}

namespace {

bool hung_up(int peer)
{
	struct pollfd p{peer, POLLRDHUP, 0};
	return ::poll(&p, 1, 0) == 1 && (p.revents & POLLHUP);
}

} /* namespace */

std::shared_ptr<vfs::File> StandinTable::closed(const vfs::File *file)
{
	for (bool looked = false;; looked = true) {
		std::unique_lock guard(lock_);
		auto it = by_file_.find(file);
		if (it == by_file_.end()) {
			guard.unlock();
			/* The event loop saw the hang-up first and queued the
			 * release: the closer runs it itself rather than wait
			 * for the worker to come to it, or, once the worker
			 * has started it, waits for its end. */
			return take_over_or_wait(file);
		}
		/* The process closed its end before telling us: if it was the
		 * last one, the hang-up is there already, unless a look of ours
		 * at the process's fds held the file at that moment (the
		 * release then came when the look ended): once no look is left
		 * running, ask again. */
		if (hung_up(it->second))
			return remove_locked(it->second);
		if (looked)
			return nullptr;
		guard.unlock();
		RemoteProcess::wait_for_fd_looks();
	}
}

std::shared_ptr<vfs::File> StandinTable::event(int peer, uint32_t events)
{
	std::shared_ptr<vfs::File> file;
	{
		/* Under the lock: a call's closed() may have removed (and closed)
		 * this end since epoll reported it, and its number may be
		 * another file's by now. */
		std::lock_guard guard(lock_);
		if (!by_peer_.count(peer))
			return nullptr;
		if (events & EPOLLIN) {
			char sink[512];
			ssize_t n;
			while ((n = ::recv(peer, sink, sizeof(sink), MSG_DONTWAIT)) > 0) {
			}
			if (!(events & (EPOLLHUP | EPOLLERR))) {
				/* Bytes from a process without the shim, drained; or its
				 * writer shut down (not a close), and from then on only
				 * the hang-up matters. Armed again either way (a
				 * hang-up seen with it is handled below: the end leaves
				 * the set). */
				struct epoll_event ev;
				std::memset(&ev, 0, sizeof(ev));
				ev.events = (n == 0 ? 0u : static_cast<uint32_t>(EPOLLIN)) | EPOLLONESHOT;
				ev.data.fd = peer;
				::epoll_ctl(epoll_, EPOLL_CTL_MOD, peer, &ev);
			}
		}
		if (!(events & (EPOLLHUP | EPOLLERR)))
			return nullptr;
		/* Hung up now, not only when epoll looked (the number may stand
		 * for a newer stand-in by now). */
		struct pollfd p{peer, POLLRDHUP, 0};
		if (::poll(&p, 1, 0) != 1 || !(p.revents & (POLLHUP | POLLERR)))
			return nullptr;
		file = remove_locked(peer);
		if (!file)
			return nullptr;
		/* Under the table's lock, so that closed() finds the file either
		 * here or in the table. */
		std::lock_guard r(releasing_->lock);
		vfs::File *raw = file.get();
		releasing_->files.emplace(raw, std::move(file));
		file = std::shared_ptr<vfs::File>(raw, [releasing = releasing_](vfs::File *f) {
			/* Whoever starts the release first runs it: here the
			 * worker, unless a closer took it over meanwhile. */
			start_release(releasing, f).reset();
		});
	}
	return file;
}

std::shared_ptr<vfs::File> StandinTable::start_release(const std::shared_ptr<Releasing> &r, const vfs::File *file)
{
	std::shared_ptr<vfs::File> ref;
	decltype(r->files)::iterator it;
	{
		std::lock_guard guard(r->lock);
		auto [first, last] = r->files.equal_range(file);
		for (it = first; it != last && !it->second; ++it) {
		}
		if (it == last)
			return nullptr;
		/* The entry stays, null, until the release is done: closers
		 * that come now wait for it. */
		ref = std::move(it->second);
	}
	vfs::File *raw = ref.get();
	return std::shared_ptr<vfs::File>(raw, [keep = std::move(ref), r, it](vfs::File *) mutable {
		keep.reset();
		/* What the release did to other processes' mappings is done
		 * before the closer hears of it. */
		WorkScope::flush_current();
		std::lock_guard guard(r->lock);
		r->files.erase(it);
		r->cv.notify_all();
	});
}

std::shared_ptr<vfs::File> StandinTable::take_over_or_wait(const vfs::File *file)
{
	if (auto ref = start_release(releasing_, file))
		return ref;
	std::unique_lock wait(releasing_->lock);
	releasing_->cv.wait(wait, [&] { return !releasing_->files.count(file); });
	return nullptr;
}

void StandinTable::settle()
{
	std::vector<std::shared_ptr<vfs::File>> hung;
	{
		std::lock_guard guard(lock_);
		std::vector<struct pollfd> ends;
		ends.reserve(by_peer_.size());
		for (const auto &[peer, entry] : by_peer_)
			ends.push_back({peer, POLLRDHUP, 0});
		if (!ends.empty() && ::poll(ends.data(), ends.size(), 0) > 0)
			for (const struct pollfd &p : ends)
				if (p.revents & (POLLHUP | POLLERR))
					hung.push_back(remove_locked(p.fd));
	}
	std::vector<const vfs::File *> queued;
	{
		std::lock_guard guard(releasing_->lock);
		for (const auto &[file, ref] : releasing_->files)
			queued.push_back(file);
	}
	/* The releases, with no lock held. */
	hung.clear();
	for (const vfs::File *file : queued)
		take_over_or_wait(file).reset();
}

void StandinTable::clear()
{
	std::map<int, Entry> all;
	{
		std::lock_guard guard(lock_);
		all.swap(by_peer_);
		by_file_.clear();
	}
}

size_t StandinTable::size()
{
	std::lock_guard guard(lock_);
	return by_peer_.size();
}

} /* namespace softvfio::session */
