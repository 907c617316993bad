/* SPDX-License-Identifier: MIT */
/*
 * The program's fd table holds only what the kernel would give it: no fd
 * of softvfio's own is there, whatever the program does with its numbers.
 * It lists /proc/self/fd; lowers RLIMIT_NOFILE (as a program does before
 * select()) and exports and revokes DMABUFs under the low limit; dup2s
 * over arbitrary numbers; and closes everything with close_range, after
 * which the device is closed (its group opens again).
 *
 * usage: fdtable <bdf>
 */
#include "svt.h"

#include <dirent.h>
#include <sys/resource.h>

#include <softvfio/uapi/dma-buf.h>

/* How many fds /proc/self/fd lists, the one reading it aside. */
static int count_fds(void)
{
	DIR *dir = opendir("/proc/self/fd");
	if (!dir)
		return -1;
	int n = 0;
	struct dirent *e;
	while ((e = readdir(dir)))
		if (e->d_name[0] != '.' && atoi(e->d_name) != dirfd(dir))
			n++;
	closedir(dir);
	return n;
}

int main(int argc, char **argv)
{
	int before = count_fds();
	struct svt_dev d;
	SVT_OPEN_FROM_ARGS(argc, argv, &d);
	struct vfio_region_info bar;
	SVT_REQUIRE(svt_region(d.device, 2, &bar) == 0, "BAR2");
	void *map = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, d.device, (off_t)bar.offset);
	SVT_REQUIRE(map != MAP_FAILED, "BAR2 mapped");
	int opened = 3; /* container, group, device */
	SVT_CHECK(count_fds() == before + opened, "/proc/self/fd lists the program's fds and no other (%d, then %d)",
		  before, count_fds());

	/* A low limit, as for select(): every new fd below it, and none of
	 * softvfio's in the way. */
	struct rlimit rl;
	getrlimit(RLIMIT_NOFILE, &rl);
	struct rlimit low = {64, rl.rlim_max};
	SVT_REQUIRE(setrlimit(RLIMIT_NOFILE, &low) == 0, "RLIMIT_NOFILE lowered to 64");
	int bufs[8], good = 0;
	for (int i = 0; i < 8; i++) {
		bufs[i] = svt_export_bar(d.device, 2, (uint64_t)i * 4096, 4096);
		good += bufs[i] >= 0 && bufs[i] < 64;
	}
	SVT_CHECK(good == 8, "8 DMABUFs exported under the low limit, all below it");
	volatile uint32_t *w = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, bufs[3], 0);
	SVT_REQUIRE(w != MAP_FAILED, "a DMABUF mapped");
	w[0] = 0xfdfdfdfd;
	struct vfio_device_feature_dma_buf_revoke revoke = {.dmabuf_fd = bufs[3]};
	int revoked = svt_feature(d.device, VFIO_DEVICE_FEATURE_SET | VFIO_DEVICE_FEATURE_DMA_BUF_REVOKE, &revoke,
				  sizeof(revoke));
	if (revoked == 0) {
		svt_catch_sigbus();
		uint32_t v;
		SVT_CHECK(svt_touch(w, 0, 0, &v) && svt_bus_code == BUS_ADRERR,
			  "REVOKE under the low limit: the mapping faults");
	} else {
		SVT_INFO("REVOKE not in this profile (%s)", strerror(errno));
	}
	SVT_REQUIRE(setrlimit(RLIMIT_NOFILE, &rl) == 0, "RLIMIT_NOFILE back");

	/* dup2 over any number: the program's to take. */
	int busy = 0;
	for (int n = 100; n < 200; n++)
		busy += dup2(1, n) != n;
	SVT_CHECK(busy == 0, "dup2 onto every number from 100 to 199 works");
	for (int n = 100; n < 200; n++)
		close(n);

	/* close_range: everything above stderr, softvfio's nothing. */
	munmap((void *)w, 4096);
	munmap(map, 4096);
	SVT_CHECK(close_range(3, ~0U, 0) == 0, "close_range(3, ~0U, 0)");
	SVT_CHECK(count_fds() == 3, "only stdin, stdout and stderr are left (%d)", count_fds());
	char path[64];
	snprintf(path, sizeof(path), "/dev/vfio/%d", svt_group_of(argv[1]));
	int g = open(path, O_RDWR);
	SVT_CHECK(g >= 0, "the group opens again: the device and its group were closed (%s)", g < 0 ? strerror(errno) : "ok");
	if (g >= 0)
		close(g);
	return svt_finish();
}
