/* SPDX-License-Identifier: MIT */
/* Capability names for the recording's comments, indexed by ID as the PCI
 * and PCI Express specifications number them (pci_regs.h's PCI_CAP_ID_* and
 * PCI_EXT_CAP_ID_*). */
#include "cli/record_cap_names.h"

#include <iterator>

namespace softvfio::cli::record {

std::string capability_name(unsigned id)
{
	static constexpr const char *kNames[] = {
		"",
		"Power Management",
		"AGP",
		"Vital Product Data",
		"Slot Identification",
		"MSI",
		"CompactPCI Hot Swap",
		"PCI-X",
		"HyperTransport",
		"Vendor Specific",
		"Debug Port",
		"CompactPCI Central Resource Control",
		"PCI Hot-Plug",
		"Bridge Subsystem Vendor ID",
		"AGP 8x",
		"Secure Device",
		"PCI Express",
		"MSI-X",
		"SATA Data/Index Configuration",
		"Advanced Features",
		"Enhanced Allocation",
		"Flattening Portal Bridge",
	};
	return id < std::size(kNames) ? kNames[id] : "";
}

std::string extended_capability_name(unsigned id)
{
	static constexpr const char *kNames[] = {
		"",
		"Advanced Error Reporting",
		"Virtual Channel",
		"Device Serial Number",
		"Power Budgeting",
		"Root Complex Link Declaration",
		"Root Complex Internal Link Control",
		"Root Complex Event Collector Endpoint Association",
		"Multi-Function VC",
		"Virtual Channel (MFVC)",
		"Root Complex Register Block",
		"Vendor Specific",
		"Configuration Access Correlation",
		"Access Control Services",
		"Alternative Routing-ID Interpretation",
		"Address Translation Services",
		"Single Root I/O Virtualization",
		"Multi-Root I/O Virtualization",
		"Multicast",
		"Page Request Interface",
		"AMD reserved",
		"Resizable BAR",
		"Dynamic Power Allocation",
		"TPH Requester",
		"Latency Tolerance Reporting",
		"Secondary PCI Express",
		"Protocol Multiplexing",
		"Process Address Space ID",
		"LN Requester",
		"Downstream Port Containment",
		"L1 PM Substates",
		"Precision Time Measurement",
		"PCI Express over M-PHY",
		"FRS Queueing",
		"Readiness Time Reporting",
		"Designated Vendor-Specific",
		"VF Resizable BAR",
		"Data Link Feature",
		"Physical Layer 16.0 GT/s",
		"Lane Margining at the Receiver",
		"Hierarchy ID",
		"Native PCIe Enclosure Management",
		"Physical Layer 32.0 GT/s",
		"Alternate Protocol",
		"System Firmware Intermediary",
		"Shadow Functions",
		"Data Object Exchange",
		"Device 3",
		"Integrity and Data Encryption",
		"Physical Layer 64.0 GT/s",
	};
	return id < std::size(kNames) ? kNames[id] : "";
}

} /* namespace softvfio::cli::record */
