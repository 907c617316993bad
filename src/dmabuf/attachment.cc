/* SPDX-License-Identifier: MIT */
#include "dmabuf/attachment.h"

#include <cerrno>

#include "base/fault_injection.h"
#include "dmabuf/dma_buf.h"

namespace softvfio::dmabuf {

AttachmentImpl::AttachmentImpl(std::shared_ptr<DmaBuf> buf, Importer &importer)
	: buf_(std::move(buf)), importer_(importer)
{
	ResvGuard guard(buf_->resv());
	buf_->add_attachment_locked(this);
}

/* dma_buf_detach. A mapping left behind would block every later revoke
 * forever, so it is unmapped first (the kernel would WARN). */
AttachmentImpl::~AttachmentImpl()
{
	{
		ResvGuard guard(buf_->resv());
		for (; maps_; maps_--)
			buf_->mapping_put_locked();
		buf_->remove_attachment_locked(this);
	}
	/* buf_ goes last, with no lock held: it may be the last reference. */
}

Result<std::vector<DmaSegment>> AttachmentImpl::map()
{
	ResvGuard guard(buf_->resv());
	if (buf_->status() != Status::Ok)
		return err(ENODEV);
	if (int e = fault_check(FaultPoint::MapAlloc))
		return err(e);
	buf_->mapping_get_locked();
	maps_++;
	return buf_->segments();
}

Result<void> AttachmentImpl::unmap()
{
	ResvGuard guard(buf_->resv());
	if (!maps_)
		return err(EINVAL);
	maps_--;
	buf_->mapping_put_locked();
	return {};
}

Result<void> AttachmentImpl::pin()
{
	if (buf_->pin_refused())
		return err(EOPNOTSUPP);
	return {};
}

void AttachmentImpl::add_fence(std::shared_ptr<Fence> fence, FenceUsage usage)
{
	ResvGuard guard(buf_->resv());
	buf_->resv().add_fence_locked(std::move(fence), usage);
}

unsigned AttachmentImpl::mapped() const
{
	ResvGuard guard(buf_->resv());
	return maps_;
}

uint64_t AttachmentImpl::buffer_id() const { return buf_->id(); }

Result<std::unique_ptr<Attachment>> attach(const std::shared_ptr<DmaBuf> &buf, Importer &importer)
{
	if (buf->has_attach_op()) {
		if (!importer.peer2peer())
			return err(EOPNOTSUPP);
		if (buf->status() != Status::Ok)
			return err(ENODEV);
		if (!importer.revocable())
			return err(EOPNOTSUPP);
	}
	if (int e = fault_check(FaultPoint::AttachAlloc))
		return err(e);
	return std::unique_ptr<Attachment>(std::make_unique<AttachmentImpl>(buf, importer));
}

} /* namespace softvfio::dmabuf */
