/* SPDX-License-Identifier: MIT */
/*
 * The C ABI of softvfio device-model plugins (docs/device-models.md).
 *
 * A plugin is a shared object that exports one function,
 *
 *     const struct softvfio_plugin *softvfio_device_plugin(void);
 *
 * returning a static table: the ABI version it was built against, the
 * table's size, what the device looks like (a TOML description, for
 * `softvfio run --device ./mydev.so`) and the model's callbacks. softvfio
 * runs the plugin in a process of its own (a device host) and forwards
 * the accesses of the register BARs that name it to it; a plugin that
 * crashes, hangs or answers garbage fails its device, never the session
 * (the device then reads all ones, as a surprise-removed device does).
 *
 * Instances: a plugin that sets read_bar and write_bar (ABI 1.2) gets one
 * instance per PCI function, serving every register BAR of the function
 * that names the same plugin file: one create(), one reset() per function
 * reset, one power_state() per change, and the accesses of all those BARs,
 * each with its BAR index. A plugin without them (built against 1.0 or
 * 1.1, or one that does not care) gets one instance per register BAR, as
 * before; each instance then sees only its own BAR.
 *
 * Rules of the ABI:
 *  - Version: a plugin states SOFTVFIO_PLUGIN_ABI_VERSION as it was
 *    built; the host refuses any other major version. Tables only grow:
 *    `size` says how much of the table the plugin has, fields past it are
 *    taken as NULL / 0. Each minor version (SOFTVFIO_PLUGIN_ABI_MINOR)
 *    adds fields at the end of the tables, so a plugin built against an
 *    older minor loads unchanged, and a plugin finds out what its host
 *    has by the host table's `size` (offsetof(field) < size).
 *  - Every callback is called from one thread of the device host, one at
 *    a time; none of them may block (a callback that does not return
 *    within the host's timeout fails the device). Work that takes time is
 *    scheduled with host->schedule() and done in deferred().
 *  - The `host` table and its functions are valid only during a callback
 *    (and create()).
 *  - Functions returning int return 0 or a negative errno.
 */
#ifndef SOFTVFIO_DEVICE_PLUGIN_H
#define SOFTVFIO_DEVICE_PLUGIN_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Major version of this ABI: a plugin built against another one is
 * refused. */
#define SOFTVFIO_PLUGIN_ABI_VERSION 1u
/* Minor version of this header: 0 the first tables, 1 mirrored reads
 * (softvfio_plugin.mirrored_reads, softvfio_plugin_host.mirror_store),
 * 2 one instance per function (softvfio_plugin.read_bar/write_bar,
 * softvfio_plugin_host.bar_mask/bar_sizes/mirror_bar). */
#define SOFTVFIO_PLUGIN_ABI_MINOR 2u
/* The symbol a plugin exports. */
#define SOFTVFIO_PLUGIN_ENTRY "softvfio_device_plugin"

/* Interrupt kinds for softvfio_plugin_host.raise_irq. */
#define SOFTVFIO_IRQ_MSI 1u
#define SOFTVFIO_IRQ_MSIX 2u

/* Power states for softvfio_plugin.power_state. */
#define SOFTVFIO_POWER_D0 0u
#define SOFTVFIO_POWER_D3HOT 3u

/* Log levels for softvfio_plugin_host.log. */
#define SOFTVFIO_LOG_ERROR 0u
#define SOFTVFIO_LOG_WARNING 1u
#define SOFTVFIO_LOG_INFO 2u

/* A register read the plugin promises (ABI 1.1) has no side effect and
 * returns exactly the `width` bytes the BAR's memory holds at `offset`:
 * the plugin keeps them there with host->mirror_store() (at create, reset
 * and every change). Such a read of a mapped register is then served in
 * the reading process from the BAR's memory, without a call to the
 * plugin (docs/trap.md, "Reads from the mirror"). `offset` is a multiple
 * of `width` (1, 2, 4 or 8), inside BAR `bar`, which the plugin serves. */
struct softvfio_mirrored_read {
	uint32_t bar;
	uint32_t width;
	uint64_t offset;
};
/* At most this many per plugin. */
#define SOFTVFIO_MAX_MIRRORED_READS 32u

/* What the device offers the model (DeviceContext in C++). */
struct softvfio_plugin_host {
	uint32_t abi_version;   /* SOFTVFIO_PLUGIN_ABI_VERSION */
	uint32_t size;          /* sizeof(struct softvfio_plugin_host) */
	void *opaque;           /* the first argument of every function below */
	uint32_t bar;           /* the BAR this instance serves (its first one) */
	uint32_t reserved;
	uint64_t bar_size;      /* the size of BAR `bar` */

