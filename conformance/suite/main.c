/* SPDX-License-Identifier: MIT */
/*
 * conformance-suite: runs the scenarios against whatever VFIO the process
 * sees (a real kernel, or softvfio under `softvfio run`) and writes the
 * record to stdout.
 *
 *   conformance-suite [--framed] [--dmabuf]
 *
 * --framed   prefix every record line for the serial console (the guest)
 * --dmabuf   run only the DMABUF scenario (softvfio, series-v4 profile)
 * Exit status: 0 if every self-check passed, 1 if one failed, 2 if the
 * devices were not found.
 */
#define _GNU_SOURCE
#include "suite.h"

#include <stdio.h>
#include <string.h>

static int find(struct conf_dev *d)
{
	if (find_pci(d->vendor, d->device, d->bdf, sizeof(d->bdf)) == 0)
		return 0;
	fprintf(stderr, "conformance-suite: no %s (%04x:%04x) in /sys/bus/pci/devices\n", d->name, d->vendor,
		d->device);
	return -1;
}

int main(int argc, char **argv)
{
	int framed = 0, dmabuf = 0;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--framed"))
			framed = 1;
		else if (!strcmp(argv[i], "--dmabuf"))
			dmabuf = 1;
	}
	rec_init(framed);
	struct suite s = {
		.container = -1,
		.ivshmem = {.name = "ivshmem-plain", .vendor = 0x1af4, .device = 0x1110, .group = -1, .fd = -1},
		.edu = {.name = "edu", .vendor = 0x1234, .device = 0x11e8, .group = -1, .fd = -1},
	};
	if (find(&s.ivshmem) || find(&s.edu))
		return 2;
	if (dmabuf)
		rec_force_only("series-v4");
	else
		scenario_container();
	scenario_group(&s);
	if (s.ivshmem.fd < 0 || s.edu.fd < 0) {
		rec_finish();
		return 1;
	}
	if (dmabuf) {
		scenario_dmabuf(&s.ivshmem);
		return rec_finish() ? 1 : 0;
	}
	scenario_iommu_info(&s);
	scenario_device_info(&s.ivshmem);
	scenario_device_info(&s.edu);
	scenario_config(&s.ivshmem);
	scenario_config(&s.edu);
	scenario_config_writes(&s.ivshmem);
	scenario_config_writes(&s.edu);
	scenario_bar_mmap(&s.ivshmem);
	scenario_memory_disable(&s.ivshmem);
	scenario_features(&s.ivshmem);
	scenario_features(&s.edu);
	scenario_low_power(&s.ivshmem);
	scenario_edu_registers(&s.edu);
	scenario_edu_mmap(&s.edu);
	scenario_edu_msi(&s.edu);
	scenario_edu_intx(&s.edu);
	scenario_dma(&s);
	scenario_ivshmem_registers(&s.ivshmem);
	scenario_edu_ioeventfd(&s.edu);
	scenario_msi_config(&s.edu);
	scenario_teardown(&s);
	scenario_sriov();
	return rec_finish() ? 1 : 0;
}
