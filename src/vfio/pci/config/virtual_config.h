/* SPDX-License-Identifier: MIT */
/*
 * VirtualConfig: vfio-pci's configuration-space virtualisation, i.e. what a
 * program sees through the config region (index 7) of a vfio-pci device fd.
 *
 * At open, init() builds a byte map saying which capability owns each byte,
 * and a virtual copy of config space (vconfig) filled from the hardware.
 * Capabilities vfio does not expose are unlinked from the virtual chain;
 * their bytes, like every byte outside the header and the exposed
 * capabilities, stay raw hardware registers. User accesses are split into
 * naturally aligned pieces that never cross a dword or a capability, and
 * each piece goes through its capability's permission table (perm_tables.h).
 *
 * Locking. `mutex_` guards the virtual state. It is never held while a
 * ConfigDevice hook runs, except inside the `apply` of a COMMAND write, which
 * the device calls with its memory_lock held: the order is memory_lock ->
 * mutex_. `intx_mutex_` serialises INTx-disable emulation with the hook it
 * calls (intx_mutex_ -> mutex_, intx_mutex_ -> device). The device must not
 * call read()/write() from inside a hook, nor init()/release() concurrently
 * with user accesses (the kernel cannot either: they run at open/close).
 */
#pragma once

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include <softvfio/base/result.h>

#include "vfio/pci/config/config_backend.h"
#include "vfio/pci/config/config_device.h"
#include "vfio/pci/config/perm_tables.h"

namespace softvfio::vfio {

class VirtualConfig
{
public:
	/* Config space of device.function(). */
	explicit VirtualConfig(ConfigDevice &device);
	/* Config space of another backend (tests, hardware the descriptions
	 * cannot express); hooks still go to `device`. */
	VirtualConfig(ConfigDevice &device, ConfigBackend &backend);
	~VirtualConfig();
	VirtualConfig(const VirtualConfig &) = delete;
	VirtualConfig &operator=(const VirtualConfig &) = delete;

	/* vfio_config_init, run at every (first) open: rebuild the map and
	 * vconfig from the hardware, hide capabilities, virtualise BARs, ROM,
	 * PME bits; INTx emulation starts unmasked. */
	Result<void> init();
	/* vfio_config_free plus the virq reset of vfio_pci_core_disable, at
	 * last close. Accesses afterwards fail with ENODEV (model only: no fd
	 * can reach a closed device in the kernel). */
	void release();
	/* release() then init(): the state a re-enabled device starts with.
	 * Device resets (VFIO_DEVICE_RESET, FLR, hot reset, PM reset) must NOT
	 * call this: vfio-pci keeps vconfig across them. */
	Result<void> reset();

	/* A user access of `count` bytes at config offset `pos`: bytes done or
	 * -errno, as vfio_pci_config_rw. Any failing piece fails the whole call
	 * (earlier pieces keep their effects); an access reaching beyond size()
	 * is EFAULT before anything is done; count 0 does nothing. */
	long read(void *user_buf, size_t count, uint64_t pos);
	long write(const void *user_buf, size_t count, uint64_t pos);
	uint32_t size() const;

	/* The virtual COMMAND register. Its MEMORY and IO bits are the user's
	 * last write to COMMAND (the memory-enabled predicate uses MEMORY) and
	 * INTX_DISABLE the virtual one; its other bits are not meaningful. */
	uint16_t virtual_command() const { return command_.load(std::memory_order_acquire); }
	/* vdev->virq_disabled: the user's INTx-disable, as last emulated. */
	bool virq_disabled() const { return virq_mirror_.load(std::memory_order_acquire); }

	/* --- MSI state owned by the irq code (vfio_pci_intrs.c) --- */
	/* MSI enabled through SET_IRQS with `nvec` vectors: msi_qmax, which
	 * bounds the user's Multiple Message Enable; it persists across
	 * disable and close, as in the kernel. */
	void msi_enabled(unsigned nvec);
	/* irq_type == MSI: only then may the user's flags write keep the
	 * hardware MSI enable bit. */
	void set_msi_active(bool active);

