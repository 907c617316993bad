/* SPDX-License-Identifier: MIT */
#include "vfio/pci/event_watcher.h"

#include <cerrno>
#include <fcntl.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/uio.h>
#include <unistd.h>

namespace softvfio::vfio {

EventWatcher::~EventWatcher()
{
	if (!thread_.running())
		return;
	stop_ = true;
	uint64_t one = 1;
	ssize_t r = ::write(wakeup_.get(), &one, sizeof(one));
	(void)r;
	thread_.join();
}

Result<void> EventWatcher::start_locked()
{
	if (thread_.running())
		return {};
	epoll_.reset(::epoll_create1(EPOLL_CLOEXEC));
	wakeup_.reset(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
	if (!epoll_ || !wakeup_)
		return err(errno);
	epoll_event ev{};
	ev.events = EPOLLIN;
	ev.data.u64 = 0;
	if (::epoll_ctl(epoll_.get(), EPOLL_CTL_ADD, wakeup_.get(), &ev) < 0)
		return err(errno);
	/* Watches made before a fork live on in the child: watch them again
	 * on the child's own epoll instance. */
	for (auto &[id, watch] : watches_) {
		epoll_event w{};
		w.events = EPOLLIN;
		w.data.u64 = id;
		if (::epoll_ctl(epoll_.get(), EPOLL_CTL_ADD, watch.fd.get(), &w) < 0)
			return err(errno);
	}
	thread_.start([this] { run(); });
	return {};
}

Result<uint64_t> EventWatcher::add(int eventfd, std::function<void()> callback)
{
	UniqueFD fd(::fcntl(eventfd, F_DUPFD_CLOEXEC, 0));
	if (!fd)
		return err(errno);
	std::lock_guard guard(lock_);
	SVFIO_TRY(start_locked());
	uint64_t id = next_id_++;
	epoll_event ev{};
	ev.events = EPOLLIN;
	ev.data.u64 = id;
	if (::epoll_ctl(epoll_.get(), EPOLL_CTL_ADD, fd.get(), &ev) < 0)
		return err(errno);
	watches_[id] = Watch{std::move(fd), std::move(callback)};
	return id;
}

void EventWatcher::remove(uint64_t id)
{
	std::lock_guard guard(lock_);
	auto it = watches_.find(id);
	if (it == watches_.end())
		return;
	::epoll_ctl(epoll_.get(), EPOLL_CTL_DEL, it->second.fd.get(), nullptr);
	watches_.erase(it);
}

void EventWatcher::run()
{
	epoll_event events[16];
	while (!stop_) {
		int n = ::epoll_wait(epoll_.get(), events, 16, -1);
		for (int i = 0; i < n; i++) {
			uint64_t id = events[i].data.u64;
			if (id == 0)
				continue;
			ForkGateShared gate;
			std::lock_guard guard(lock_);
			auto it = watches_.find(id);
			if (it == watches_.end())
				continue;
			uint64_t count;
			iovec iov{&count, sizeof(count)};
			/* The dup shares the caller's description, which may be
			 * blocking; never block here, whoever else reads it. */
			if (::preadv2(it->second.fd.get(), &iov, 1, -1, RWF_NOWAIT) == sizeof(count))
				it->second.callback();
		}
	}
}

} /* namespace softvfio::vfio */