	/* DMA by IOVA through the device's IOMMU mappings: -EPERM bus
	 * mastering off, -ENODEV no IOMMU domain, -EFAULT an IOVA not mapped
	 * or without the permission, -EINVAL a length over 1 MiB. */
	int (*dma_read)(void *opaque, uint64_t iova, void *dst, size_t len);
	int (*dma_write)(void *opaque, uint64_t iova, const void *src, size_t len);
	/* 1 when the driver enabled SOFTVFIO_IRQ_MSI or _MSIX, else 0. */
	int (*irq_enabled)(void *opaque, uint32_t kind);
	/* Send a message: -ENODEV no such capability, -EINVAL bad vector. */
	int (*raise_irq)(void *opaque, uint32_t kind, uint32_t vector);
	/* Drive the INTx pin: level 1 asserted, 0 released. */
	int (*set_intx)(void *opaque, int level);
	/* Copy bytes into the memory of BAR `bar` (what an untrapped mapping
	 * reads); mirror_bar() names the BAR. */
	int (*mirror)(void *opaque, uint64_t offset, const void *src, size_t len);
	/* Call deferred(cookie) after `delay_ns`, from the same thread as
	 * every other callback; a reset cancels what has not run. */
	int (*schedule)(void *opaque, uint64_t delay_ns, uint64_t cookie);
	/* One line to the session's log (stderr of `softvfio run`). */
	void (*log)(void *opaque, uint32_t level, const char *message);

	/* ABI 1.1. Store one register's value in BAR `bar`'s memory at
	 * `offset`: one aligned store of `width` bytes (1, 2, 4 or 8;
	 * `offset` a multiple of it), so a process reading the register from
	 * the memory never sees half of an update. How a plugin keeps its
	 * mirrored reads true. -EINVAL: a bad width, an unaligned offset, a
	 * range outside the BAR or a BAR this instance does not serve. */
	int (*mirror_store)(void *opaque, uint32_t bar, uint64_t offset, uint32_t width, uint64_t value);

	/* ABI 1.2. The BARs this instance serves: bit i set for BAR i. One
	 * bit (`bar`) for a plugin served per BAR; for a plugin with
	 * read_bar/write_bar, every register BAR of the function that names
	 * the plugin's file. bar_sizes[i] is BAR i's size in bytes when bit i
	 * is set, else 0. */
	uint32_t bar_mask;
	uint32_t reserved2;
	uint64_t bar_sizes[6];
	/* ABI 1.2. mirror() into BAR `bar`, one this instance serves:
	 * -EINVAL for another BAR or a range outside it. */
	int (*mirror_bar)(void *opaque, uint32_t bar, uint64_t offset, const void *src, size_t len);
};

/* The plugin's table. */
struct softvfio_plugin {
	uint32_t abi_version;   /* SOFTVFIO_PLUGIN_ABI_VERSION */
	uint32_t size;          /* sizeof(struct softvfio_plugin) */
	const char *name;       /* the model's name, for messages */
	/* The device as a TOML description (docs/device-descriptions.md),
	 * whose register BARs say model = "plugin" (and no `plugin` key: it
	 * is this file); NULL when the plugin is only used from a TOML file
	 * that names it. */
	const char *description;
	uint64_t min_bar_size;  /* bytes the registers need */

	/* A new instance for the BARs in host->bar_mask (1.0 and 1.1: for
	 * host->bar), in its power-on state; NULL fails. */
	void *(*create)(const struct softvfio_plugin_host *host);
	void (*destroy)(void *device);
	/* One access of width 1, 2, 4 or 8, naturally aligned, in the BAR.
	 * Required unless read_bar and write_bar are set, and then never
	 * called (read_bar and write_bar win). */
	uint64_t (*read)(void *device, uint64_t offset, uint32_t width);
	void (*write)(void *device, uint64_t offset, uint32_t width, uint64_t value);
	/* A function reset: back to the power-on state. */
	void (*reset)(void *device);
	/* The function's power state changed (optional: NULL). */
	void (*power_state)(void *device, uint32_t state);
	/* A step scheduled with host->schedule() (optional: NULL). */
	void (*deferred)(void *device, uint64_t cookie);

	/* ABI 1.1 (optional: NULL / 0). The reads the plugin promises are
	 * mirrored (struct softvfio_mirrored_read), at most
	 * SOFTVFIO_MAX_MIRRORED_READS. Checked when the plugin is loaded: a
	 * bad entry is a load error naming it. */
	const struct softvfio_mirrored_read *mirrored_reads;
	uint32_t mirrored_read_count;
	uint32_t reserved;

