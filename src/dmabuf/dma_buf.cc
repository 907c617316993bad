/* SPDX-License-Identifier: MIT */
/* DmaBuf: creation, release, fds and introspection. */
#include "dmabuf/dma_buf.h"

#include <cerrno>
#include <fcntl.h>
#include <shared_mutex>

#include "base/memfd.h"
#include "dmabuf/buffer_list.h"
#include "dmabuf/deferred_release.h"
#include "dmabuf/registry.h"

namespace softvfio::dmabuf {

namespace {

std::vector<mm::PhysRange> phys_of(const std::vector<Range> &ranges)
{
	std::vector<mm::PhysRange> out;
	for (const Range &r : ranges)
		out.push_back({r.paddr, r.len});
	return out;
}

uint64_t total_size(const std::vector<Range> &ranges)
{
	uint64_t size = 0;
	for (const Range &r : ranges)
		size += r.len;
	return size;
}

BufferStatus to_public(Status s)
{
	switch (s) {
	case Status::Ok: return BufferStatus::Ok;
	case Status::TempRevoked: return BufferStatus::TempRevoked;
	case Status::PermRevoked: return BufferStatus::PermRevoked;
	}
	return BufferStatus::PermRevoked;
}

} /* namespace */

DmaBuf::DmaBuf(BufferSpec spec)
	: File(vfs::FileKind::DmaBuf, spec.access_mode), id_(next_buffer_id()), kind_(spec.kind),
	  profile_(&spec.exporter->profile()), device_(std::move(spec.device)), bar_(spec.bar),
	  ranges_(std::move(spec.ranges)), phys_(phys_of(ranges_)), size_(total_size(ranges_)),
	  vma_pgoff_adjust_(spec.vma_pgoff_adjust), mmap_op_(spec.mmap_op), attach_op_(spec.attach_op),
	  map_and_fault_on_temp_(spec.map_and_fault_on_temp), domain_(spec.domain), owner_(spec.exporter),
	  name_(std::move(spec.name)), vfile_(std::move(spec.vfile))
{
}

std::shared_ptr<DmaBuf> DmaBuf::create(BufferSpec spec)
{
	std::shared_ptr<DmaBuf> buf(new DmaBuf(std::move(spec)), BufferDeleter{});
	registry_add(buf);
	return buf;
}

/* vfio_pci_dma_buf_release(): leave the device unless cleanup already
 * took the buffer off it, then put the device file (BAR-mmap buffers),
 * which may close the device: no lock may be held by then. */
DmaBuf::~DmaBuf()
{
	registry_remove(id_);
	if (Exporter *dev = owner_.load()) {
		{
			std::unique_lock guard(dev->memory_lock());
			if (list_)
				list_->remove_locked(this);
		}
		dev->put_registration();
	}
	vfile_.reset();
}

std::string DmaBuf::name() const
{
	std::lock_guard guard(name_lock_);
	return name_;
}

void DmaBuf::link_locked(BufferList &list, bool memory_enabled)
{
	{
		std::lock_guard guard(resv_);
		status_.store(memory_enabled ? Status::Ok : Status::TempRevoked);
		list_ = &list;
		list.add_locked(std::static_pointer_cast<DmaBuf>(shared_from_this()));
	}
	/* A VMA cannot exist yet, so there is nothing to restore. */
}

void DmaBuf::detach_locked()
{
	owner_.store(nullptr);
}

std::vector<DmaSegment> DmaBuf::segments() const
{
	std::vector<DmaSegment> out;
	for (const Range &r : ranges_)
		out.push_back({r.paddr, r.len});
	return out;
}

BufferInfo DmaBuf::info()
{
	BufferInfo i;
	i.id = id_;
	i.device = device_;
	i.hidden = kind_ == Kind::BarMmap;
	i.bar = bar_;
	for (const Range &r : ranges_)
		i.ranges.push_back({r.bar_offset, r.len, r.paddr});
	i.size = size_;
	i.status = to_public(status_.load());
	i.memattr = memattr_.load() == mm::MemAttr::WriteCombine ? MemoryAttribute::WriteCombine
								   : MemoryAttribute::Uncached;
	i.name = name();
	i.mappings = as_.vma_count();
	i.attachments = attachment_count_.load();
	i.importer_mappings = mapping_count_.load();
	i.attached = owner_.load() != nullptr;
	return i;
}

Result<std::shared_ptr<DmaBuf>> dma_buf_get(vfs::FdTable &fds, int fd)
{
	auto file = fds.get(fd);
	if (!file)
		return err(EBADF);
	if (!*file || (*file)->kind() != vfs::FileKind::DmaBuf)
		return err(EINVAL);
	auto buf = std::dynamic_pointer_cast<DmaBuf>(*file);
	if (!buf)
		return err(EINVAL);
	return buf;
}

/* The stand-in: in process a memfd as big as the buffer (fstat, lseek
 * behave), in the buffer's access mode so a writable shared mmap of a
 * read-only buffer fails natively; O_NONBLOCK is kept as dma_buf_getfile
 * keeps it. */
Result<int> dma_buf_fd(vfs::FdTable &fds, const std::shared_ptr<DmaBuf> &buf, uint32_t open_flags)
{
	vfs::StandinSpec spec;
	spec.name = "dmabuf";
	spec.lazy_release = true;
	spec.size = buf->size();
	const int mode = static_cast<int>(open_flags) & O_ACCMODE;
	spec.access_mode = mode == O_RDWR ? O_RDWR : mode == O_WRONLY ? O_WRONLY : O_RDONLY;
	spec.flags = static_cast<int>(open_flags) & (O_CLOEXEC | O_NONBLOCK);
	auto standin = fds.reserve(spec);
	if (!standin)
		return err(standin.error());
	return fds.install(buf, std::move(*standin));
}

} /* namespace softvfio::dmabuf */
