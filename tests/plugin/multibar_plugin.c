/* SPDX-License-Identifier: MIT */
/*
 * A device with two register BARs (BAR0 and BAR2, both served by this
 * file) whose state is shared: a doorbell written in BAR0 is what BAR2's
 * ECHO reads. Built as ABI 1.2 (read_bar/write_bar: one instance per
 * function) and, with MULTIBAR_ABI_11, as an ABI 1.1 table (read/write:
 * one instance per BAR, which then shares nothing).
 *
 * BAR0                                BAR2
 *   0x00 ID 0x6d62 (mirrored)           0x00 ECHO: BAR0's doorbell (mirrored)
 *   0x04 RESETS of this instance        0x04 RESETS of this instance
 *   0x08 DOORBELL (read/write)          0x08 write V: mirror tests (below)
 *                                       0x0c write V: a step sets DOORBELL to V
 *   0x0c POWER: the last power state    0x40 + 8 i: their results (8 bytes)
 *   0x10 SERVES: the BARs it serves     0x10 SERVES
 *   0x14 BAR: the BAR the access named  0x14 BAR
 *   0x18 SIZE: the BAR's size            0x18 SIZE
 *   0x30 write: crash (SIGSEGV)
 *   0x34 write: never returns
 *
 * A write of V to BAR2 0x08 makes, in order: mirror_store(bar 0, 0x100,
 * V), mirror_store(bar 2, 0x100, V), mirror_store(bar 4, 0x100, V) (BAR4
 * is RAM: not the plugin's), mirror_store(bar 1, 0x100, V) (no BAR), and
 * (1.2) mirror_bar(bar 2, 0x200, V) and mirror_bar(bar 4, 0x200, V).
 *
 * Every create, reset, power change and destroy is one line appended to
 * the file $SOFTVFIO_TEST_EVENT_LOG (when set): the tests count them
 * across the device hosts, one process per instance.
 *
 * The write that never returns first writes one byte to the FIFO
 * $SOFTVFIO_TEST_HANG_FIFO (when set), which the test holds open for
 * reading: the test blocks on it until the plugin is in its call, rather
 * than polling the log. A FIFO, named by path, because the device host
 * inherits the test's environment but none of its fds.
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <softvfio/device_plugin.h>

#define EXPORT __attribute__((visibility("default")))

struct dev {
	const struct softvfio_plugin_host *host;
	uint32_t doorbell;
	uint32_t resets;
	uint32_t power;
	int64_t results[6];
};

static void event(const char *fmt, unsigned value)
{
	const char *path = getenv("SOFTVFIO_TEST_EVENT_LOG");
	if (!path)
		return;
	char line[64];
	const int n = snprintf(line, sizeof(line), fmt, value);
	const int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		return;
	/* One write with O_APPEND: lines of several hosts never mix. */
	if (write(fd, line, (size_t)n) != n)
		line[0] = 0;
	close(fd);
}

