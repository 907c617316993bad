/* SPDX-License-Identifier: MIT */
/*
 * The ringdev model (ringdev.h) as a softvfio device plugin, in plain C
 * against <softvfio/device_plugin.h>.
 *
 *   softvfio run --device ./ringdev.so -- ./ringdev_driver 5f00:00:01.0
 *
 * How it is built as a device model:
 *  - Register accesses are plain state changes; nothing slow happens in
 *    them. The doorbell only schedules the queue's work on the device
 *    thread (host->schedule), as hardware would start its DMA engine.
 *  - deferred() runs a batch of at most kBatch descriptors, then
 *    reschedules itself if the driver rang for more: a long queue never
 *    holds the device for long, and register accesses interleave with it.
 *  - Every DMA goes through host->dma_read/dma_write, i.e. through the
 *    IOMMU mappings the driver made; their errors are the device's errors.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <softvfio/device_plugin.h>

#include "ringdev.h"

enum { kBatch = 16, kChunk = 4096 };
#define COOKIE_QUEUE 1u

struct ringdev {
	const struct softvfio_plugin_host *host;
	uint32_t ctrl, status, queue_size, sq_tail, sq_head, cq_tail, irq_status;
	uint32_t completed, failed, phase;
	uint64_t sq_base, cq_base;
	int work_scheduled;
};

static void interrupt(struct ringdev *d)
{
	const struct softvfio_plugin_host *h = d->host;
	d->irq_status |= RINGDEV_IRQ_COMPLETION;
	if (h->irq_enabled(h->opaque, SOFTVFIO_IRQ_MSIX) == 1)
		h->raise_irq(h->opaque, SOFTVFIO_IRQ_MSIX, 0);
	else
		h->set_intx(h->opaque, 1);
}

static void mirror_id(struct ringdev *d)
{
	const uint32_t regs[2] = {RINGDEV_ID_VALUE, 1};
	d->host->mirror(d->host->opaque, RINGDEV_REG_ID, regs, sizeof(regs));
}

/* The read-only registers a read may take from BAR0's memory instead of
 * asking the plugin (ABI 1.1, <softvfio/device_plugin.h>): ID and VERSION
 * (mirror_id) and the queue's state, which mirror_state() stores after
 * every callback that may change it. */
static const struct softvfio_mirrored_read ringdev_mirrored[] = {
	{0, 4, RINGDEV_REG_ID},      {0, 4, RINGDEV_REG_VERSION},   {0, 4, RINGDEV_REG_STATUS},
	{0, 4, RINGDEV_REG_SQ_HEAD}, {0, 4, RINGDEV_REG_CQ_TAIL},   {0, 4, RINGDEV_REG_COMPLETED},
	{0, 4, RINGDEV_REG_FAILED},
};

static void mirror_state(struct ringdev *d)
{
	const struct softvfio_plugin_host *h = d->host;
	/* A host before ABI 1.1 has no mirror_store, and ignores the
	 * declaration too. */
	if (h->size < offsetof(struct softvfio_plugin_host, mirror_store) + sizeof(h->mirror_store) ||
	    !h->mirror_store)
		return;
	h->mirror_store(h->opaque, 0, RINGDEV_REG_STATUS, 4, d->status);
	h->mirror_store(h->opaque, 0, RINGDEV_REG_SQ_HEAD, 4, d->sq_head);
	h->mirror_store(h->opaque, 0, RINGDEV_REG_CQ_TAIL, 4, d->cq_tail);
	h->mirror_store(h->opaque, 0, RINGDEV_REG_COMPLETED, 4, d->completed);
	h->mirror_store(h->opaque, 0, RINGDEV_REG_FAILED, 4, d->failed);
}

static void restart_queue(struct ringdev *d)
{
	d->sq_tail = d->sq_head = d->cq_tail = 0;
	d->phase = 1;
	d->status = (d->ctrl & RINGDEV_CTRL_ENABLE) ? RINGDEV_STATUS_ENABLED : 0;
}

static void *ringdev_create(const struct softvfio_plugin_host *host)
{
	struct ringdev *d = calloc(1, sizeof(*d));
	if (d)
		d->host = host;
	return d;
}

static void ringdev_destroy(void *device) { free(device); }

static void ringdev_reset(void *device)
{
	struct ringdev *d = device;
	const struct softvfio_plugin_host *host = d->host;
	memset(d, 0, sizeof(*d));
	d->host = host;
	d->queue_size = 64;
	restart_queue(d);
	mirror_id(d);
	mirror_state(d);
}

