/* SPDX-License-Identifier: MIT */
/*
 * DmaBuf: one vfio-pci DMABUF (struct vfio_pci_dma_buf with its dma_buf),
 * docs/semantics.md §3.2.
 *
 * It is the dma-buf file (a vfs::File: fd, mmap, ioctls) and what its VMAs
 * map (an mm::Mappable with its own AddressSpace). Two kinds: exported by
 * VFIO_DEVICE_FEATURE_DMA_BUF (user ranges, an fd), and the hidden buffer
 * behind each series BAR mmap (one range over exactly the mapped window,
 * holding the device file in vfile).
 *
 * Locking (§6): status is written only with the device's memory_lock held
 * for writing AND resv held; it is read under either, or lock-free (an
 * atomic) where the kernel uses READ_ONCE. owner is cleared only by
 * cleanup, after the buffer was revoked, so "status OK ⇒ owner valid".
 * The last reference going is the kernel's release(): it may take
 * memory_lock and close the device (see deferred_release.h).
 */
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <softvfio/importer.h>
#include <softvfio/introspection.h>
#include <softvfio/profile.h>

#include "dmabuf/exporter.h"
#include "dmabuf/resv.h"
#include "mm/address_space.h"
#include "mm/mappable.h"
#include "mm/types.h"
#include "vfs/fd_table.h"
#include "vfs/file.h"

namespace softvfio::dmabuf {

class BufferList;
class AttachmentImpl;

/* VFIO_PCI_DMABUF_OK / TEMP_REVOKED / PERM_REVOKED. */
enum class Status : uint8_t { Ok = 0, TempRevoked = 1, PermRevoked = 2 };

enum class Kind : uint8_t { Exported, BarMmap };

/* One range of the buffer, in buffer order. */
struct Range {
	uint64_t bar_offset;
	uint64_t paddr;        /* bus address */
	uint64_t len;
	HostLocation host;     /* where paddr lives in host memory */
};

/* Everything a new buffer is made of. */
struct BufferSpec {
	Kind kind = Kind::Exported;
	/* The exporting device. The buffer holds one of its registrations
	 * (taken by the caller) until cleanup or release. */
	Exporter *exporter = nullptr;
	std::string device;              /* BDF, for introspection */
	unsigned bar = 0;
	std::vector<Range> ranges;
	uint64_t vma_pgoff_adjust = 0;   /* BAR-mmap: the in-BAR page offset */
	int access_mode = 0;             /* O_RDONLY / O_WRONLY / O_RDWR */
	std::string name;
	std::shared_ptr<vfs::File> vfile;  /* BAR-mmap: the device file */
	bool mmap_op = true;             /* dma_buf_ops.mmap exists */
	bool attach_op = true;           /* dma_buf_ops.attach exists */
	bool map_and_fault_on_temp = false;  /* §7 item 2 experiment */
	const void *domain = nullptr;    /* the Kernel it belongs to */
};

class DmaBuf final : public vfs::File, public mm::Mappable
{
public:
	static std::shared_ptr<DmaBuf> create(BufferSpec spec);
	/* vfio_pci_dma_buf_release(), then the vfile put. */
	~DmaBuf() override;

	uint64_t id() const { return id_; }
	Kind buffer_kind() const { return kind_; }
	uint64_t size() const { return size_; }
	const void *domain() const { return domain_; }
	Status status() const { return status_.load(); }
	/* priv->vdev: the exporter, or null once cleaned up. Lock-free. */
	Exporter *owner() const { return owner_.load(); }
	mm::MemAttr memattr() const { return memattr_.load(); }
	/* WRITE_ONCE(priv->memattr): only future mmaps see it. */
	void set_memattr(mm::MemAttr attr) { memattr_.store(attr); }
	std::string name() const;
	Resv &resv() { return resv_; }

	/* --- the device's side; memory_lock held for writing --- */
	/* Initial status from memory-enabled (under resv), then join the
	 * device's list (§4.1 step 12, §4.2). */
	void link_locked(BufferList &list, bool memory_enabled);
	/* vfio_pci_dma_buf_set_status(), §4.6. */
	void set_status_locked(Status next);
	/* Un-revoke, and give VMAs their memory back if accessible now. */
	void unrevoke_locked();
	/* Cleanup: off the device for good (owner cleared). The caller puts
	 * the registration and unlinks. */
	void detach_locked();

