/* SPDX-License-Identifier: MIT */
/*
 * FunctionBackend: the ConfigBackend of a software PCI function, i.e. the
 * pci_dev view vfio-pci has of real hardware: config accessors, cfg_size,
 * and the resources the host assigned to the BARs and the ROM.
 */
#pragma once

#include "pci/pci_function.h"
#include "vfio/pci/config/config_backend.h"

namespace softvfio::vfio {

class FunctionBackend final : public ConfigBackend
{
public:
	explicit FunctionBackend(pci::PciFunction &function) : function_(function) {}

	uint32_t cfg_size() const override;
	uint32_t read(uint32_t offset, unsigned width) override;
	void write(uint32_t offset, unsigned width, uint32_t value) override;
	ResourceInfo bar(unsigned index) const override;
	ResourceInfo rom() const override;
	std::optional<VirtfnIds> virtfn_ids() const override;

private:
	pci::PciFunction &function_;
};

} /* namespace softvfio::vfio */
