/* SPDX-License-Identifier: MIT */
/*
 * The device-model API: the behaviour behind a register BAR
 * (docs/device-models.md).
 *
 * A DeviceModel sees the bus transactions of one BAR whose description says
 * `contents = "registers"`: each read or write is one naturally aligned
 * access of 1, 2, 4 or 8 bytes at an offset into the BAR, whether it came
 * from pread/pwrite of the VFIO region or from a load or store through a
 * mapping of it (trapped and emulated, docs/trap.md). It reaches the rest of
 * the device only through its DeviceContext: DMA by IOVA through the
 * device's IOMMU mappings, interrupts, a mirror of plain registers into the
 * BAR's memory, and deferred work on the device's thread.
 *
 * Threading: the device serialises every call into a model (accesses,
 * reset, power changes, deferred work) under its own lock, so a model needs
 * no locking of its own. For the same reason a model must not block: a
 * callback that waits holds up every access to the device. Work that takes
 * time (a DMA engine, a command queue) is split into steps the model
 * schedules on the device thread with DeviceContext::schedule(); each step
 * runs as DeviceModel::run_deferred(), under the same lock as every other
 * callback. A function reset cancels the steps not run yet.
 *
 * The built-in models (edu, ivshmem) are written on this interface; models
 * in shared objects use the C ABI of <softvfio/device_plugin.h>, which the
 * device hosts in a process of their own and adapts to this interface.
 * A C++ program that runs the model in process (softvfio::Kernel) may add
 * models of its own with register_device_model().
 *
 * No exceptions: errors are negative errno values.
 */
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

namespace softvfio {

/* What the device around a model offers it. Valid for the model's lifetime;
 * call it only from the model's callbacks. */
class DeviceContext
{
public:
	virtual ~DeviceContext() = default;

	/* The BAR the model serves. */
	virtual unsigned bar_index() const = 0;
	virtual uint64_t bar_size() const = 0;

	/* Bus-master DMA to or from `iova`, translated by the IOMMU domain
	 * the device is attached to (type1 MAP_DMA or an IOAS mapping). 0, or
	 * -EPERM bus mastering is off (COMMAND.MASTER clear), -ENODEV no IOMMU
	 * domain is attached, -EFAULT an IOVA in the range is not mapped or
	 * not with the right permission (the IOMMU's fault: nothing was
	 * copied and the fault is counted, as an IOMMU fault is reported). */
	virtual int dma_read(uint64_t iova, void *dst, size_t len) = 0;
	virtual int dma_write(uint64_t iova, const void *src, size_t len) = 0;

	/* Whether the driver enabled MSI or MSI-X in config space. */
	virtual bool msi_enabled() = 0;
	virtual bool msix_enabled() = 0;
	/* Send MSI (MSI-X) message `vector`. A masked vector is left pending
	 * and sent when unmasked; without bus mastering or with the
	 * capability disabled the message is dropped, as on hardware. 0, or
	 * -ENODEV no such capability, -EINVAL a vector beyond its size. */
	virtual int raise_msi(unsigned vector) = 0;
	virtual int raise_msix(unsigned vector) = 0;
	/* Drive the INTx pin (a level). No effect without an interrupt pin. */
	virtual void set_intx(bool asserted) = 0;

	/* Copy bytes into the BAR's memory at `offset`: what a mapping that
	 * does not trap (in process, without a fault handler) reads. Models
	 * mirror their plain registers (IDs, scratch values). -EINVAL for a
	 * range outside the BAR. */
	virtual int mirror(uint64_t offset, const void *src, size_t len) = 0;

	/* Run DeviceModel::run_deferred(cookie) on the device thread once
	 * `delay` has passed (0: as soon as possible, never inside the
	 * current callback). Steps with the same deadline run in the order
	 * they were scheduled. 0, or -ENOMEM. */
	virtual int schedule(std::chrono::nanoseconds delay, uint64_t cookie) = 0;
};

class DeviceModel
{
public:
	virtual ~DeviceModel() = default;

	/* One access of `width` bytes (1, 2, 4 or 8), naturally aligned,
	 * inside the BAR. A read's bits above `width` are ignored. */
	virtual uint64_t read(uint64_t offset, unsigned width) = 0;
	virtual void write(uint64_t offset, unsigned width, uint64_t value) = 0;

	/* A function reset (FLR, PM reset, bus reset): back to the power-on
	 * state, mirror included. Also called once right after creation. */
	virtual void reset() = 0;

	/* The function's power state changed (0 = D0 .. 3 = D3hot). A
	 * D3hot -> D0 transition that resets the function calls reset()
	 * first. */
	virtual void power_state_changed(unsigned state) { (void)state; }

	/* A step scheduled with DeviceContext::schedule(). */
	virtual void run_deferred(uint64_t cookie) { (void)cookie; }
};

/* A model kind a description may name (`model = "<name>"`). */
struct DeviceModelFactory {
	std::string name;
	uint64_t min_bar_size = 16;   /* bytes the registers need */
	std::function<std::unique_ptr<DeviceModel>(DeviceContext &)> create;
};

/* Make `factory` available to descriptions parsed or validated afterwards,
 * in this process. 0, or -EEXIST a model of that name exists (built-in
 * names and "plugin" included), -EINVAL an empty name or no create. */
int register_device_model(DeviceModelFactory factory);

} /* namespace softvfio */