static uint32_t read32(struct ringdev *d, uint64_t offset)
{
	switch (offset) {
	case RINGDEV_REG_ID: return RINGDEV_ID_VALUE;
	case RINGDEV_REG_VERSION: return 1;
	case RINGDEV_REG_CTRL: return d->ctrl;
	case RINGDEV_REG_STATUS: return d->status;
	case RINGDEV_REG_SQ_BASE: return (uint32_t)d->sq_base;
	case RINGDEV_REG_SQ_BASE + 4: return (uint32_t)(d->sq_base >> 32);
	case RINGDEV_REG_CQ_BASE: return (uint32_t)d->cq_base;
	case RINGDEV_REG_CQ_BASE + 4: return (uint32_t)(d->cq_base >> 32);
	case RINGDEV_REG_QUEUE_SIZE: return d->queue_size;
	case RINGDEV_REG_SQ_TAIL: return d->sq_tail;
	case RINGDEV_REG_SQ_HEAD: return d->sq_head;
	case RINGDEV_REG_CQ_TAIL: return d->cq_tail;
	case RINGDEV_REG_IRQ_STATUS: return d->irq_status;
	case RINGDEV_REG_COMPLETED: return d->completed;
	case RINGDEV_REG_FAILED: return d->failed;
	default: return 0;
	}
}

static void set_half(uint64_t *reg, uint64_t offset, uint32_t value)
{
	if (offset & 4)
		*reg = (*reg & 0xffffffffu) | ((uint64_t)value << 32);
	else
		*reg = (*reg & ~(uint64_t)0xffffffffu) | value;
}

static void write32(struct ringdev *d, uint64_t offset, uint32_t value)
{
	const struct softvfio_plugin_host *h = d->host;
	switch (offset) {
	case RINGDEV_REG_CTRL:
		d->ctrl = value & RINGDEV_CTRL_ENABLE;
		restart_queue(d);
		break;
	case RINGDEV_REG_SQ_BASE: case RINGDEV_REG_SQ_BASE + 4:
		set_half(&d->sq_base, offset - RINGDEV_REG_SQ_BASE, value);
		break;
	case RINGDEV_REG_CQ_BASE: case RINGDEV_REG_CQ_BASE + 4:
		set_half(&d->cq_base, offset - RINGDEV_REG_CQ_BASE, value);
		break;
	case RINGDEV_REG_QUEUE_SIZE:
		/* Only while stopped, and only what the datasheet allows. */
		if (!(d->ctrl & RINGDEV_CTRL_ENABLE) && value >= 2 && value <= 4096 && !(value & (value - 1)))
			d->queue_size = value;
		break;
	case RINGDEV_REG_SQ_TAIL:
		d->sq_tail = value & (d->queue_size - 1);
		if ((d->status & RINGDEV_STATUS_ENABLED) && !d->work_scheduled &&
		    h->schedule(h->opaque, 0, COOKIE_QUEUE) == 0)
			d->work_scheduled = 1;
		break;
	case RINGDEV_REG_IRQ_STATUS:
		d->irq_status &= ~value;
		if (!d->irq_status)
			h->set_intx(h->opaque, 0);
		break;
	default:
		break;
	}
}

static uint64_t ringdev_read(void *device, uint64_t offset, uint32_t width)
{
	struct ringdev *d = device;
	if (width == 8)
		return read32(d, offset) | ((uint64_t)read32(d, offset + 4) << 32);
	if (width != 4)
		return 0;   /* the registers are 32 and 64 bits wide */
	return read32(d, offset);
}

static void ringdev_write(void *device, uint64_t offset, uint32_t width, uint64_t value)
{
	struct ringdev *d = device;
	if (width == 8) {
		write32(d, offset, (uint32_t)value);
		write32(d, offset + 4, (uint32_t)(value >> 32));
	} else if (width == 4) {
		write32(d, offset, (uint32_t)value);
	}
	mirror_state(d);
}

