/* SPDX-License-Identifier: MIT */
#include "shim/dir_stream.h"

#include <atomic>
#include <cstddef>
#include <cstring>
#include <mutex>
#include <unordered_set>

#include "shim/real.h"
#include "shim/state.h"

namespace softvfio::shim {

namespace {

struct Stream {
	std::string logical;
	std::vector<DirEntryInfo> entries;
	size_t pos = 0;
	int fd = -1;
	/* What readdir returns points here until the next call. */
	union {
		struct dirent64 entry;
		char room[sizeof(struct dirent64)];
	};
	Stream() : room{} {}
};

std::mutex g_lock;
std::unordered_set<Stream *> *g_streams = new std::unordered_set<Stream *>;
std::atomic<int> g_live{0};

Stream *find(DIR *d) noexcept
{
	if (!g_live.load(std::memory_order_acquire) || !d)
		return nullptr;
	auto *s = reinterpret_cast<Stream *>(d);
	std::lock_guard lock(g_lock);
	return g_streams->count(s) ? s : nullptr;
}

} /* namespace */

DIR *dir_stream_open(std::string logical, std::vector<DirEntryInfo> entries, int fd)
{
	auto *s = new Stream;
	s->logical = std::move(logical);
	s->entries = std::move(entries);
	s->fd = fd;
	fd_cache().set(fd, FdKind::Dir);
	note_set(fd, s->logical);
	{
		std::lock_guard lock(g_lock);
		g_streams->insert(s);
	}
	g_live.fetch_add(1, std::memory_order_release);
	return reinterpret_cast<DIR *>(s);
}

bool dir_stream_is_ours(DIR *d) noexcept { return find(d) != nullptr; }

struct dirent64 *dir_stream_read(DIR *d) noexcept
{
	Stream *s = find(d);
	if (!s || s->pos >= s->entries.size())
		return nullptr;
	const DirEntryInfo &e = s->entries[s->pos++];
	struct dirent64 &out = s->entry;
	size_t n = std::min(e.name.size(), sizeof(out.d_name) - 1);
	std::memcpy(out.d_name, e.name.data(), n);
	out.d_name[n] = '\0';
	out.d_ino = e.ino ? e.ino : s->pos;
	out.d_off = static_cast<off64_t>(s->pos);
	out.d_type = e.type;
	out.d_reclen = static_cast<unsigned short>((offsetof(struct dirent64, d_name) + n + 1 + 7) & ~size_t{7});
	return &out;
}

int dir_stream_close(DIR *d) noexcept
{
	Stream *s = find(d);
	if (!s)
		return -1;
	{
		std::lock_guard lock(g_lock);
		g_streams->erase(s);
	}
	g_live.fetch_sub(1, std::memory_order_release);
	fd_forget(s->fd);
	int r = REAL(close)(s->fd);
	delete s;
	return r;
}

int dir_stream_fd(DIR *d) noexcept
{
	Stream *s = find(d);
	return s ? s->fd : -1;
}

void dir_stream_rewind(DIR *d) noexcept
{
	Stream *s = find(d);
	if (!s)
		return;
	try {
		std::vector<DirEntryInfo> fresh;
		if (served_listing(s->logical, fresh))
			s->entries = std::move(fresh);
	} catch (...) {
	}
	s->pos = 0;
}

long dir_stream_tell(DIR *d) noexcept
{
	Stream *s = find(d);
	return s ? static_cast<long>(s->pos) : -1;
}

void dir_stream_seek(DIR *d, long pos) noexcept
{
	if (Stream *s = find(d))
		s->pos = pos < 0 ? 0 : static_cast<size_t>(pos);
}

void dir_streams_fork_prepare() { g_lock.lock(); }

void dir_streams_fork_release() { g_lock.unlock(); }

} /* namespace softvfio::shim */
