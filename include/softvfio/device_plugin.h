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
 * runs the plugin in a process of its own (a device host), one per
 * register BAR that names it, and forwards the BAR's accesses to it; a
 * plugin that crashes, hangs or answers garbage fails its device, never
 * the session (the device then reads all ones, as a surprise-removed
 * device does).
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
 * (softvfio_plugin.mirrored_reads, softvfio_plugin_host.mirror_store). */
#define SOFTVFIO_PLUGIN_ABI_MINOR 1u
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
	uint32_t bar;           /* the BAR this instance serves */
	uint32_t reserved;
	uint64_t bar_size;

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
	/* Copy bytes into the BAR's memory (what an untrapped mapping reads). */
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

	/* A new instance for host->bar, in its power-on state; NULL fails. */
	void *(*create)(const struct softvfio_plugin_host *host);
	void (*destroy)(void *device);
	/* One access of width 1, 2, 4 or 8, naturally aligned, in the BAR. */
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
static_assert(sizeof(struct softvfio_plugin_host) == 104, "ABI");
static_assert(offsetof(struct softvfio_plugin, name) == 8, "ABI");
static_assert(offsetof(struct softvfio_plugin, min_bar_size) == 24, "ABI");
static_assert(offsetof(struct softvfio_plugin, create) == 32, "ABI");
static_assert(offsetof(struct softvfio_plugin, deferred) == 80, "ABI");
static_assert(offsetof(struct softvfio_plugin, mirrored_reads) == 88, "ABI");
static_assert(offsetof(struct softvfio_plugin, mirrored_read_count) == 96, "ABI");
static_assert(sizeof(struct softvfio_plugin) == 104, "ABI");
static_assert(sizeof(struct softvfio_mirrored_read) == 16, "ABI");
#else
_Static_assert(sizeof(void *) == 8, "softvfio plugins are 64-bit");
_Static_assert(offsetof(struct softvfio_plugin_host, opaque) == 8, "ABI");
_Static_assert(offsetof(struct softvfio_plugin_host, bar_size) == 24, "ABI");
_Static_assert(offsetof(struct softvfio_plugin_host, dma_read) == 32, "ABI");
_Static_assert(offsetof(struct softvfio_plugin_host, log) == 88, "ABI");
_Static_assert(offsetof(struct softvfio_plugin_host, mirror_store) == 96, "ABI");
_Static_assert(sizeof(struct softvfio_plugin_host) == 104, "ABI");
_Static_assert(offsetof(struct softvfio_plugin, name) == 8, "ABI");
_Static_assert(offsetof(struct softvfio_plugin, min_bar_size) == 24, "ABI");
_Static_assert(offsetof(struct softvfio_plugin, create) == 32, "ABI");
_Static_assert(offsetof(struct softvfio_plugin, deferred) == 80, "ABI");
_Static_assert(offsetof(struct softvfio_plugin, mirrored_reads) == 88, "ABI");
_Static_assert(offsetof(struct softvfio_plugin, mirrored_read_count) == 96, "ABI");
_Static_assert(sizeof(struct softvfio_plugin) == 104, "ABI");
_Static_assert(sizeof(struct softvfio_mirrored_read) == 16, "ABI");
#endif

#ifdef __cplusplus
}
#endif

#endif /* SOFTVFIO_DEVICE_PLUGIN_H */
