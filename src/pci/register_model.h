/* SPDX-License-Identifier: MIT */
/*
 * Register models: the behaviour behind a BarContents::Registers BAR.
 *
 * A model sees bus transactions (bar_read/bar_write of the function) one
 * naturally aligned access at a time, and reaches the rest of the function
 * (interrupts, DMA, the BAR's memfd window) only through a ModelHost. The
 * function calls a model with its own lock held, so models need no locking
 * and must not block.
 *
 * Accesses through a mapping reach a model as bus transactions: they trap,
 * in a session's processes and in process alike, and the kernel makes them
 * here (docs/trap.md). Models mirror their plain-value registers (ID,
 * scratch, status) into the memfd, which is what a mapping that does not
 * trap (an mm::Mm on a host without a RegisterPort) reads.
 */
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace softvfio::pci {

/* What a register model may do to the function around it. */
class ModelHost
{
public:
	virtual ~ModelHost() = default;
	/* MSI capability present and enabled. */
	virtual bool msi_enabled() = 0;
	/* Send MSI message `vector` (dropped or left pending per the MSI
	 * rules: bus mastering, enable, per-vector mask). */
	virtual void msi_notify(unsigned vector) = 0;
	/* Drive the function's INTx pin. */
	virtual void set_intx(bool asserted) = 0;
	/* Bus-master DMA; false when it did not happen (no bus mastering, no
	 * DmaPort, IOMMU fault). */
	virtual bool dma_read(uint64_t address, void *dst, size_t len) = 0;
	virtual bool dma_write(uint64_t address, const void *src, size_t len) = 0;
	/* Mirror bytes into the BAR's window of the memfd. */
	virtual void mirror(uint64_t offset, const void *src, size_t len) = 0;
};

class RegisterModel
{
public:
	virtual ~RegisterModel() = default;
	/* One access of `width` bytes (1, 2, 4 or 8), naturally aligned. */
	virtual uint64_t read(uint64_t offset, unsigned width) = 0;
	virtual void write(uint64_t offset, unsigned width, uint64_t value) = 0;
	/* Back to the power-on state (function reset), mirror included. */
	virtual void reset() = 0;
};

struct RegisterModelInfo {
	std::string_view name;
	uint64_t min_bar_size;   /* bytes the registers need */
};

/* nullptr when the name is unknown. */
const RegisterModelInfo *find_register_model(std::string_view name);

/* A model in its power-on state (already mirrored). */
std::unique_ptr<RegisterModel> make_register_model(std::string_view name, ModelHost &host);

} /* namespace softvfio::pci */
