/* SPDX-License-Identifier: MIT */
/*
 * Plugins that are wrong on purpose, one per BAD_* macro (CMakeLists.txt
 * builds each as its own .so): files that must be refused with an error of
 * TOML-error quality, and models that crash, hang or answer garbage at run
 * time, which must fail their own device and nothing else.
 *
 * Registers of the ones that load: 0x00 reads 0x600d (the plugin is
 * alive), 0x08 is a scratch register; the rest is each variant's.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <softvfio/device_plugin.h>

#define EXPORT __attribute__((visibility("default")))

struct dev {
	const struct softvfio_plugin_host *host;
	uint64_t scratch;
	int64_t results[8];
};

static void *create(const struct softvfio_plugin_host *host)
{
	struct dev *d = calloc(1, sizeof(*d));
	if (d)
		d->host = host;
	return d;
}

static void destroy(void *device) { free(device); }
static void reset(void *device)
{
	struct dev *d = device;
	d->scratch = 0;
#if defined(BAD_CRASH)
	/* 0x00 is declared mirrored (below): the mirror holds its value. */
	d->host->mirror_store(d->host->opaque, 0, 0x00, 4, 0x600d);
#endif
}

/* The variant's behaviour on reads and writes at 0x10 and above. */
static uint64_t misbehave_read(struct dev *d, uint64_t offset, uint32_t width);
static void misbehave_write(struct dev *d, uint64_t offset, uint32_t width, uint64_t value);

static uint64_t read_reg(void *device, uint64_t offset, uint32_t width)
{
	struct dev *d = device;
	if (offset == 0x00)
		return 0x600d;
	if (offset == 0x08)
		return d->scratch;
	return misbehave_read(d, offset, width);
}

static void write_reg(void *device, uint64_t offset, uint32_t width, uint64_t value)
{
	struct dev *d = device;
	if (offset == 0x08)
		d->scratch = value;
	else
		misbehave_write(d, offset, width, value);
}

#if defined(BAD_CRASH)
/* A read of 0x10 dereferences NULL: SIGSEGV in the device host. */
static uint64_t misbehave_read(struct dev *d, uint64_t offset, uint32_t width)
{
	(void)d; (void)width;
	if (offset == 0x10)
		return *(volatile uint64_t *)(uintptr_t)(offset - 0x10);
	return 0;
}
static void misbehave_write(struct dev *d, uint64_t offset, uint32_t width, uint64_t value)
{
	(void)d; (void)offset; (void)width; (void)value;
}
#elif defined(BAD_HANG)
/* A write of 0x10 never returns. */
static uint64_t misbehave_read(struct dev *d, uint64_t offset, uint32_t width)
{
	(void)d; (void)offset; (void)width;
	return 0;
}
static void misbehave_write(struct dev *d, uint64_t offset, uint32_t width, uint64_t value)
{
	(void)d; (void)width; (void)value;
	if (offset == 0x10)
		for (;;)
			pause();
}
#else
/* Garbage: reads answer more bits than asked for; a write of 0x10 asks the
 * host for everything out of range, the results readable at 0x40 + 8 i. */
static uint64_t misbehave_read(struct dev *d, uint64_t offset, uint32_t width)
{
	(void)width;
	if (offset >= 0x40 && offset < 0x80)
		return (uint64_t)d->results[(offset - 0x40) / 8];
	return 0xdeadbeefcafef00dull;
}
static void misbehave_write(struct dev *d, uint64_t offset, uint32_t width, uint64_t value)
{
	(void)width; (void)value;
	if (offset != 0x10)
		return;
	const struct softvfio_plugin_host *h = d->host;
	static uint8_t big[2u << 20];
	d->results[0] = h->dma_read(h->opaque, 0x1000, big, sizeof(big));
	d->results[1] = h->raise_irq(h->opaque, SOFTVFIO_IRQ_MSI, 999);
	d->results[2] = h->raise_irq(h->opaque, 77, 0);
	d->results[3] = h->mirror(h->opaque, h->bar_size - 2, "abcd", 4);
	int rc = 0;
	for (int i = 0; i < 5000 && rc == 0; i++)
		rc = h->schedule(h->opaque, ~(uint64_t)0, (uint64_t)i);
	d->results[4] = rc;
	d->results[5] = h->irq_enabled(h->opaque, 1234);
	d->results[6] = h->dma_write(h->opaque, 0x1000, NULL, 16);
	h->log(h->opaque, SOFTVFIO_LOG_WARNING, "garbage \x01\x02 in a log line");
}
#endif

