/* SPDX-License-Identifier: MIT */
#include "cli/maps_mailbox.h"

#include <atomic>
#include <cerrno>
#include <climits>
#include <dirent.h>
#include <fcntl.h>
#include <linux/futex.h>
#include <sched.h>
#include <optional>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <fmt/format.h>

#include <softvfio/base/unique_fd.h>

#include "shim/mailbox_wire.h"

namespace softvfio::cli {

using shim::MailboxHeader;

namespace {

/* /proc/PID/fd/N of the mailbox, or an errno. */
std::variant<std::string, int> mailbox_path(pid_t pid)
{
	std::string dir = fmt::format("/proc/{}/fd", pid);
	DIR *d = ::opendir(dir.c_str());
	if (!d)
		return errno == ENOENT ? ESRCH : errno;
	std::optional<std::string> found;
	while (dirent *e = ::readdir(d)) {
		char link[128];
		ssize_t n = ::readlinkat(::dirfd(d), e->d_name, link, sizeof(link) - 1);
		if (n > 0 && std::string_view(link, static_cast<size_t>(n)) == shim::kMailboxLink) {
			found = dir + "/" + e->d_name;
			break;
		}
	}
	::closedir(d);
	if (!found)
		return ENOENT;
	return *found;
}

/* The header page of an open mailbox, checked. */
class MappedHeader
{
public:
	explicit MappedHeader(int fd)
	{
		struct stat st;
		if (::fstat(fd, &st) < 0 || static_cast<size_t>(st.st_size) < shim::kMailboxDataOffset)
			return;
		void *p = ::mmap(nullptr, sizeof(MailboxHeader), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
		if (p != MAP_FAILED)
			box_ = static_cast<MailboxHeader *>(p);
	}
	~MappedHeader()
	{
		if (box_)
			::munmap(box_, sizeof(MailboxHeader));
	}
	MappedHeader(const MappedHeader &) = delete;
	MappedHeader &operator=(const MappedHeader &) = delete;

	bool valid() const
	{
		return box_ && std::atomic_ref(box_->magic).load() == shim::kMailboxMagic &&
		       std::atomic_ref(box_->version).load() == shim::kMailboxVersion;
	}
	MailboxHeader *get() const { return box_; }

private:
	MailboxHeader *box_ = nullptr;
};

/* Wait until `served` reaches `ticket`; false at the deadline. */
bool wait_served(MailboxHeader *box, uint32_t ticket, std::chrono::steady_clock::time_point deadline)
{
	std::atomic_ref served(box->served);
	for (;;) {
		uint32_t now = served.load(std::memory_order_acquire);
		if (static_cast<int32_t>(now - ticket) >= 0)
			return true;
		auto left = deadline - std::chrono::steady_clock::now();
		if (left <= std::chrono::steady_clock::duration::zero())
			return false;
		auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(left).count();
		struct timespec ts {static_cast<time_t>(ns / 1000000000), static_cast<long>(ns % 1000000000)};
		/* Shared (not private): the waker is another process. */
		::syscall(SYS_futex, &box->served, FUTEX_WAIT, now, &ts, nullptr, 0);
	}
}

/* The snapshot, read consistently (seqlock), or an errno. A newer request
 * may be answered while we read; then we read again. */
std::variant<std::string, int> read_snapshot(int fd, MailboxHeader *box, std::chrono::steady_clock::time_point deadline)
{
	std::atomic_ref seq(box->seq);
	std::atomic_ref length(box->length);
	for (;;) {
		uint32_t before = seq.load(std::memory_order_acquire);
		if (!(before & 1)) {
			uint64_t n = length.load(std::memory_order_relaxed);
			if (n > (1u << 30))
				return EPROTO;
			std::string text(n, '\0');
			ssize_t got = ::pread(fd, text.data(), n, static_cast<off_t>(shim::kMailboxDataOffset));
			if (got < 0)
				return errno;
			/* The data came by a system call, which the compiler
			 * and the CPU complete before this load. */
			if (seq.load(std::memory_order_seq_cst) == before)
				return static_cast<uint64_t>(got) == n ? std::variant<std::string, int>(text) : EPROTO;
		}
		if (std::chrono::steady_clock::now() >= deadline)
			return ETIMEDOUT;
		::sched_yield();
	}
}

} /* namespace */

bool has_mailbox(pid_t pid) { return std::holds_alternative<std::string>(mailbox_path(pid)); }

std::variant<std::string, int> ask_mailbox(pid_t pid, std::chrono::milliseconds wait)
{
	auto deadline = std::chrono::steady_clock::now() + wait;
	auto path = mailbox_path(pid);
	if (auto *e = std::get_if<int>(&path))
		return *e;
	UniqueFD fd(::open(std::get<std::string>(path).c_str(), O_RDWR | O_CLOEXEC));
	if (!fd)
		return errno;
	MappedHeader box(fd.get());
	if (!box.valid())
		return EPROTO;
	uint32_t ticket = std::atomic_ref(box.get()->request).fetch_add(1) + 1;
	if (!wait_served(box.get(), ticket, deadline))
		return ETIMEDOUT;
	return read_snapshot(fd.get(), box.get(), deadline);
}

} /* namespace softvfio::cli */
