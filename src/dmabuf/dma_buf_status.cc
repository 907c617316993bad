/* SPDX-License-Identifier: MIT */
/*
 * The per-buffer state machine (docs/semantics.md §4.6) and the importer
 * drain it runs on revocation (§6 item 6).
 */
#include "dmabuf/attachment.h"
#include "dmabuf/dma_buf.h"

namespace softvfio::dmabuf {

/* Caller holds memory_lock for writing. PERM is absorbing; TEMP → PERM
 * does not drain again; OK → revoked notifies, waits for fences and for
 * every importer mapping, then zaps every VMA of the buffer (§7 item 1:
 * all of them, whatever their vm_pgoff). */
void DmaBuf::set_status_locked(Status next)
{
	const Status cur = status_.load();
	if (cur == Status::PermRevoked || cur == next)
		return;
	resv_.lock();
	if (next != Status::Ok) {
		status_.store(next);
		if (cur == Status::TempRevoked) {
			resv_.unlock();
			return;
		}
		notify_importers_locked();
		resv_.wait_locked(FenceUsage::Bookkeep);
		resv_.unlock();
		drain_importer_mappings();
		as_.zap();
		return;
	}
	/* TEMP → OK. Up to series v3 (and in 6.19) importers hear of it too,
	 * while the buffer still reads as revoked. */
	if (profile_->importer_notify == ImporterNotify::RevokeAndUnrevoke) {
		notify_importers_locked();
		resv_.wait_locked(FenceUsage::Bookkeep);
		resv_.unlock();
		resv_.lock();
	}
	status_.store(Status::Ok);
	resv_.unlock();
	as_.restore();
}

/* restore() re-checks accessible(), so it is also right when the status
 * was already OK but the device only now became accessible (runtime PM
 * exit after memory was re-enabled while low-power). */
void DmaBuf::unrevoke_locked()
{
	const Status before = status_.load();
	set_status_locked(Status::Ok);
	if (before == Status::Ok)
		as_.restore();
}

void DmaBuf::notify_importers_locked()
{
	/* A copy: an importer may map or unmap from its callback. */
	std::vector<AttachmentImpl *> attachments = attachments_;
	for (AttachmentImpl *a : attachments)
		a->notify();
}

/* kref_put of the base reference, wait_for_completion, re-arm. */
void DmaBuf::drain_importer_mappings()
{
	std::unique_lock guard(kref_lock_);
	kref_--;
	kref_cv_.wait(guard, [this] { return kref_ == 0; });
	kref_ = 1;
}

void DmaBuf::mapping_get_locked()
{
	std::lock_guard guard(kref_lock_);
	kref_++;
	mapping_count_++;
}

void DmaBuf::mapping_put_locked()
{
	std::lock_guard guard(kref_lock_);
	mapping_count_--;
	if (--kref_ == 0)
		kref_cv_.notify_all();
}

void DmaBuf::add_attachment_locked(AttachmentImpl *a)
{
	attachments_.push_back(a);
	attachment_count_++;
}

void DmaBuf::remove_attachment_locked(AttachmentImpl *a)
{
	std::erase(attachments_, a);
	attachment_count_--;
}

} /* namespace softvfio::dmabuf */
