/* SPDX-License-Identifier: MIT */
/*
 * fork(): the child keeps working with the device fd and BAR mapping it
 * inherited (kernel-style selftests run each case in a child), the parent's
 * device stays open when the child closes its copy, and forks taken while
 * another thread is busy in VFIO calls give children that work.
 *
 * usage: fork <bdf>
 */
#include "svt.h"

#include <pthread.h>
#include <sys/wait.h>

static struct svt_dev d;
static volatile uint32_t *map;
static int stop; /* __atomic: the busy thread polls it */

static int child_checks(void)
{
	int bad = 0;
	struct vfio_device_info info = {.argsz = sizeof(info)};
	bad += ioctl(d.device, VFIO_DEVICE_GET_INFO, &info) != 0 || !(info.flags & VFIO_DEVICE_FLAGS_PCI);
	bad += map[0] != 0x11111111;
	map[1] = 0x22222222;
	uint32_t w = 0;
	struct vfio_region_info bar;
	bad += svt_region(d.device, 0, &bar) != 0;
	bad += pread(d.device, &w, 4, (off_t)(bar.offset + 4)) != 4 || w != 0x22222222;
	/* Closing the child's copies must not close the parent's device. */
	bad += close(d.device) != 0;
	return bad;
}

static void *busy(void *arg)
{
	(void)arg;
	while (!__atomic_load_n(&stop, __ATOMIC_ACQUIRE)) {
		struct vfio_device_info info = {.argsz = sizeof(info)};
		ioctl(d.device, VFIO_DEVICE_GET_INFO, &info);
		uint32_t v;
		pread(d.device, &v, 4, (off_t)VFIO_PCI_CONFIG_REGION_INDEX << 40);
	}
	return NULL;
}

int main(int argc, char **argv)
{
	SVT_OPEN_FROM_ARGS(argc, argv, &d);
	struct vfio_region_info bar;
	SVT_REQUIRE(svt_region(d.device, 0, &bar) == 0 && (bar.flags & VFIO_REGION_INFO_FLAG_MMAP), "BAR0 mappable");
	map = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, d.device, (off_t)bar.offset);
	SVT_REQUIRE(map != MAP_FAILED, "mmap BAR0");
	map[0] = 0x11111111;

	pid_t pid = fork();
	if (pid == 0)
		_exit(child_checks());
	int status = 0;
	SVT_CHECK(waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0,
		  "the child used the inherited fd and mapping (status 0x%x)", status);
	SVT_CHECK(map[1] == 0x22222222, "the child's write is in the parent's mapping");
	struct vfio_device_info info = {.argsz = sizeof(info)};
	SVT_CHECK(ioctl(d.device, VFIO_DEVICE_GET_INFO, &info) == 0, "the parent's device fd still works");

	/* A child that disables memory: the device is the parent's too, so
	 * every mapping of it faults, the child's and the parent's, until the
	 * parent enables memory again (data intact). */
	pid = fork();
	if (pid == 0) {
		svt_catch_sigbus();
		uint16_t cmd = (uint16_t)svt_config_read(d.device, 0x04, 2);
		svt_config_write(d.device, 0x04, 2, cmd & ~0x2u);
		uint32_t v;
		_exit(svt_touch(map, 0, 0, &v) && svt_bus_code == BUS_ADRERR ? 0 : 1);
	}
	SVT_CHECK(waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0,
		  "a child that clears PCI_COMMAND.MEMORY gets SIGBUS from its mapping");
	svt_catch_sigbus();
	uint32_t seen;
	SVT_CHECK(svt_touch(map, 0, 0, &seen) && svt_bus_code == BUS_ADRERR,
		  "the parent's mapping of the same device faults too");
	uint16_t cmd = (uint16_t)svt_config_read(d.device, 0x04, 2);
	svt_config_write(d.device, 0x04, 2, cmd | 0x2u);
	SVT_CHECK(!svt_touch(map, 0, 0, &seen) && seen == 0x11111111,
		  "memory enabled again by the parent: its mapping works, data intact");

	/* Forks while another thread is inside VFIO calls. */
	pthread_t t;
	pthread_create(&t, NULL, busy, NULL);
	int good = 0;
	for (int i = 0; i < 20; i++) {
		pid = fork();
		if (pid == 0) {
			struct vfio_device_info ci = {.argsz = sizeof(ci)};
			uint32_t w = 0;
			int ok = ioctl(d.device, VFIO_DEVICE_GET_INFO, &ci) == 0 &&
				 pread(d.device, &w, 4, (off_t)VFIO_PCI_CONFIG_REGION_INDEX << 40) == 4 && map[0] == 0x11111111;
			_exit(ok ? 0 : 1);
		}
		if (pid > 0 && waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0)
			good++;
	}
	__atomic_store_n(&stop, 1, __ATOMIC_RELEASE);
	pthread_join(t, NULL);
	SVT_CHECK(good == 20, "%d of 20 children forked during VFIO calls in another thread worked", good);

	munmap((void *)map, 4096);
	svt_close_dev(&d);
	return svt_finish();
}
