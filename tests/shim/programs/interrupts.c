/* SPDX-License-Identifier: MIT */
/*
 * Interrupts through eventfds: VFIO_DEVICE_SET_IRQS with DATA_EVENTFD binds
 * one eventfd per vector, a DATA_NONE / DATA_BOOL trigger fires vectors from
 * userspace (a loopback needs no device), poll() sees exactly the vectors
 * fired, and count 0 disables the index.
 *
 * usage: interrupts <bdf>
 */
#include "svt.h"

#include <poll.h>
#include <sys/eventfd.h>

static int set_irqs(int device, uint32_t flags, uint32_t index, uint32_t start, uint32_t count, const void *data,
		    size_t data_size)
{
	size_t size = sizeof(struct vfio_irq_set) + data_size;
	struct vfio_irq_set *set = calloc(1, size);
	set->argsz = (uint32_t)size;
	set->flags = flags;
	set->index = index;
	set->start = start;
	set->count = count;
	if (data_size)
		memcpy(set->data, data, data_size);
	int r = ioctl(device, VFIO_DEVICE_SET_IRQS, set);
	free(set);
	return r;
}

/* Which of the eventfds are readable now, as a bit mask. */
static unsigned ready(const int *fds, int n)
{
	struct pollfd p[8];
	for (int i = 0; i < n; i++)
		p[i] = (struct pollfd){.fd = fds[i], .events = POLLIN};
	if (poll(p, (nfds_t)n, 200) <= 0)
		return 0;
	unsigned mask = 0;
	for (int i = 0; i < n; i++)
		if (p[i].revents & POLLIN)
			mask |= 1u << i;
	return mask;
}

int main(int argc, char **argv)
{
	struct svt_dev d;
	SVT_OPEN_FROM_ARGS(argc, argv, &d);

	uint32_t index = VFIO_PCI_MSIX_IRQ_INDEX;
	struct vfio_irq_info irq = {.argsz = sizeof(irq), .index = index};
	SVT_REQUIRE(ioctl(d.device, VFIO_DEVICE_GET_IRQ_INFO, &irq) == 0, "GET_IRQ_INFO MSI-X");
	if (irq.count < 2) {
		index = VFIO_PCI_MSI_IRQ_INDEX;
		irq = (struct vfio_irq_info){.argsz = sizeof(irq), .index = index};
		SVT_REQUIRE(ioctl(d.device, VFIO_DEVICE_GET_IRQ_INFO, &irq) == 0, "GET_IRQ_INFO MSI");
	}
	SVT_REQUIRE(irq.count >= 2 && (irq.flags & VFIO_IRQ_INFO_EVENTFD), "index %u: %u vectors, flags 0x%x", index,
		    irq.count, irq.flags);

	int efd[2] = {eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC), eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)};
	SVT_CHECK(set_irqs(d.device, VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_TRIGGER, index, 0, 2, efd,
			   sizeof(efd)) == 0,
		  "SET_IRQS: eventfds %d, %d on vectors 0, 1", efd[0], efd[1]);
	uint64_t count;

	SVT_CHECK(set_irqs(d.device, VFIO_IRQ_SET_DATA_NONE | VFIO_IRQ_SET_ACTION_TRIGGER, index, 1, 1, NULL, 0) == 0,
		  "loopback trigger of vector 1");
	SVT_CHECK(ready(efd, 2) == 2, "poll: vector 1 fired, vector 0 did not");
	SVT_CHECK(read(efd[1], &count, 8) == 8 && count == 1, "eventfd count %llu", (unsigned long long)count);

	uint8_t bools[2] = {1, 0};
	SVT_CHECK(set_irqs(d.device, VFIO_IRQ_SET_DATA_BOOL | VFIO_IRQ_SET_ACTION_TRIGGER, index, 0, 2, bools, 2) == 0,
		  "DATA_BOOL trigger {1, 0}");
	SVT_CHECK(ready(efd, 2) == 1, "poll: vector 0 fired");
	SVT_CHECK(read(efd[0], &count, 8) == 8 && count == 1, "eventfd count %llu", (unsigned long long)count);

	SVT_CHECK(set_irqs(d.device, VFIO_IRQ_SET_DATA_NONE | VFIO_IRQ_SET_ACTION_TRIGGER, index, 0, 0, NULL, 0) == 0,
		  "count 0 disables the index");
	errno = 0;
	SVT_CHECK(set_irqs(d.device, VFIO_IRQ_SET_DATA_NONE | VFIO_IRQ_SET_ACTION_TRIGGER, index, 0, 1, NULL, 0) < 0 &&
			  errno == EINVAL && ready(efd, 2) == 0,
		  "a trigger of the disabled index: EINVAL, nothing signalled");
	close(efd[0]);
	close(efd[1]);
	svt_close_dev(&d);
	return svt_finish();
}