static const char kDescription[] =
	"vendor_id = 0x1234\n"
	"device_id = 0xbad0\n"
	"[[bar]]\nindex = 0\nkind = \"mem32\"\nsize = \"4KiB\"\ncontents = \"registers\"\nmodel = \"plugin\"\n"
	"[msi]\nvectors = 1\n";

static struct softvfio_plugin table = {
	.abi_version = SOFTVFIO_PLUGIN_ABI_VERSION,
	.size = sizeof(struct softvfio_plugin),
	.name = "bad",
	.description = kDescription,
	.min_bar_size = 256,
	.create = create,
	.destroy = destroy,
	.read = read_reg,
	.write = write_reg,
	.reset = reset,
};

/* ABI 1.2: an access by BAR index. Set with read and write, it wins:
 * 0x00 then reads 0xba5 instead of 0x600d. */
__attribute__((unused)) static uint64_t read_bar(void *device, uint32_t bar, uint64_t offset, uint32_t width)
{
	(void)bar;
	return offset == 0x00 ? 0xba5 : read_reg(device, offset, width);
}
__attribute__((unused)) static void write_bar(void *device, uint32_t bar, uint64_t offset, uint32_t width, uint64_t value)
{
	(void)bar;
	write_reg(device, offset, width, value);
}

#if defined(BAD_NO_ENTRY)
EXPORT const struct softvfio_plugin *some_other_symbol(void) { return &table; }
#else
EXPORT const struct softvfio_plugin *softvfio_device_plugin(void)
{
#if defined(BAD_ABI)
	table.abi_version = 99;
#elif defined(BAD_NULL_TABLE)
	return NULL;
#elif defined(BAD_NULL_READ)
	table.read = NULL;
#elif defined(BAD_SHORT)
	table.size = 16;
#elif defined(BAD_CRASH_LOAD)
	return *(const struct softvfio_plugin *volatile *)(uintptr_t)0;
#elif defined(BAD_NO_DESCRIPTION)
	table.description = NULL;
#elif defined(BAD_BIG_BAR)
	table.min_bar_size = 1u << 20;
#elif defined(BAD_CRASH)
	static const struct softvfio_mirrored_read r[] = {{0, 4, 0x00}};
	table.mirrored_reads = r;
	table.mirrored_read_count = 1;
#elif defined(BAD_MIRROR_UNALIGNED)
	static const struct softvfio_mirrored_read r[] = {{0, 4, 0x00}, {0, 4, 0x0a}};
	table.mirrored_reads = r;
	table.mirrored_read_count = 2;
#elif defined(BAD_MIRROR_WIDTH)
	static const struct softvfio_mirrored_read r[] = {{0, 3, 0x00}};
	table.mirrored_reads = r;
	table.mirrored_read_count = 1;
#elif defined(BAD_MIRROR_OUTSIDE)
	static const struct softvfio_mirrored_read r[] = {{0, 8, 0x1000}};
	table.mirrored_reads = r;
	table.mirrored_read_count = 1;
#elif defined(BAD_MIRROR_BAR)
	static const struct softvfio_mirrored_read r[] = {{2, 4, 0x00}};
	table.mirrored_reads = r;
	table.mirrored_read_count = 1;
#elif defined(BAD_MIRROR_MANY)
	static struct softvfio_mirrored_read r[SOFTVFIO_MAX_MIRRORED_READS + 1];
	for (unsigned i = 0; i <= SOFTVFIO_MAX_MIRRORED_READS; i++)
		r[i] = (struct softvfio_mirrored_read){0, 4, 4u * i};
	table.mirrored_reads = r;
	table.mirrored_read_count = SOFTVFIO_MAX_MIRRORED_READS + 1;
#elif defined(BAD_MIRROR_NULL)
	table.mirrored_read_count = 1;
#elif defined(BAD_READ_BAR_WINS)
	/* Not bad: read and write, and read_bar and write_bar. */
	table.read_bar = read_bar;
	table.write_bar = write_bar;
#elif defined(BAD_HALF_BAR)
	table.read_bar = read_bar;
#elif defined(BAD_OLD_TABLE)
	/* Not bad: a table of ABI 1.0, which ends before mirrored_reads;
	 * what lies past its size is never read. */
	table.size = offsetof(struct softvfio_plugin, mirrored_reads);
	static const struct softvfio_mirrored_read r[] = {{0, 3, 0x01}};
	table.mirrored_reads = r;
	table.mirrored_read_count = 99;
#endif
	return &table;
}
#endif
