/* SPDX-License-Identifier: MIT */
/*
 * DmabufImport: iommufd as the importer of a vfio DMABUF
 * (IOMMU_IOAS_MAP_FILE with a dma-buf fd; docs/semantics.md §4.10).
 *
 * It attaches to the buffer like any importer (peer-to-peer, revocable),
 * takes the buffer's single physical range through vfio's private
 * interconnect and maps the bytes behind it (the exporting BAR's memfd)
 * into IOASes. When the exporter revokes the buffer, every area made from
 * the import stops translating at once, and stays dead: iommufd drops a
 * revoked DMABUF's pages for good and does not map them again when the
 * buffer comes back.
 */
#pragma once

#include <memory>
#include <mutex>
#include <vector>

#include <softvfio/importer.h>

#include "iommu/io_page_table.h"

namespace softvfio::dmabuf {
class DmaBuf;
}

namespace softvfio::vfio {

class DmabufImport final : public Importer
{
public:
	/* The buffer's bytes [start, start + length): EINVAL past its end;
	 * ENODEV when revoked; EOPNOTSUPP unless it has exactly one range.
	 * Call with no lock held (it may detach, which may release). */
	static Result<std::shared_ptr<DmabufImport>> create(const std::shared_ptr<dmabuf::DmaBuf> &buf, uint64_t start,
							    uint64_t length);
	DmabufImport();
	~DmabufImport() override;

	/* Where byte `start` lives. */
	const IoBacking &backing() const { return backing_; }
	/* An area of this import now lives in `table`. */
	void track(const std::shared_ptr<IoPageTable> &table);
	bool revoked() const;

	/* Importer: called with the buffer's reservation held. */
	void invalidate(Attachment &attachment) override;

private:
	Result<void> take_range(dmabuf::DmaBuf &buf, uint64_t start);

	mutable std::mutex lock_;
	bool revoked_ = false;
	std::vector<std::weak_ptr<IoPageTable>> tables_;
	std::unique_ptr<Attachment> attachment_;
	IoBacking backing_;
};

} /* namespace softvfio::vfio */