	/* --- vfs::File: the dma-buf file operations --- */
	long ioctl(unsigned int cmd, uintptr_t arg) override;
	long llseek(int64_t offset, int whence) override;
	long mmap(mm::Mm &mm, const vfs::MmapArgs &args) override;

	/* --- mm::Mappable --- */
	mm::AddressSpace &address_space() override { return as_; }
	Result<std::vector<mm::Backing>> backing(const mm::VmaGeometry &g) override;
	bool accessible() override;
	mm::FaultOutcome fault(const mm::VmaGeometry &g, uintptr_t address, unsigned order) override;
	std::string maps_name() const override;
	bool registers(const mm::VmaGeometry &g) override;
	std::string register_model(const mm::VmaGeometry &g) override;
	Result<uint64_t> register_access(const mm::VmaGeometry &g, uintptr_t address, unsigned width, uint64_t value,
					 bool write) override;
	std::string link_name() const override { return maps_name(); }

	/* --- importers (attachment.cc) --- */
	bool has_attach_op() const { return attach_op_; }
	bool pin_refused() const { return profile_->id == ProfileId::Linux619; }
	std::vector<DmaSegment> segments() const;
	void add_attachment_locked(AttachmentImpl *a);
	void remove_attachment_locked(AttachmentImpl *a);
	/* The kref + completion counting importer mappings. */
	void mapping_get_locked();
	void mapping_put_locked();

	BufferInfo info();

private:
	explicit DmaBuf(BufferSpec spec);

	uint64_t buffer_offset(uint64_t vm_pgoff) const;
	const Range *range_at(uint64_t off, uint64_t &in) const;
	void notify_importers_locked();
	void drain_importer_mappings();
	long sync_ioctl(uintptr_t arg);
	long set_name_ioctl(uintptr_t arg);
	long export_sync_file_ioctl(uintptr_t arg);
	long import_sync_file_ioctl(uintptr_t arg);

	const uint64_t id_;
	const Kind kind_;
	const Profile *profile_;
	const std::string device_;
	const unsigned bar_;
	const std::vector<Range> ranges_;
	const std::vector<mm::PhysRange> phys_;   /* find_pfn's view */
	const uint64_t size_;
	const uint64_t vma_pgoff_adjust_;
	const bool mmap_op_;
	const bool attach_op_;
	const bool map_and_fault_on_temp_;
	const void *const domain_;

	std::atomic<Exporter *> owner_;
	BufferList *list_ = nullptr;      /* set when linked */
	std::atomic<Status> status_{Status::Ok};
	std::atomic<mm::MemAttr> memattr_{mm::MemAttr::Uncached};

	mutable std::mutex name_lock_;
	std::string name_;

	Resv resv_;
	std::vector<AttachmentImpl *> attachments_;   /* under resv */
	std::atomic<size_t> attachment_count_{0};
	std::atomic<size_t> mapping_count_{0};

	/* kref (base 1 + one per importer mapping) and its completion. */
	std::mutex kref_lock_;
	std::condition_variable kref_cv_;
	uint64_t kref_ = 1;

	/* BAR-mmap: the device file, put after release (§4.9). */
	std::shared_ptr<vfs::File> vfile_;

	mm::AddressSpace as_;
};

/* dma_buf_get(): EBADF for a bad fd number, EINVAL for an fd that is not a
 * dma-buf (a foreign fd, or another kind of emulated file). */
Result<std::shared_ptr<DmaBuf>> dma_buf_get(vfs::FdTable &fds, int fd);

/* dma_buf_fd(): a stand-in for `buf` (a memfd of the buffer's size, with
 * the access mode, O_NONBLOCK and O_CLOEXEC of `open_flags`) installed in
 * `fds`. Errors (EMFILE...) leave `buf` to its caller. */
Result<int> dma_buf_fd(vfs::FdTable &fds, const std::shared_ptr<DmaBuf> &buf, uint32_t open_flags);

} /* namespace softvfio::dmabuf */
