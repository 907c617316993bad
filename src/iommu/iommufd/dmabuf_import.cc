/* SPDX-License-Identifier: MIT */
#include "iommu/iommufd/dmabuf_import.h"

#include <cerrno>
#include <unistd.h>

#include "dmabuf/attachment.h"
#include "dmabuf/dma_buf.h"
#include "dmabuf/resv.h"

namespace softvfio::vfio {

DmabufImport::DmabufImport() = default;

/* The attachment refers to this importer: it goes first. */
DmabufImport::~DmabufImport()
{
	attachment_.reset();
}

/* vfio_pci_dma_buf_iommufd_map(): under the reservation, a revoked buffer
 * is ENODEV and one of several ranges EOPNOTSUPP; the range's bytes are in
 * the exporting BAR's memfd. */
Result<void> DmabufImport::take_range(dmabuf::DmaBuf &buf, uint64_t start)
{
	dmabuf::ResvGuard guard(buf.resv());
	if (buf.status() != dmabuf::Status::Ok)
		return err(ENODEV);
	auto segments = buf.segments();
	if (segments.size() != 1)
		return err(EOPNOTSUPP);
	dmabuf::Exporter *owner = buf.owner();
	if (!owner)
		return err(ENODEV);
	auto host = owner->host_location(segments[0].address, segments[0].length);
	if (!host)
		return err(host.error());
	int fd = ::dup(host->fd);
	if (fd < 0)
		return err(errno);
	backing_.kind = IoBacking::Kind::File;
	backing_.fd = std::make_shared<const UniqueFD>(fd);
	backing_.file_offset = host->file_offset + start;
	return {};
}

Result<std::shared_ptr<DmabufImport>> DmabufImport::create(const std::shared_ptr<dmabuf::DmaBuf> &buf, uint64_t start,
							   uint64_t length)
{
	if (buf->size() <= start + length - 1)
		return err(EINVAL);
	auto import = std::make_shared<DmabufImport>();
	auto attachment = dmabuf::attach(buf, *import);
	if (!attachment)
		return err(attachment.error());
	import->attachment_ = std::move(*attachment);
	SVFIO_TRY(import->take_range(*buf, start));
	return import;
}

void DmabufImport::track(const std::shared_ptr<IoPageTable> &table)
{
	std::lock_guard guard(lock_);
	tables_.push_back(table);
	if (revoked_)
		table->revoke_owner(this);
}

bool DmabufImport::revoked() const
{
	std::lock_guard guard(lock_);
	return revoked_;
}

void DmabufImport::invalidate(Attachment &)
{
	std::lock_guard guard(lock_);
	revoked_ = true;
	for (auto &weak : tables_)
		if (auto table = weak.lock())
			table->revoke_owner(this);
}

} /* namespace softvfio::vfio */
