/* SPDX-License-Identifier: MIT */
/*
 * BufferList: a device's live DMABUFs (vdev->dmabufs), exported and hidden
 * BAR-mmap ones alike, and the device-wide operations on them.
 *
 * The list holds weak references, as the kernel's list holds no file
 * reference: a buffer whose last reference is gone is skipped by the
 * device-wide operations (get_file_active() failing) and unlinks itself in
 * its release.
 */
#pragma once

#include <cstddef>
#include <memory>
#include <mutex>
#include <vector>

#include "dmabuf/exporter.h"

namespace softvfio::dmabuf {

class DmaBuf;

class BufferList
{
public:
	explicit BufferList(Exporter &exporter);
	~BufferList();

	/* Link or unlink a buffer; caller holds memory_lock for writing. */
	void add_locked(const std::shared_ptr<DmaBuf> &buf);
	void remove_locked(DmaBuf *buf);

	/* vfio_pci_dma_buf_move(): TEMP-revoke (revoke=true) or un-revoke every
	 * buffer on the list; PERM buffers are untouched. Caller holds
	 * memory_lock for writing. */
	void move_locked(bool revoke);

	/* vfio_pci_dma_buf_cleanup() at device close: take memory_lock, revoke
	 * every buffer, detach each from the device (owner cleared,
	 * registration dropped), empty the list. */
	void cleanup();

	size_t size();
	/* The buffers still alive, in list order. */
	std::vector<std::shared_ptr<DmaBuf>> snapshot();

private:
	struct Entry {
		DmaBuf *buf;
		std::weak_ptr<DmaBuf> ref;
	};

	Exporter &exporter_;
	std::mutex lock_;   /* guards bufs_ against concurrent snapshot() */
	std::vector<Entry> bufs_;
};

} /* namespace softvfio::dmabuf */
