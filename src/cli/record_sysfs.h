/* SPDX-License-Identifier: MIT */
/*
 * `softvfio record`, step one: what sysfs says of one PCI function
 * (<root>/bus/pci/devices/<bdf>/: config, resource, reset_method, irq),
 * read as it is, without interpreting it. Decoding it into a description is
 * record_decode.h's; keeping the two apart lets the decoder be tested on
 * plain bytes and the reader on fabricated directory trees.
 */
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace softvfio::cli::record {

/* One line of `resource`: start, end (inclusive), IORESOURCE_* flags. */
struct ResourceLine {
	uint64_t start = 0;
	uint64_t end = 0;
	uint64_t flags = 0;
};

/* The IORESOURCE_* bits the recorder reads (include/linux/ioport.h). */
inline constexpr uint64_t kIoresourceIo = 0x00000100;
inline constexpr uint64_t kIoresourceMem = 0x00000200;
inline constexpr uint64_t kIoresourcePrefetch = 0x00002000;
inline constexpr uint64_t kIoresourceMem64 = 0x00100000;
inline constexpr uint64_t kIoresourceUnset = 0x20000000;
inline constexpr uint64_t kIoresourceDisabled = 0x10000000;

/* The SR-IOV files of a physical function's directory (drivers/pci/iov.c),
 * each nullopt when missing or not a number. */
struct SriovFiles {
	std::optional<uint64_t> totalvfs;      /* sriov_totalvfs (the driver may lower TotalVFs) */
	std::optional<uint64_t> numvfs;        /* sriov_numvfs */
	std::optional<uint64_t> offset;        /* sriov_offset */
	std::optional<uint64_t> stride;        /* sriov_stride */
	std::optional<uint64_t> vf_device;     /* sriov_vf_device (hex) */
	std::optional<uint64_t> vf_total_msix; /* sriov_vf_total_msix */
};

struct SysfsFunction {
	std::string bdf;                      /* "0000:01:00.0" */
	std::string dir;                      /* <root>/bus/pci/devices/<bdf> */
	std::vector<uint8_t> config;          /* the bytes a read returned */
	size_t config_size = 0;               /* the file's size: 256 or 4096 on Linux */
	/* Lines of `resource` (BARs 0..5, ROM, then bridge windows or VF
	 * BARs); empty when the file is missing. */
	std::vector<ResourceLine> resources;
	bool has_resource_file = false;
	/* The words of `reset_method`; nullopt without the file (Linux
	 * before 5.15, or a function with no reset method). */
	std::optional<std::vector<std::string>> reset_methods;
	std::optional<unsigned> irq;          /* the host's INTx irq number */
	/* A virtual function: its PF's BDF, from the physfn link. */
	std::optional<std::string> physfn;
	/* A physical function: its sriov_* files (present with sriov_totalvfs). */
	std::optional<SriovFiles> sriov;
	/* Its first VF's BDF and config bytes (virtfn0), when VFs are enabled:
	 * a VF's MSI-X is in its own config space, not in the PF's. */
	std::string vf0_bdf;
	std::vector<uint8_t> vf0_config;
	/* What could not be read, in words, for stderr and the TOML header. */
	std::vector<std::string> warnings;
};

/* Why a function could not be read. `error` is a positive errno:
 * ENOENT no such device (the path is named), EINVAL sysfs says something
 * that is not a PCI function's, anything else a read failure. */
struct ReadError {
	int error = 0;
	std::string message;
};

/* "0000:01:00.0" from "0000:01:00.0" or "01:00.0" (domain 0000, as lspci
 * shows it), lower-cased; nullopt if `text` is not a PCI address. */
std::optional<std::string> normalize_bdf(std::string_view text);

/* Reads the function `bdf` (normalized) below `sysfs_root` ("/sys"). */
std::variant<SysfsFunction, ReadError> read_sysfs_function(const std::string &sysfs_root, const std::string &bdf);

/* `resource`'s text, parsed; nullopt on a malformed line. */
std::optional<std::vector<ResourceLine>> parse_resource(std::string_view text);

} /* namespace softvfio::cli::record */
