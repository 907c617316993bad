/* SPDX-License-Identifier: MIT */
/*
 * In-process DMABUF importers: what a kernel driver importing a vfio-pci
 * DMABUF does (dma_buf_dynamic_attach, map/unmap, move_notify, fences),
 * for tests and software peers (docs/semantics.md §4.10, §5.8).
 *
 * An importer attaches to a dma-buf fd with Kernel::attach_dma_buf(). The
 * attachment maps the buffer (its physical ranges, as an sg list would give
 * them) and must unmap when told to: every revocation of the buffer calls
 * Importer::invalidate() with the buffer's reservation held, waits for the
 * fences on the buffer, and then blocks until every mapping of every
 * attachment is unmapped. That wait has no timeout, as in the kernel.
 *
 * Rules, as the dma-buf locking convention gives them:
 *  - invalidate() may call map()/unmap()/add_fence() on attachments of the
 *    same buffer (the reservation is already held by the calling thread);
 *    it must not destroy an Attachment;
 *  - an Attachment must not be destroyed while the caller holds any lock
 *    the model may take (destroying it may release the buffer);
 *  - a Fence is signalled by whoever owns the work it stands for.
 */
#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <vector>

#include <softvfio/base/result.h>

namespace softvfio {

/* dma_resv usage classes, in the kernel's order: waiting for one class
 * waits for it and every class before it. */
enum class FenceUsage { Kernel, Write, Read, Bookkeep };

/* A dma_fence: signalled once, never unsignalled. */
class Fence
{
public:
	Fence() = default;
	Fence(const Fence &) = delete;
	Fence &operator=(const Fence &) = delete;

	void signal();
	bool signaled() const;
	/* Block until signalled. */
	void wait() const;
	/* Run `callback` once signalled: at once (on this thread) when it
	 * already is, else on the signalling thread. */
	void on_signaled(std::function<void()> callback);

private:
	mutable std::mutex lock_;
	mutable std::condition_variable cv_;
	bool signaled_ = false;
	std::vector<std::function<void()>> callbacks_;
};

/* One piece of a mapping: a bus address range (sg_dma_address/len). */
struct DmaSegment {
	uint64_t address;
	uint64_t length;
	bool operator==(const DmaSegment &) const = default;
};

class Attachment;

class Importer
{
public:
	virtual ~Importer() = default;
	/* importer_ops->allow_peer2peer: can reach another device's MMIO. */
	virtual bool peer2peer() const { return true; }
	/* dma_buf_attach_revocable(): copes with the exporter revoking. */
	virtual bool revocable() const { return true; }
	/* move_notify / invalidate_mappings: the buffer is going away (or,
	 * in the profiles that notify on un-revoke too, coming back). The
	 * buffer's reservation is held by the calling thread. */
	virtual void invalidate(Attachment &attachment) = 0;
};

class Attachment
{
public:
	/* Detaches; mappings still held are unmapped first. */
	virtual ~Attachment() = default;

	/* dma_buf_map_attachment: ENODEV while the buffer is revoked. Each
	 * successful map counts until unmapped. */
	virtual Result<std::vector<DmaSegment>> map() = 0;
	/* Unmap one mapping: EINVAL when none is held. */
	virtual Result<void> unmap() = 0;
	/* dma_buf_pin: EOPNOTSUPP on linux-6.19 (vfio's pin op refused), 0
	 * elsewhere (no pin op). */
	virtual Result<void> pin() = 0;
	virtual void unpin() = 0;
	/* dma_resv_add_fence on the buffer's reservation. */
	virtual void add_fence(std::shared_ptr<Fence> fence, FenceUsage usage) = 0;

	/* Mappings this attachment holds. */
	virtual unsigned mapped() const = 0;
	/* Kernel::buffers() id of the buffer. */
	virtual uint64_t buffer_id() const = 0;
};

} /* namespace softvfio */
