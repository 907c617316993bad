/* SPDX-License-Identifier: MIT */
#include "shim/maps_mailbox.h"

#include <climits>
#include <cstring>
#include <linux/futex.h>
#include <string>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "base/fork_guard.h"
#include "base/reentry.h"
#include "shim/introspect.h"
#include "shim/state.h"

namespace softvfio::shim {

std::atomic<MailboxHeader *> g_mailbox{nullptr};

namespace {

int g_fd = -1;
std::atomic<bool> g_busy{false};   /* one thread answers at a time */

/* A forked child works on its own copy of the model: it answers for that
 * through a mailbox of its own, never through the page it shares with its
 * parent. (Runs in the child of fork, single-threaded.) */
void renew_in_child()
{
	MailboxHeader *box = g_mailbox.exchange(nullptr);
	{
		ModelScope pass;
		if (box)
			::munmap(box, kMailboxDataOffset);
		if (g_fd >= 0)
			::close(g_fd);
		g_fd = -1;
	}
	g_busy.store(false);
	mailbox_open();
}

bool write_all(int fd, const std::string &text)
{
	size_t at = 0;
	while (at < text.size()) {
		ssize_t n = ::pwrite(fd, text.data() + at, text.size() - at,
				     static_cast<off_t>(kMailboxDataOffset + at));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return false;
		at += static_cast<size_t>(n);
	}
	return true;
}

} /* namespace */

void mailbox_open() noexcept
{
	ModelScope pass;
	int fd = ::memfd_create(kMailboxName, MFD_CLOEXEC);
	if (fd < 0)
		return;
	fd = relocate_internal(fd);
	void *page = MAP_FAILED;
	if (::ftruncate(fd, kMailboxDataOffset) == 0)
		page = ::mmap(nullptr, kMailboxDataOffset, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (page == MAP_FAILED) {
		::close(fd);
		return;
	}
	try {
		static ForkChildHook *hook = new ForkChildHook(renew_in_child);
		(void)hook;
	} catch (...) {
		::munmap(page, kMailboxDataOffset);
		::close(fd);
		return;
	}
	auto *box = static_cast<MailboxHeader *>(page);
	box->magic = kMailboxMagic;
	box->version = kMailboxVersion;
	g_fd = fd;
	g_mailbox.store(box, std::memory_order_release);
}

void mailbox_serve() noexcept
{
	if (in_model() || !same_process() || g_busy.exchange(true, std::memory_order_acquire))
		return;
	MailboxHeader *box = g_mailbox.load(std::memory_order_acquire);
	if (!box) {
		g_busy.store(false, std::memory_order_release);
		return;
	}
	std::atomic_ref request(box->request), served(box->served), seq(box->seq);
	std::atomic_ref length(box->length);
	uint32_t ticket = request.load(std::memory_order_acquire);
	std::string text = introspect_snapshot_text();
	{
		ModelScope pass;
		uint32_t s = seq.load(std::memory_order_relaxed) | 1;
		seq.store(s, std::memory_order_release);
		length.store(write_all(g_fd, text) ? text.size() : 0, std::memory_order_relaxed);
		seq.store(s + 1, std::memory_order_release);
		served.store(ticket, std::memory_order_release);
		::syscall(SYS_futex, &box->served, FUTEX_WAKE, INT_MAX, nullptr, nullptr, 0);
	}
	g_busy.store(false, std::memory_order_release);
}

} /* namespace softvfio::shim */
