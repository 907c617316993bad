/* SPDX-License-Identifier: MIT */
/*
 * ringdev: a queue-based DMA engine, the example device of
 * docs/device-models.md. Its model is a softvfio plugin (ringdev_plugin.c),
 * its driver a plain VFIO program (ringdev_driver.c); this header is the
 * "datasheet" both are written against.
 *
 * The driver gives the device two rings in DMA memory, a submission ring
 * of descriptors and a completion ring, both QUEUE_SIZE entries, and
 * rings the doorbell (SQ_TAIL) after it wrote descriptors. The device
 * fetches each descriptor by DMA, runs it (copy, fill, checksum between
 * IOVAs), writes a completion entry by DMA whose phase bit flips on every
 * pass over the ring, and raises its completion interrupt: MSI-X vector 0
 * when MSI-X is enabled, else INTx (a level held while
 * IRQ_STATUS is non-zero; write 1 to clear). An IOMMU fault on a data
 * transfer fails that command (status -EFAULT in its completion); one on a
 * ring stops the queue (STATUS.ERROR) until CTRL is written.
 */
#ifndef RINGDEV_H
#define RINGDEV_H

#include <stdint.h>

#define RINGDEV_VENDOR_ID 0x5356      /* the made-up vendor of the nic preset */
#define RINGDEV_DEVICE_ID 0x0010
#define RINGDEV_ID_VALUE 0x52494e47u  /* "RING" */

/* BAR0 registers (4 KiB), 32-bit unless said otherwise. */
#define RINGDEV_REG_ID 0x00           /* RO */
#define RINGDEV_REG_VERSION 0x04      /* RO: 1 */
#define RINGDEV_REG_CTRL 0x08         /* RW: bit 0 enable; any write restarts the queue at index 0 */
#define RINGDEV_REG_STATUS 0x0c       /* RO: bit 0 enabled, bit 1 ring fault */
#define RINGDEV_REG_SQ_BASE 0x10      /* RW 64-bit: IOVA of the submission ring */
#define RINGDEV_REG_CQ_BASE 0x18      /* RW 64-bit: IOVA of the completion ring */
#define RINGDEV_REG_QUEUE_SIZE 0x20   /* RW: entries, a power of two 2..4096 */
#define RINGDEV_REG_SQ_TAIL 0x24      /* RW: the doorbell, the driver's next free slot */
#define RINGDEV_REG_SQ_HEAD 0x28      /* RO: the next slot the device fetches */
#define RINGDEV_REG_CQ_TAIL 0x2c      /* RO: the next completion slot the device writes */
#define RINGDEV_REG_IRQ_STATUS 0x30   /* RW1C: bit 0 completions written */
#define RINGDEV_REG_COMPLETED 0x34    /* RO: commands completed */
#define RINGDEV_REG_FAILED 0x38       /* RO: commands completed with an error */

#define RINGDEV_CTRL_ENABLE 0x1u
#define RINGDEV_STATUS_ENABLED 0x1u
#define RINGDEV_STATUS_RING_FAULT 0x2u
#define RINGDEV_IRQ_COMPLETION 0x1u

#define RINGDEV_BAR0_SIZE 4096
#define RINGDEV_MAX_LENGTH (1u << 20)  /* bytes one command may move */

enum ringdev_opcode {
	RINGDEV_OP_COPY = 1,      /* length bytes from src to dst */
	RINGDEV_OP_FILL = 2,      /* length bytes of the low byte of src to dst */
	RINGDEV_OP_CHECKSUM = 3,  /* sum of the length bytes at src, into the completion's result */
};

struct ringdev_descriptor {   /* 32 bytes, little endian */
	uint32_t opcode;
	uint32_t length;
	uint64_t src;
	uint64_t dst;
	uint64_t tag;             /* echoed in the completion */
};

struct ringdev_completion {   /* 32 bytes */
	uint64_t tag;
	uint64_t result;          /* CHECKSUM: the sum */
	int32_t status;           /* 0, or -errno: -EFAULT an IOMMU fault, -EINVAL a bad descriptor */
	uint32_t phase;           /* 1 on the first pass over the ring, 0 on the next, ... */
	uint64_t reserved;
};

#if defined(__cplusplus)
static_assert(sizeof(struct ringdev_descriptor) == 32, "descriptor layout");
static_assert(sizeof(struct ringdev_completion) == 32, "completion layout");
#else
_Static_assert(sizeof(struct ringdev_descriptor) == 32, "descriptor layout");
_Static_assert(sizeof(struct ringdev_completion) == 32, "completion layout");
#endif

#endif /* RINGDEV_H */
