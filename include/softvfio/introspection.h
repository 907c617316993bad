/* SPDX-License-Identifier: MIT */
/*
 * What the model can show that the uAPI cannot: buffer status, memory
 * attributes, hidden BAR-mmap buffers, the page-table entries the kernel
 * would have inserted. Plain snapshots, for tests, the demo and the CLI.
 */
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace softvfio {

enum class BufferStatus { Ok, TempRevoked, PermRevoked };
enum class MemoryAttribute { Uncached, WriteCombine };

const char *to_string(BufferStatus status);   /* "OK", "TEMP_REVOKED", "PERM_REVOKED" */
const char *to_string(MemoryAttribute attr);  /* "NC", "WC" */

/* A leaf the kernel would have in its page tables (PTE, PMD or PUD). */
struct PageTableEntryInfo {
	uintptr_t address;   /* block base */
	unsigned order;      /* 0 = PTE, 9 = PMD, 18 = PUD on x86-64 */
	uint64_t pfn;
	MemoryAttribute attr;
};

struct MappingInfo {
	uintptr_t start = 0;
	uintptr_t end = 0;
	uint64_t offset = 0;         /* the maps offset column: vm_pgoff << 12 */
	int prot = 0;
	bool accessible = false;     /* false: every access raises SIGBUS */
	MemoryAttribute attr = MemoryAttribute::Uncached;
	std::string path;            /* the maps path the kernel would show */
	std::string kind;            /* "vfio-device" or "dma-buf" */
	std::optional<uint64_t> buffer_id;
	std::vector<PageTableEntryInfo> page_table;
};

struct DeviceState {
	std::string bdf;
	std::string description;     /* preset or file name */
	std::string vfio_name;       /* "vfio0" */
	std::string profile;
	unsigned iommu_group = 0;
	unsigned open_count = 0;
	bool memory_enabled = false;
	std::string power_state;     /* "D0", "D3hot" */
	bool low_power = false;      /* LOW_POWER_ENTRY engaged */
	int irq_type = -1;           /* -1, or the enabled VFIO irq index */
	unsigned irq_vectors = 0;
	size_t buffers = 0;
	/* Bus-master DMA the IOMMU blocked (no mapping, no right, revoked
	 * DMABUF): the DMAR faults a real kernel would log. */
	uint64_t iommu_faults = 0;
	/* Loads and stores through mappings of its register BARs that the
	 * register model made (reads a process served from the mirror are
	 * not among them). */
	uint64_t register_accesses = 0;
};

/* --- DMABUFs (docs/semantics.md §3.2; added with the DMABUF system) --- */

/* One range of a buffer, in buffer order. */
struct BufferRange {
	uint64_t bar_offset = 0;     /* from the start of the BAR */
	uint64_t length = 0;
	uint64_t paddr = 0;          /* bus address: BAR start + bar_offset */
};

/* A live DMABUF, exported or hidden (the BAR-mmap buffers of the series
 * profiles, which have no fd). */
struct BufferInfo {
	uint64_t id = 0;
	std::string device;          /* BDF of the exporting device */
	bool hidden = false;         /* BAR-mmap buffer */
	unsigned bar = 0;
	std::vector<BufferRange> ranges;
	uint64_t size = 0;
	/* linux-6.19 keeps one bit: "revoked" shows as TempRevoked. */
	BufferStatus status = BufferStatus::Ok;
	MemoryAttribute memattr = MemoryAttribute::Uncached;
	std::string name;            /* DMA_BUF_SET_NAME; hidden: "vfioN:BDF/idx" */
	size_t mappings = 0;         /* CPU VMAs mapping it */
	size_t attachments = 0;      /* importer attachments */
	size_t importer_mappings = 0;
	bool attached = false;       /* still on its device (not cleaned up) */
};

} /* namespace softvfio */