	/* --- introspection, for tests and debugging --- */
	/* Which capability owns byte `pos` (vfio's map byte). */
	uint8_t map_at(uint32_t pos) const;
	/* The virtual copy of `width` bytes at `pos` (no side effects). */
	uint32_t vconfig_at(uint32_t pos, unsigned width) const;
	/* Whether the calling thread holds the state mutex (lock-order checks). */
	bool state_locked_by_caller() const;

private:
	/* One naturally aligned piece of a user access. */
	struct Chunk {
		uint32_t pos;
		unsigned count;
		uint32_t offset; /* into the owning capability */
		const PermBits *perm;
	};

	class StateLock;

	/* virtual_config.cc: the access loop */
	long read_chunk(uintptr_t buf, size_t count, uint64_t pos);
	long write_chunk(uintptr_t buf, size_t count, uint64_t pos);
	long locate(uint64_t pos, size_t count, Chunk &out) const;
	unsigned remaining_in_dword(uint32_t pos) const;
	uint32_t find_cap_start(uint32_t pos) const;
	void dispatch_write(const Chunk &c, uint32_t val);

	/* access.cc: the generic paths and the standard header */
	uint32_t read_locked(const Chunk &c);
	uint32_t default_read(const Chunk &c);
	uint32_t direct_read(const Chunk &c);
	void default_write(const Chunk &c, uint32_t val);
	void basic_write(const Chunk &c, uint32_t val);
	void command_write_locked(const Chunk &c, uint32_t val);
	void emulate_intx();
	void bar_fixup();
	bool need_bar_restore();
	void bar_restore();

	/* cap_writes.cc: capability write handlers */
	void msi_read_fixup(const Chunk &c);
	void pm_write(const Chunk &c, uint32_t val);
	void msi_write(const Chunk &c, uint32_t val);
	void exp_write(const Chunk &c, uint32_t val);
	void af_write(const Chunk &c, uint32_t val);
	void vpd_write(const Chunk &c, uint32_t val);
	void set_readrq(uint32_t exp, unsigned readrq);

	/* cap_init.cc: building the map and vconfig */
	Result<void> init_locked();
	Result<uint32_t> hw_read(uint32_t offset, unsigned width);
	Result<void> fill_vconfig(uint32_t offset, uint32_t len);
	void map_fill(uint32_t offset, uint32_t len, uint8_t id);
	Result<void> cap_init();
	Result<void> ecap_init();
	Result<unsigned> cap_len(uint8_t cap, uint32_t pos);
	Result<unsigned> msi_cap_len(uint32_t pos);
	Result<unsigned> exp_cap_len(uint32_t pos);
	Result<unsigned> ext_cap_len(uint16_t ecap, uint32_t epos);
	Result<unsigned> vc_cap_len(uint32_t epos);
	void note_extended_caps();

	/* vconfig helpers (little-endian, like config space) */
	uint32_t vget(uint32_t pos, unsigned width) const;
	void vset(uint32_t pos, unsigned width, uint32_t val);

	ConfigDevice &device_;
	std::unique_ptr<ConfigBackend> owned_backend_;
	ConfigBackend &hw_;

	mutable std::mutex mutex_;
	mutable std::atomic<std::thread::id> mutex_owner_{};
	std::vector<uint8_t> map_;      /* empty until init() */
	std::vector<uint8_t> vconfig_;
	std::optional<PermBits> msi_perm_;
	std::array<uint32_t, 7> rbar_{}; /* BAR0-5 and ROM as found at init */
	bool bardirty_ = false;
	bool extended_caps_ = false;
	unsigned msi_qmax_ = 0;
	bool msi_active_ = false;

	std::mutex intx_mutex_;
	bool virq_disabled_ = false;    /* guarded by intx_mutex_ */

	std::atomic<uint16_t> command_{0};
	std::atomic<bool> virq_mirror_{false};
};

/* Holds mutex_ and records the owner, so hooks can assert the lock order. */
class VirtualConfig::StateLock
{
public:
	explicit StateLock(const VirtualConfig &vc) : vc_(vc)
	{
		vc_.mutex_.lock();
		vc_.mutex_owner_.store(std::this_thread::get_id(), std::memory_order_relaxed);
	}
	~StateLock()
	{
		vc_.mutex_owner_.store(std::thread::id(), std::memory_order_relaxed);
		vc_.mutex_.unlock();
	}
	StateLock(const StateLock &) = delete;
	StateLock &operator=(const StateLock &) = delete;

private:
	const VirtualConfig &vc_;
};

} /* namespace softvfio::vfio */
