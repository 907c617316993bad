/* SPDX-License-Identifier: MIT */
/*
 * A plugin whose read of 0x10 blocks until the test lets it go, through
 * two FIFOs in $SOFTVFIO_TEST_GATE_DIR: it writes one byte to `entered`
 * (the test, reading it, knows the call is in the plugin) and then waits
 * for one byte on `release`, and answers 0x5107 (or 0 when the FIFO
 * ended without a byte). No sleeps: the test decides when the call ends,
 * or never lets it go and sees the timeout.
 *
 * Other registers: 0x00 reads 0x600d, 0x08 is a scratch register.
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <softvfio/device_plugin.h>

#define EXPORT __attribute__((visibility("default")))

struct dev {
	uint64_t scratch;
};

static void *create(const struct softvfio_plugin_host *host)
{
	(void)host;
	return calloc(1, sizeof(struct dev));
}

static void destroy(void *device) { free(device); }
static void reset(void *device) { ((struct dev *)device)->scratch = 0; }

static int open_fifo(const char *name, int flags)
{
	const char *dir = getenv("SOFTVFIO_TEST_GATE_DIR");
	char path[4096];
	if (!dir || snprintf(path, sizeof(path), "%s/%s", dir, name) >= (int)sizeof(path))
		return -1;
	return open(path, flags | O_CLOEXEC);
}

static uint64_t blocked_read(void)
{
	char byte = 1;
	int fd = open_fifo("entered", O_WRONLY);
	if (fd < 0)
		return 0;
	ssize_t n = write(fd, &byte, 1);
	close(fd);
	if (n != 1)
		return 0;
	fd = open_fifo("release", O_RDONLY);
	if (fd < 0)
		return 0;
	n = read(fd, &byte, 1);
	close(fd);
	return n == 1 ? 0x5107 : 0;
}

static uint64_t read_reg(void *device, uint64_t offset, uint32_t width)
{
	struct dev *d = device;
	(void)width;
	if (offset == 0x00)
		return 0x600d;
	if (offset == 0x08)
		return d->scratch;
	if (offset == 0x10)
		return blocked_read();
	return 0;
}

static void write_reg(void *device, uint64_t offset, uint32_t width, uint64_t value)
{
	(void)width;
	if (offset == 0x08)
		((struct dev *)device)->scratch = value;
}

static const char kDescription[] =
	"vendor_id = 0x1234\n"
	"device_id = 0xb10c\n"
	"bus_reset = true\n"
	"[[bar]]\nindex = 0\nkind = \"mem32\"\nsize = \"4KiB\"\ncontents = \"registers\"\nmodel = \"plugin\"\n";

static const struct softvfio_plugin table = {
	.abi_version = SOFTVFIO_PLUGIN_ABI_VERSION,
	.size = sizeof(struct softvfio_plugin),
	.name = "blocking",
	.description = kDescription,
	.min_bar_size = 256,
	.create = create,
	.destroy = destroy,
	.read = read_reg,
	.write = write_reg,
	.reset = reset,
};

EXPORT const struct softvfio_plugin *softvfio_device_plugin(void) { return &table; }
