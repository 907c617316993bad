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
};

} /* namespace softvfio */
