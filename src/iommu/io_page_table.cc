/* SPDX-License-Identifier: MIT */
#include "iommu/io_page_table.h"

#include <algorithm>
#include <cerrno>
#include <mutex>
#include <unistd.h>

#include "base/host_process.h"
#include "base/user_copy.h"

namespace softvfio::vfio {

namespace {

struct Piece {
	IoBacking backing;
	size_t offset;   /* into the caller's buffer */
	size_t len;
};

/* pread/pwrite the whole piece: memfd I/O is not interrupted, but loop
 * anyway so a short transfer is never mistaken for success. */
Result<void> file_io(int fd, uint8_t *buf, size_t len, uint64_t offset, bool write)
{
	while (len) {
		ssize_t n = write ? ::pwrite(fd, buf, len, static_cast<off_t>(offset))
				  : ::pread(fd, buf, len, static_cast<off_t>(offset));
		if (n <= 0)
			return err(EFAULT);
		buf += n;
		len -= static_cast<size_t>(n);
		offset += static_cast<uint64_t>(n);
	}
	return {};
}

/* Process memory is touched through the fault-safe copies, so a buffer
 * the program unmapped (or a revoked BAR mapping) fails the DMA instead of
 * crashing the model. */
Result<void> copy_piece(const Piece &p, uint8_t *buf, bool write)
{
	uint8_t *mine = buf + p.offset;
	if (p.backing.kind == IoBacking::Kind::File)
		return file_io(p.backing.fd->get(), mine, p.len, p.backing.file_offset, write);
	if (HostProcess *owner = p.backing.owner.get())
		return write ? owner->write_memory(p.backing.vaddr, mine, p.len)
			     : owner->read_memory(mine, p.backing.vaddr, p.len);
	void *user = reinterpret_cast<void *>(p.backing.vaddr);
	return write ? copy_to_user(user, mine, p.len) : copy_from_user(mine, user, p.len);
}

} /* namespace */

IoBacking IoBacking::advanced(uint64_t offset) const
{
	IoBacking b = *this;
	if (kind == Kind::UserVa)
		b.vaddr += offset;
	else
		b.file_offset += offset;
	return b;
}

std::map<uint64_t, IoMapping>::const_iterator IoPageTable::holding(uint64_t iova) const
{
	auto it = map_.upper_bound(iova);
	if (it == map_.begin())
		return map_.end();
	--it;
	return iova <= it->second.last() ? it : map_.end();
}

Result<void> IoPageTable::dma(uint64_t iova, void *buf, size_t len, bool write) const
{
	if (!len)
		return {};
	if (iova + (len - 1) < iova)
		return err(EFAULT);
	const unsigned need = write ? kIoWrite : kIoRead;
	std::shared_lock guard(lock_);
	std::vector<Piece> pieces;
	size_t done = 0;
	while (done < len) {
		uint64_t at = iova + done;
		auto it = holding(at);
		if (it == map_.end())
			return err(EFAULT);
		const IoMapping &m = it->second;
		if (m.revoked || !(m.prot & need))
			return err(EFAULT);
		uint64_t off = at - m.iova;
		size_t n = static_cast<size_t>(std::min<uint64_t>(len - done, m.length - off));
		pieces.push_back(Piece{m.backing.advanced(off), done, n});
		done += n;
	}
	for (const Piece &p : pieces)
		SVFIO_TRY(copy_piece(p, static_cast<uint8_t *>(buf), write));
	return {};
}

void IoPageTable::insert(IoMapping mapping)
{
	std::unique_lock guard(lock_);
	uint64_t key = mapping.iova;
	map_[key] = std::move(mapping);
}

std::vector<IoMapping> IoPageTable::overlapping(uint64_t first, uint64_t last) const
{
	std::shared_lock guard(lock_);
	std::vector<IoMapping> out;
	auto it = holding(first);
	if (it == map_.end())
		it = map_.lower_bound(first);
	for (; it != map_.end() && it->second.iova <= last; ++it)
		out.push_back(it->second);
	return out;
}

std::optional<IoMapping> IoPageTable::find(uint64_t iova) const
{
	std::shared_lock guard(lock_);
	auto it = holding(iova);
	if (it == map_.end())
		return std::nullopt;
	return it->second;
}

void IoPageTable::erase(const std::vector<uint64_t> &iovas)
{
	std::unique_lock guard(lock_);
	for (uint64_t iova : iovas)
		map_.erase(iova);
}

std::vector<IoMapping> IoPageTable::clear()
{
	std::unique_lock guard(lock_);
	std::vector<IoMapping> out;
	for (auto &[iova, m] : map_)
		out.push_back(std::move(m));
	map_.clear();
	return out;
}

std::vector<IoMapping> IoPageTable::all() const
{
	std::shared_lock guard(lock_);
	std::vector<IoMapping> out;
	for (auto &[iova, m] : map_)
		out.push_back(m);
	return out;
}

size_t IoPageTable::size() const
{
	std::shared_lock guard(lock_);
	return map_.size();
}

void IoPageTable::revoke_owner(const void *owner)
{
	std::unique_lock guard(lock_);
	for (auto &[iova, m] : map_)
		if (m.owner == owner)
			m.revoked = true;
}

void IoPageTable::update(const IoMapping &mapping)
{
	std::unique_lock guard(lock_);
	auto it = map_.find(mapping.iova);
	if (it != map_.end())
		it->second = mapping;
}

} /* namespace softvfio::vfio */