/* One command: 0 or -errno, the checksum in *result. */
static int run_command(struct ringdev *d, const struct ringdev_descriptor *desc, uint64_t *result)
{
	const struct softvfio_plugin_host *h = d->host;
	uint8_t chunk[kChunk];
	*result = 0;
	if (desc->length > RINGDEV_MAX_LENGTH)
		return -EINVAL;
	for (uint32_t done = 0; done < desc->length;) {
		const uint32_t n = desc->length - done < kChunk ? desc->length - done : kChunk;
		int rc = 0;
		switch (desc->opcode) {
		case RINGDEV_OP_COPY:
			rc = h->dma_read(h->opaque, desc->src + done, chunk, n);
			if (!rc)
				rc = h->dma_write(h->opaque, desc->dst + done, chunk, n);
			break;
		case RINGDEV_OP_FILL:
			memset(chunk, (int)(desc->src & 0xff), n);
			rc = h->dma_write(h->opaque, desc->dst + done, chunk, n);
			break;
		case RINGDEV_OP_CHECKSUM:
			rc = h->dma_read(h->opaque, desc->src + done, chunk, n);
			for (uint32_t i = 0; !rc && i < n; i++)
				*result += chunk[i];
			break;
		default:
			return -EINVAL;
		}
		if (rc)
			return rc;
		done += n;
	}
	return 0;
}

/* A batch of the queue, on the device thread. */
static void ringdev_deferred(void *device, uint64_t cookie)
{
	struct ringdev *d = device;
	const struct softvfio_plugin_host *h = d->host;
	if (cookie != COOKIE_QUEUE)
		return;
	d->work_scheduled = 0;
	int wrote = 0;
	for (int n = 0; n < kBatch && d->sq_head != d->sq_tail && (d->status & RINGDEV_STATUS_ENABLED); n++) {
		struct ringdev_descriptor desc;
		if (h->dma_read(h->opaque, d->sq_base + (uint64_t)d->sq_head * sizeof(desc), &desc, sizeof(desc))) {
			d->status |= RINGDEV_STATUS_RING_FAULT;
			d->status &= ~RINGDEV_STATUS_ENABLED;
			break;
		}
		struct ringdev_completion c = {.tag = desc.tag, .phase = d->phase};
		c.status = run_command(d, &desc, &c.result);
		if (h->dma_write(h->opaque, d->cq_base + (uint64_t)d->cq_tail * sizeof(c), &c, sizeof(c))) {
			d->status |= RINGDEV_STATUS_RING_FAULT;
			d->status &= ~RINGDEV_STATUS_ENABLED;
			break;
		}
		d->sq_head = (d->sq_head + 1) & (d->queue_size - 1);
		d->cq_tail = (d->cq_tail + 1) & (d->queue_size - 1);
		if (d->cq_tail == 0)
			d->phase ^= 1;
		d->completed++;
		if (c.status)
			d->failed++;
		wrote = 1;
	}
	if (wrote)
		interrupt(d);
	if (d->sq_head != d->sq_tail && (d->status & RINGDEV_STATUS_ENABLED) &&
	    h->schedule(h->opaque, 0, COOKIE_QUEUE) == 0)
		d->work_scheduled = 1;
	mirror_state(d);
}

static const struct softvfio_plugin ringdev_plugin = {
	.abi_version = SOFTVFIO_PLUGIN_ABI_VERSION,
	.size = sizeof(struct softvfio_plugin),
	.name = "ringdev",
	.description =
		"name = \"ringdev\"\n"
		"vendor_id = 0x5356\n"
		"device_id = 0x0010\n"
		"class_code = 0x088000\n"    /* other system peripheral */
		"interrupt_pin = 1\n"
		"[[bar]]\n"
		"index = 0\n"
		"kind = \"mem32\"\n"
		"size = \"4KiB\"\n"
		"contents = \"registers\"\n"
		"model = \"plugin\"\n"
		"[[bar]]\n"
		"index = 2\n"
		"kind = \"mem32\"\n"
		"size = \"8KiB\"\n"           /* the MSI-X table and PBA */
		"[msix]\n"
		"vectors = 4\n"
		"table_bar = 2\n"
		"pba_bar = 2\n"
		"pba_offset = 0x1000\n"
		"[express]\n",
	.min_bar_size = RINGDEV_BAR0_SIZE,
	.create = ringdev_create,
	.destroy = ringdev_destroy,
	.read = ringdev_read,
	.write = ringdev_write,
	.reset = ringdev_reset,
	.power_state = NULL,
	.deferred = ringdev_deferred,
	.mirrored_reads = ringdev_mirrored,
	.mirrored_read_count = sizeof(ringdev_mirrored) / sizeof(ringdev_mirrored[0]),
};

__attribute__((visibility("default"))) const struct softvfio_plugin *softvfio_device_plugin(void)
{
	return &ringdev_plugin;
}