	/* ABI 1.2 (optional: both NULL, or both set). An access to BAR `bar`
	 * (one of host->bar_mask), as read and write. A plugin that sets
	 * them gets one instance per PCI function for all the register BARs
	 * of the function that name its file, instead of one per BAR; read
	 * and write may then be NULL and are not called even when set. */
	uint64_t (*read_bar)(void *device, uint32_t bar, uint64_t offset, uint32_t width);
	void (*write_bar)(void *device, uint32_t bar, uint64_t offset, uint32_t width, uint64_t value);
};

typedef const struct softvfio_plugin *(*softvfio_plugin_entry_fn)(void);

/* Layouts are part of the ABI: they may only grow at the end. */
#if defined(__cplusplus)
static_assert(sizeof(void *) == 8, "softvfio plugins are 64-bit");
static_assert(offsetof(struct softvfio_plugin_host, opaque) == 8, "ABI");
static_assert(offsetof(struct softvfio_plugin_host, bar_size) == 24, "ABI");
static_assert(offsetof(struct softvfio_plugin_host, dma_read) == 32, "ABI");
static_assert(offsetof(struct softvfio_plugin_host, log) == 88, "ABI");
static_assert(offsetof(struct softvfio_plugin_host, mirror_store) == 96, "ABI");
static_assert(offsetof(struct softvfio_plugin_host, bar_mask) == 104, "ABI");
static_assert(offsetof(struct softvfio_plugin_host, bar_sizes) == 112, "ABI");
static_assert(offsetof(struct softvfio_plugin_host, mirror_bar) == 160, "ABI");
static_assert(sizeof(struct softvfio_plugin_host) == 168, "ABI");
static_assert(offsetof(struct softvfio_plugin, name) == 8, "ABI");
static_assert(offsetof(struct softvfio_plugin, min_bar_size) == 24, "ABI");
static_assert(offsetof(struct softvfio_plugin, create) == 32, "ABI");
static_assert(offsetof(struct softvfio_plugin, deferred) == 80, "ABI");
static_assert(offsetof(struct softvfio_plugin, mirrored_reads) == 88, "ABI");
static_assert(offsetof(struct softvfio_plugin, mirrored_read_count) == 96, "ABI");
static_assert(offsetof(struct softvfio_plugin, read_bar) == 104, "ABI");
static_assert(offsetof(struct softvfio_plugin, write_bar) == 112, "ABI");
static_assert(sizeof(struct softvfio_plugin) == 120, "ABI");
static_assert(sizeof(struct softvfio_mirrored_read) == 16, "ABI");
#else
_Static_assert(sizeof(void *) == 8, "softvfio plugins are 64-bit");
_Static_assert(offsetof(struct softvfio_plugin_host, opaque) == 8, "ABI");
_Static_assert(offsetof(struct softvfio_plugin_host, bar_size) == 24, "ABI");
_Static_assert(offsetof(struct softvfio_plugin_host, dma_read) == 32, "ABI");
_Static_assert(offsetof(struct softvfio_plugin_host, log) == 88, "ABI");
_Static_assert(offsetof(struct softvfio_plugin_host, mirror_store) == 96, "ABI");
_Static_assert(offsetof(struct softvfio_plugin_host, bar_mask) == 104, "ABI");
_Static_assert(offsetof(struct softvfio_plugin_host, bar_sizes) == 112, "ABI");
_Static_assert(offsetof(struct softvfio_plugin_host, mirror_bar) == 160, "ABI");
_Static_assert(sizeof(struct softvfio_plugin_host) == 168, "ABI");
_Static_assert(offsetof(struct softvfio_plugin, name) == 8, "ABI");
_Static_assert(offsetof(struct softvfio_plugin, min_bar_size) == 24, "ABI");
_Static_assert(offsetof(struct softvfio_plugin, create) == 32, "ABI");
_Static_assert(offsetof(struct softvfio_plugin, deferred) == 80, "ABI");
_Static_assert(offsetof(struct softvfio_plugin, mirrored_reads) == 88, "ABI");
_Static_assert(offsetof(struct softvfio_plugin, mirrored_read_count) == 96, "ABI");
_Static_assert(offsetof(struct softvfio_plugin, read_bar) == 104, "ABI");
_Static_assert(offsetof(struct softvfio_plugin, write_bar) == 112, "ABI");
_Static_assert(sizeof(struct softvfio_plugin) == 120, "ABI");
_Static_assert(sizeof(struct softvfio_mirrored_read) == 16, "ABI");
#endif

#ifdef __cplusplus
}
#endif

#endif /* SOFTVFIO_DEVICE_PLUGIN_H */
