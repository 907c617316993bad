/* SPDX-License-Identifier: MIT */
/*
 * Kernel: DMABUF introspection and in-process importers.
 */
#include <softvfio/kernel.h>

#include "dmabuf/attachment.h"
#include "dmabuf/deferred_release.h"
#include "dmabuf/dma_buf.h"
#include "dmabuf/registry.h"
#include "kernel/kernel_dmabuf.h"
#include "kernel/kernel_impl.h"

namespace softvfio {

void fill_buffer_ids(const void *domain, const std::vector<mm::VmaSnapshot> &vmas, std::vector<MappingInfo> &out)
{
	auto bufs = dmabuf::registry_list(domain);
	for (size_t i = 0; i < vmas.size() && i < out.size(); i++)
		for (const auto &buf : bufs)
			if (static_cast<const vfs::File *>(buf.get()) == vmas[i].file)
				out[i].buffer_id = buf->id();
}

std::vector<BufferInfo> Kernel::buffers()
{
	std::vector<BufferInfo> out;
	/* Our references are dropped at return, with no lock held. */
	auto bufs = dmabuf::registry_list(impl_.get());
	for (const auto &buf : bufs)
		out.push_back(buf->info());
	return out;
}

Result<uint64_t> Kernel::buffer_id(int fd)
{
	auto buf = dmabuf::dma_buf_get(impl_->current().fds, fd);
	if (!buf)
		return err(buf.error());
	return (*buf)->id();
}

Result<std::unique_ptr<Attachment>> Kernel::attach_dma_buf(int fd, Importer &importer)
{
	auto buf = dmabuf::dma_buf_get(impl_->current().fds, fd);
	if (!buf)
		return err(buf.error());
	return dmabuf::attach(*buf, importer);
}

void Kernel::flush_deferred_releases() { dmabuf::flush_deferred_releases(); }

} /* namespace softvfio */
