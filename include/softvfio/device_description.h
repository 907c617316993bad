/* SPDX-License-Identifier: MIT */
/*
 * DeviceDescription: what a software PCI function looks like.
 *
 * Descriptions come from TOML files (docs/device-descriptions.md) or from the
 * built-in presets, which are the same TOML compiled in. A description is
 * plain data; validation happens once, in load/parse, so a model is never
 * built from a half-valid description.
 */
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <variant>
#include <string>
#include <string_view>
#include <vector>

#include <softvfio/base/result.h>

namespace softvfio {

enum class BarKind : uint8_t {
	None,   /* unused, or the upper half of a 64-bit BAR */
	Mem32,
	Mem64,  /* occupies this slot and the next */
	Io,
};

/* What lives behind a BAR. */
enum class BarContents : uint8_t {
	Ram,        /* plain memory: reads return what was written */
	Registers,  /* a register model named by BarDescription::model */
};

struct BarDescription {
	BarKind kind = BarKind::None;
	bool prefetchable = false;
	uint64_t size = 0;       /* a power of two (>= 16 for memory, >= 4 for I/O); 0 = unused */
	uint64_t address = 0;    /* bus address; 0 = assigned by the model */
	BarContents contents = BarContents::Ram;
	std::string model;       /* register model name when contents == Registers */
	/* With model == "plugin": the plugin's shared object
	 * (docs/device-models.md); a TOML file names it relative to itself,
	 * the parsed description holds it as an absolute path. */
	std::string plugin;
	/* Whether the contents may be mapped (memory BARs only). Real vfio-pci
	 * offers MMAP for every memory BAR, register BARs included (QEMU's
	 * ivshmem BAR0 and edu BAR0 report it), so this defaults to true; set
	 * it to false for a BAR that must never be mapped. */
	bool mmap = true;
	/* Whether a function reset (FLR, PM or bus reset) zeroes RAM contents.
	 * Default false: like ivshmem's host memory, the bytes survive. */
	bool clear_on_reset = false;
};

struct PmCapability {
	bool no_soft_reset = false;   /* NoSoftRst+: D3hot->D0 keeps state (no PM reset) */
	bool d1 = false;
	bool d2 = false;
	uint16_t pme_support = 0;     /* PMC bits 15:11 */
};

struct MsiCapability {
	unsigned vectors = 1;         /* 1, 2, 4, 8, 16 or 32 */
	bool address64 = true;
	bool per_vector_mask = false;
};

struct MsixCapability {
	unsigned vectors = 1;         /* 1..2048 */
	unsigned table_bar = 0;
	uint32_t table_offset = 0;    /* 8-byte aligned */
	unsigned pba_bar = 0;
	uint32_t pba_offset = 0;      /* 8-byte aligned */
};

enum class ExpressPortType : uint8_t {
	Endpoint = 0,
	LegacyEndpoint = 1,
	RootComplexIntegrated = 9,
};

struct ExpressCapability {
	ExpressPortType port_type = ExpressPortType::Endpoint;
	bool flr = false;              /* DEVCAP.FLR: function level reset */
	uint16_t max_payload = 128;    /* bytes */
};

/* [sriov]: the function is an SR-IOV physical function whose virtual
 * functions appear when sriov_numvfs is written (docs/device-descriptions.md).
 * The fields are the SR-IOV extended capability's. */
struct SriovCapability {
	uint16_t total_vfs = 1;
	uint16_t initial_vfs = 0;          /* 0: the same as total_vfs */
	uint16_t vf_device_id = 0;         /* the VFs' device ID (their vendor is the PF's) */
	uint16_t first_vf_offset = 1;      /* VF 0's routing ID - the PF's */
	uint16_t vf_stride = 1;            /* between consecutive VFs' routing IDs */
	uint32_t supported_page_sizes = 0x553;  /* bit n: 4 KiB << n; QEMU's value */
	std::array<BarDescription, 6> vf_bars{};  /* each VF's BARs: memory, RAM */
	std::optional<MsixCapability> vf_msix;     /* [sriov.msix]: each VF's MSI-X, in its BARs */
};

struct DeviceDescription {
	std::string name;              /* e.g. "nic" */
	std::string source;            /* file path, or "preset:nic" */

	uint16_t vendor_id = 0;
	uint16_t device_id = 0;
	uint16_t subsystem_vendor_id = 0;
	uint16_t subsystem_id = 0;
	uint32_t class_code = 0;       /* 24 bits: base, sub, prog-if */
	uint8_t revision = 0;
	uint8_t interrupt_pin = 0;     /* 0 = none, 1..4 = INTA..INTD */
	uint8_t interrupt_line = 0;    /* PCI_INTERRUPT_LINE as firmware left it */
	/* PCI_COMMAND as firmware left it before the host driver ran
	 * (QEMU's devices read 0x0103 through vfio-pci on 6.12). */
	uint16_t command = 0x0103;

	std::array<BarDescription, 6> bars{};
	uint32_t rom_size = 0;         /* 0 = no expansion ROM; else a power of two >= 2 KiB */
	uint32_t rom_address = 0;      /* bus address of the ROM; 0 = assigned by the model */

	std::optional<PmCapability> pm;
	std::optional<MsiCapability> msi;
	std::optional<MsixCapability> msix;
	std::optional<ExpressCapability> express;  /* present: PCIe, 4 KiB config */
	std::optional<SriovCapability> sriov;      /* an SR-IOV physical function; needs express */
	/* Set by the model on the description it derives for one of a PF's
	 * virtual functions, never by a file: the function's vendor and device
	 * ID registers then read 0xffff and COMMAND.MEMORY is read-only zero,
	 * as a VF's are; vendor_id and device_id are the IDs the PCI core
	 * gives it (the PF's vendor, the VF device ID). */
	bool virtual_function = false;

	/* Secondary-bus reset possible (a bridge above the device); devices on
	 * the same bus form one hot-reset set. QEMU's root-bus devices: false. */
	bool bus_reset = false;

	bool is_express() const { return express.has_value(); }
};

/* A description problem: which file, which field, what is wrong. */
struct DescriptionError {
	std::string file;
	std::string field;
	std::string problem;
	/* "nic.toml: bar[2].size: 0x3000 is not a power of two"; without a
	 * field, "nic.toml: problem". */
	std::string message() const;
};

/* Check a description built in code (parse and load do this already).
 * `origin` names the source in the error. */
std::optional<DescriptionError> validate_device_description(const DeviceDescription &desc,
							    std::string_view origin);

/* Names of the register models a BAR may use ("edu", "ivshmem" and those
 * registered with register_device_model()). */
std::vector<std::string> register_model_names();

/* Parse TOML text; `origin` names the source in error messages. */
std::variant<DeviceDescription, DescriptionError> parse_device_description(std::string_view toml,
									      std::string_view origin);
/* Read and parse a description file. */
std::variant<DeviceDescription, DescriptionError> load_device_description(const std::string &path);

/* Built-in presets: "ivshmem-plain", "edu", "nic". */
std::vector<std::string> preset_names();
std::optional<DeviceDescription> preset(std::string_view name);
/* The device `softvfio` uses when none is named. */
std::string_view default_preset_name();

/* A preset name or a file path, as the command line takes them: an argument
 * containing '/' or ending in ".toml" is a file; otherwise a preset name
 * wins over a file of the same name, and a file is tried last. */
std::variant<DeviceDescription, DescriptionError> resolve_device(std::string_view preset_or_file);

} /* namespace softvfio */
