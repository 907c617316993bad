/* SPDX-License-Identifier: MIT */
/*
 * Shared state and helpers of the conformance scenarios. The programs use
 * syscalls and softvfio's own uAPI header only, so the same source builds
 * statically for the QEMU guest and dynamically for `softvfio run`.
 * Devices are found by vendor:device in sysfs and named by preset, since
 * BDFs differ between the guest and the host.
 */
#ifndef CONF_SUITE_H
#define CONF_SUITE_H

#include <stddef.h>
#include <stdint.h>

#include <softvfio/uapi/vfio.h>

#include "record.h"

struct conf_dev {
	const char *name; /* the preset: "ivshmem-plain", "edu" */
	unsigned vendor, device;
	char bdf[32];
	int group; /* the group fd */
	int fd;    /* the device fd */
	uint64_t cfg_off;
};

struct suite {
	int container;
	struct conf_dev ivshmem, edu;
};

/* sysfs: the first PCI function with this vendor:device; 0 on success. */
int find_pci(unsigned vendor, unsigned device, char *bdf, size_t len);
int group_number(const char *bdf);

int region_info(int fd, unsigned index, struct vfio_region_info *ri);
uint64_t region_offset(int fd, unsigned index);
uint32_t cfg_read(const struct conf_dev *d, unsigned off, unsigned width);
int cfg_write(const struct conf_dev *d, unsigned off, unsigned width, uint32_t v);

/* Register access through the region (pread/pwrite of the device fd),
 * width 4 or 8; all ones when the access fails. */
uint64_t bar_rd(const struct conf_dev *d, unsigned bar, uint64_t off, unsigned width);
void bar_wr(const struct conf_dev *d, unsigned bar, uint64_t off, unsigned width, uint64_t v);

/* Access through a mapping; 0 if it worked, 1 if it raised SIGBUS (the
 * si_code is then in sigbus_code()). */
int try_read32(volatile uint32_t *p, uint32_t *out);
int try_write32(volatile uint32_t *p, uint32_t v);
int sigbus_code(void);
void install_sigbus_handler(void);

/* Wait up to ms for an eventfd count; returns the count (0: none). */
uint64_t eventfd_wait(int efd, int ms);

/* The device's power/runtime_status ("active", "suspended", ...) once it
 * reads `want` or ms have passed; "missing" without the attribute. The
 * kernel suspends a device asynchronously (a workqueue runs the idle
 * callback after the last reference is put), so a scenario that depends on
 * the suspended state waits for it instead of racing the workqueue. */
const char *wait_runtime_status(const struct conf_dev *d, const char *want, int ms, char *buf, size_t len);

/* /proc/self/maps fields of the mapping starting at addr: perms, offset
 * column and path name; 0 if found. */
int maps_entry(const void *addr, char *perms, unsigned long long *offset, char *name, size_t name_len);

/* The scenarios, in the order main runs them. */
void scenario_container(void);
void scenario_group(struct suite *s);
void scenario_iommu_info(struct suite *s);
void scenario_device_info(struct conf_dev *d);
void scenario_config(struct conf_dev *d);
void scenario_config_writes(struct conf_dev *d);
void scenario_bar_mmap(struct conf_dev *d);
void scenario_memory_disable(struct conf_dev *d);
void scenario_features(struct conf_dev *d);
void scenario_low_power(struct conf_dev *d);
void scenario_edu_registers(struct conf_dev *d);
void scenario_edu_mmap(struct conf_dev *d);
void scenario_edu_msi(struct conf_dev *d);
void scenario_edu_intx(struct conf_dev *d);
void scenario_dma(struct suite *s);
void scenario_dmabuf(struct conf_dev *d);
void scenario_ivshmem_registers(struct conf_dev *d);
void scenario_edu_ioeventfd(struct conf_dev *d);
void scenario_msi_config(struct conf_dev *d);
void scenario_teardown(struct suite *s);
/* SR-IOV on the nvme PF (1b36:0010), in a container of its own. */
void scenario_sriov(void);

/* Record the outcome of expr (a call returning < 0 with errno on failure),
 * reading errno only after the call. */
#define RET(key, expr)                                                                             \
	do {                                                                                       \
		long r_ = (long)(expr);                                                            \
		int e_ = errno;                                                                    \
		rec_ret(key, r_, e_);                                                              \
	} while (0)

/* Key helper: "<device>.<what>" into a static buffer. */
const char *k(const struct conf_dev *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
