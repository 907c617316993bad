/* SPDX-License-Identifier: MIT */
/*
 * AttachmentImpl: an importer's dma_buf_attachment to a vfio-pci DMABUF,
 * and dma_buf_dynamic_attach() with vfio's attach op (§4.10).
 */
#pragma once

#include <memory>

#include <softvfio/importer.h>

namespace softvfio::dmabuf {

class DmaBuf;

class AttachmentImpl final : public Attachment
{
public:
	AttachmentImpl(std::shared_ptr<DmaBuf> buf, Importer &importer);
	~AttachmentImpl() override;

	Result<std::vector<DmaSegment>> map() override;
	Result<void> unmap() override;
	Result<void> pin() override;
	void unpin() override {}
	void add_fence(std::shared_ptr<Fence> fence, FenceUsage usage) override;
	unsigned mapped() const override;
	uint64_t buffer_id() const override;

	/* move_notify, with the buffer's resv held. */
	void notify() { importer_.invalidate(*this); }

private:
	std::shared_ptr<DmaBuf> buf_;
	Importer &importer_;
	unsigned maps_ = 0;   /* under resv */
};

/* dma_buf_dynamic_attach + vfio_pci_dma_buf_attach: no peer2peer →
 * EOPNOTSUPP; revoked → ENODEV; not revocable → EOPNOTSUPP. */
Result<std::unique_ptr<Attachment>> attach(const std::shared_ptr<DmaBuf> &buf, Importer &importer);

} /* namespace softvfio::dmabuf */
