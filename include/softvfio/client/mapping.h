/* SPDX-License-Identifier: MIT */
/*
 * client::Mapping: one CPU window onto device memory, unmapped on
 * destruction. Either a classic mapping of the device fd (mmap offset =
 * region offset + offset in the BAR) or a mapping of a DMABUF fd (offset
 * into the buffer).
 *
 * A device-fd window keeps the device open while it lives, as the kernel's
 * VMA does; a DMABUF window keeps its buffer, not the device.
 */
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <type_traits>

#include <softvfio/client/fwd.h>
#include <softvfio/client/result.h>
#include <softvfio/client/safe_access.h>

namespace softvfio::client {

/* The CPU memory attribute (docs/semantics.md §2.6). Device-fd BAR
 * mappings are always NC. Userspace cannot observe it; it is what the
 * kernel was asked for. */
enum class MemAttr : uint32_t { NC = 0, WC = 1 };

/* Mapping::bar() and DmaBuf::bar() of a window whose BAR is not known (a
 * DMABUF received from another process). */
inline constexpr int kNoBar = -1;

enum class MappingKind {
	DeviceFd,   /* mmap of the VFIO device fd */
	DmaBuf,     /* mmap of a DMABUF fd */
};

class Mapping
{
public:
	Mapping() = default;
	Mapping(Mapping &&other) noexcept;
	Mapping &operator=(Mapping &&other) noexcept;
	Mapping(const Mapping &) = delete;
	Mapping &operator=(const Mapping &) = delete;
	~Mapping();

	bool valid() const { return p_.addr != nullptr; }
	void *data() const { return p_.addr; }
	size_t size() const { return p_.size; }
	/* The mmap offset: region offset + offset in the BAR for DeviceFd,
	 * offset into the buffer for DmaBuf. */
	uint64_t offset() const { return p_.offset; }
	/* The BAR this window shows (kNoBar if unknown, e.g. a received DMABUF). */
	int bar() const { return p_.bar; }
	MappingKind kind() const { return p_.kind; }
	MemAttr memattr() const { return p_.memattr; }

	/*
	 * Would an access succeed now? Decided without touching the window:
	 *  1. an unmapped (moved-from) Mapping: false;
	 *  2. a DmaBuf window: the buffer must accept a new mmap (the series'
	 *     DMABUF mmap refuses TEMP- and PERM-revoked and cleaned-up
	 *     buffers with ENODEV; a one-page PROT_NONE probe mapping is made
	 *     and dropped), and, while its device is open, rule 3 holds;
	 *  3. a DeviceFd window: the device is not in a low-power state this
	 *     library entered, PCI_COMMAND.MEMORY is set (config read at 4)
	 *     and the power state in PMCSR is D0 (when the function has the
	 *     PM capability).
	 * A config read that fails counts as not accessible. The answer can be
	 * stale as soon as it is given (another process may disable memory):
	 * pair it with the safe accessors below.
	 */
	bool accessible() const;

	/* Guarded copies in and out of the window (safe_copy): EINVAL (out of
	 * range or unmapped), EIO (SIGBUS: revoked), EFAULT (SIGSEGV). */
	Result<void> read(size_t offset, void *dst, size_t n, Fault *fault = nullptr) const;
	Result<void> write(size_t offset, const void *src, size_t n, Fault *fault = nullptr);

	template<typename T>
	Result<T> read(size_t offset) const
	{
		static_assert(std::is_trivially_copyable_v<T>);
		T v{};
		if (auto r = read(offset, &v, sizeof(v)); !r)
			return r.error();
		return v;
	}
	template<typename T>
	Result<void> write(size_t offset, const T &v)
	{
		static_assert(std::is_trivially_copyable_v<T>);
		return write(offset, &v, sizeof(v));
	}

	/* munmap now (the destructor ignores errors): the backend's errno. */
	Result<void> unmap();

	/* Internal: built by Device and DmaBuf. */
	struct Parts {
		std::shared_ptr<Backend> backend;
		void *addr = nullptr;
		size_t size = 0;
		uint64_t offset = 0;
		int bar = kNoBar;
		MappingKind kind = MappingKind::DeviceFd;
		MemAttr memattr = MemAttr::NC;
		std::shared_ptr<detail::DeviceHandle> device;   /* DeviceFd */
		std::weak_ptr<detail::DeviceHandle> owner;      /* DmaBuf */
		std::shared_ptr<detail::FdBox> buffer;          /* DmaBuf */
	};
	explicit Mapping(Parts parts);

private:
	void reset();

	Parts p_;
};

} /* namespace softvfio::client */