/* Tell the test this host is in its hung call (see the top). */
static void signal_hang(void)
{
	const char *path = getenv("SOFTVFIO_TEST_HANG_FIFO");
	if (!path)
		return;
	/* Non-blocking: with no reader (the test gave up) this fails at
	 * once instead of hanging before the hang. */
	const int fd = open(path, O_WRONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return;
	/* Nothing to do if it fails: the test's wait fails at its bound. */
	const ssize_t n = write(fd, "h", 1);
	(void)n;
	close(fd);
}

/* The mirrors of the declared reads, in the BARs this instance serves
 * (a 1.1 instance has one of them; a store to the other is refused). */
static void mirror_registers(struct dev *d)
{
	const struct softvfio_plugin_host *h = d->host;
	h->mirror_store(h->opaque, 0, 0x00, 4, 0x6d62);
	h->mirror_store(h->opaque, 2, 0x00, 4, d->doorbell);
}

static uint32_t served(const struct dev *d)
{
#if defined(MULTIBAR_ABI_11)
	return 1u << d->host->bar;
#else
	return d->host->bar_mask;
#endif
}

static void *create(const struct softvfio_plugin_host *host)
{
	struct dev *d = calloc(1, sizeof(*d));
	if (!d)
		return NULL;
	d->host = host;
	event("create %#x\n", served(d));
	return d;
}

static void destroy(void *device)
{
	event("destroy %u\n", 0);
	free(device);
}

static void reset(void *device)
{
	struct dev *d = device;
	d->doorbell = 0;
	d->power = 0;
	d->resets++;
	memset(d->results, 0, sizeof(d->results));
	event("reset %u\n", d->resets);
	mirror_registers(d);
}

static void power_state(void *device, uint32_t state)
{
	struct dev *d = device;
	d->power = state;
	event("power %u\n", state);
}

static uint64_t read_bar(void *device, uint32_t bar, uint64_t offset, uint32_t width)
{
	struct dev *d = device;
	(void)width;
	if (offset == 0x04)
		return d->resets;
	if (offset == 0x10)
		return served(d);
	if (offset == 0x14)
		return bar;
	if (offset == 0x18)
#if defined(MULTIBAR_ABI_11)
		return d->host->bar_size;
#else
		return d->host->bar_sizes[bar];
#endif
	if (bar == 0) {
		switch (offset) {
		case 0x00: return 0x6d62;
		case 0x08: return d->doorbell;
		case 0x0c: return d->power;
		}
		return 0;
	}
	if (offset == 0x00)
		return d->doorbell;
	if (offset >= 0x40 && offset < 0x40 + 8 * 6)
		return (uint64_t)d->results[(offset - 0x40) / 8];
	return 0;
}

static void mirror_tests(struct dev *d, uint32_t value)
{
	const struct softvfio_plugin_host *h = d->host;
	d->results[0] = h->mirror_store(h->opaque, 0, 0x100, 4, value);
	d->results[1] = h->mirror_store(h->opaque, 2, 0x100, 4, value);
	d->results[2] = h->mirror_store(h->opaque, 4, 0x100, 4, value);
	d->results[3] = h->mirror_store(h->opaque, 1, 0x100, 4, value);
#if !defined(MULTIBAR_ABI_11)
	d->results[4] = h->mirror_bar(h->opaque, 2, 0x200, &value, 4);
	d->results[5] = h->mirror_bar(h->opaque, 4, 0x200, &value, 4);
#endif
}

static void write_bar(void *device, uint32_t bar, uint64_t offset, uint32_t width, uint64_t value)
{
	struct dev *d = device;
	(void)width;
	if (bar == 0 && offset == 0x08) {
		d->doorbell = (uint32_t)value;
		/* ECHO is BAR2's register: its mirror goes to BAR2's memory. */
		d->host->mirror_store(d->host->opaque, 2, 0x00, 4, d->doorbell);
	} else if (bar == 0 && offset == 0x30) {
		*(volatile uint32_t *)(uintptr_t)(offset - 0x30) = 1;
	} else if (bar == 0 && offset == 0x34) {
		event("hang %u\n", 0);
		signal_hang();
		for (;;)
			pause();
	} else if (bar == 2 && offset == 0x08) {
		mirror_tests(d, (uint32_t)value);
	} else if (bar == 2 && offset == 0x0c) {
		d->host->schedule(d->host->opaque, 0, value);
	}
}

/* The step BAR2 scheduled rings BAR0's doorbell. */
static void deferred(void *device, uint64_t cookie)
{
	struct dev *d = device;
	d->doorbell = (uint32_t)cookie;
	d->host->mirror_store(d->host->opaque, 2, 0x00, 4, d->doorbell);
}

#if defined(MULTIBAR_ABI_11)
/* A 1.1 instance serves host->bar only: the access is that BAR's. */
static uint64_t read_reg(void *device, uint64_t offset, uint32_t width)
{
	struct dev *d = device;
	return read_bar(device, d->host->bar, offset, width);
}

static void write_reg(void *device, uint64_t offset, uint32_t width, uint64_t value)
{
	struct dev *d = device;
	write_bar(device, d->host->bar, offset, width, value);
}
#endif

static const char kDescription[] =
	"vendor_id = 0x1234\n"
	"device_id = 0x6d62\n"
	"bus_reset = true\n"
	"[[bar]]\nindex = 0\nkind = \"mem32\"\nsize = \"4KiB\"\ncontents = \"registers\"\nmodel = \"plugin\"\n"
	"[[bar]]\nindex = 2\nkind = \"mem32\"\nsize = \"8KiB\"\ncontents = \"registers\"\nmodel = \"plugin\"\n"
	"[[bar]]\nindex = 4\nkind = \"mem32\"\nsize = \"4KiB\"\n"
	"[pm]\n";

static const struct softvfio_mirrored_read kMirrored[] = {{0, 4, 0x00}, {2, 4, 0x00}};

static const struct softvfio_plugin table = {
	.abi_version = SOFTVFIO_PLUGIN_ABI_VERSION,
#if defined(MULTIBAR_ABI_11)
	/* The table as a plugin built against ABI 1.1 has it. */
	.size = offsetof(struct softvfio_plugin, read_bar),
	.name = "multibar-1.1",
	.read = read_reg,
	.write = write_reg,
#else
	.size = sizeof(struct softvfio_plugin),
	.name = "multibar",
	.read_bar = read_bar,
	.write_bar = write_bar,
#endif
	.description = kDescription,
	.min_bar_size = 4096,
	.create = create,
	.destroy = destroy,
	.reset = reset,
	.power_state = power_state,
	.deferred = deferred,
	.mirrored_reads = kMirrored,
	.mirrored_read_count = 2,
};

EXPORT const struct softvfio_plugin *softvfio_device_plugin(void) { return &table; }
