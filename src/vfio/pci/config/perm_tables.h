/* SPDX-License-Identifier: MIT */
/*
 * Permission tables of vfio-pci's config virtualisation.
 *
 * Every byte of config space belongs to the standard header, to one exposed
 * capability, or to nothing. A capability's PermBits say, per bit, whether
 * it is virtual (read from and written to the virtual copy) and whether the
 * user may write it; bits that are neither virtual nor writable read from
 * the hardware and ignore writes. The access paths (ReadPath/WritePath) pick
 * the behaviour around those masks, as vfio's readfn/writefn do.
 *
 * The tables are the kernel's facts; they are shared by every device,
 * except MSI's, whose layout depends on the capability's flags.
 */
#pragma once

#include <cstdint>
#include <vector>

namespace softvfio::vfio {

enum class ReadPath : uint8_t {
	Default, /* virtual bits from vconfig, the rest from hardware */
	Direct,  /* hardware, but capability ID/next (or ext header) virtual */
	Raw,     /* hardware only */
	Virt,    /* vconfig only */
	Basic,   /* Default, after refreshing the virtual BARs */
	Msi,     /* Default, after vfio's queue-size fixup */
};

enum class WritePath : uint8_t {
	None,    /* dropped without reading the user buffer */
	Default, /* virtual writable bits to vconfig, others read-modify-write */
	Raw,     /* straight to hardware */
	Virt,    /* straight to vconfig */
	Basic,   /* COMMAND, INTx-disable emulation, BAR dirtiness */
	Pm,      /* power-state changes */
	Vpd,     /* VPD address/data emulation */
	Exp,     /* PCIe FLR and read-request size */
	Af,      /* Advanced Features FLR */
	Msi,     /* MSI enable/queue-size fixup, flags written to hardware */
};

struct PermBits {
	ReadPath read = ReadPath::Direct;
	WritePath write = WritePath::None;
	/* Per byte, little-endian like config space; rounded up to a dword.
	 * Empty for paths that do not use masks. */
	std::vector<uint8_t> virt;
	std::vector<uint8_t> writable;

	/* The masks of `count` bytes at `offset` into the capability; bytes
	 * past the table count as neither virtual nor writable. */
	uint32_t virt_mask(unsigned offset, unsigned count) const;
	uint32_t write_mask(unsigned offset, unsigned count) const;
};

/* Shared tables, built once. */
const PermBits &cap_perms(uint8_t id);     /* standard capability, or 0: header */
const PermBits &ecap_perms(uint8_t id);    /* extended capability (map byte) */
const PermBits &direct_ro_perms();
const PermBits &unassigned_perms();
const PermBits &virt_perms();

/* MSI's table for a capability of `len` bytes with `flags`. */
PermBits make_msi_perms(unsigned len, uint16_t flags);

/* vfio's capability length tables: 0 hides the capability, kVariableLen
 * means "ask the capability", anything else is the exposed length. */
constexpr unsigned kVariableLen = 0xff;
unsigned std_cap_table_len(uint8_t id);    /* id in 1..kCapIdMax */
unsigned ext_cap_table_len(uint16_t id);   /* id in 0..kExtCapIdMax */

} /* namespace softvfio::vfio */
