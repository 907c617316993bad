/* SPDX-License-Identifier: MIT */
/*
 * Several threads opening and using devices at once: each thread opens its
 * own device through its own container and group, maps a BAR, moves data
 * and reads config space, over and over; more threads share one device fd.
 *
 * usage: threads <bdf>...
 */
#include "svt.h"

#include <pthread.h>

#define ROUNDS 25

struct job {
	const char *bdf;
	int failures;
	int shared_fd;
	const char *first; /* the first failing step, and its errno */
	int first_errno;
};

static void failed(struct job *job, const char *step)
{
	if (!job->failures++) {
		job->first = step;
		job->first_errno = errno;
	}
}

static void *own_device(void *arg)
{
	struct job *job = arg;
	for (int round = 0; round < ROUNDS; round++) {
		struct svt_dev d;
		if (svt_open_group_path(job->bdf, &d) != 0) {
			failed(job, d.container < 0	? "open the container"
				    : d.group < 0	? "open the group"
				    : d.device < 0	? "get the device fd"
							: "set up the container");
			svt_close_dev(&d);
			continue;
		}
		struct vfio_region_info bar;
		volatile uint32_t *map = MAP_FAILED;
		if (svt_region(d.device, 0, &bar) == 0 && (bar.flags & VFIO_REGION_INFO_FLAG_MMAP))
			map = mmap(NULL, 4096, PROT_READ, MAP_SHARED, d.device, (off_t)bar.offset);
		if (map == MAP_FAILED) {
			failed(job, "map BAR0");
		} else {
			/* BAR0 may hold registers: compare a read through the
			 * mapping with one through the region, nothing more. */
			uint32_t back = 0;
			if (pread(d.device, &back, 4, (off_t)bar.offset) != 4 || back != map[0])
				failed(job, "compare BAR0 word 0");
			munmap((void *)map, 4096);
		}
		if (svt_config_read(d.device, 0, 2) == 0xffff)
			failed(job, "read config space");
		svt_close_dev(&d);
	}
	return NULL;
}

static void *shared_device(void *arg)
{
	struct job *job = arg;
	for (int i = 0; i < 20 * ROUNDS; i++) {
		struct vfio_device_info info = {.argsz = sizeof(info)};
		struct vfio_region_info r;
		if (ioctl(job->shared_fd, VFIO_DEVICE_GET_INFO, &info) != 0 || svt_region(job->shared_fd, 7, &r) != 0)
			failed(job, "device info");
	}
	return NULL;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: %s <bdf>...\n", argv[0]);
		return 2;
	}
	int n = argc - 1;
	pthread_t t[16];
	struct job jobs[16];
	SVT_REQUIRE(n <= 8, "%d devices", n);
	for (int i = 0; i < n; i++) {
		jobs[i] = (struct job){argv[i + 1], 0, -1, "", 0};
		pthread_create(&t[i], NULL, own_device, &jobs[i]);
	}
	for (int i = 0; i < n; i++)
		pthread_join(t[i], NULL);
	for (int i = 0; i < n; i++)
		SVT_CHECK(jobs[i].failures == 0, "thread on %s: %d failures in %d rounds (first: %s, errno %d)", jobs[i].bdf,
			  jobs[i].failures, ROUNDS, jobs[i].first, jobs[i].first_errno);

	/* One device, many threads. */
	struct svt_dev d;
	SVT_REQUIRE(svt_open_group_path(argv[1], &d) == 0, "open %s", argv[1]);
	for (int i = 0; i < 4; i++) {
		jobs[i] = (struct job){argv[1], 0, d.device, "", 0};
		pthread_create(&t[i], NULL, shared_device, &jobs[i]);
	}
	for (int i = 0; i < 4; i++)
		pthread_join(t[i], NULL);
	int failures = 0;
	for (int i = 0; i < 4; i++)
		failures += jobs[i].failures;
	SVT_CHECK(failures == 0, "4 threads on one device fd: %d failures (first: %s, errno %d)", failures, jobs[0].first,
		  jobs[0].first_errno);
	svt_close_dev(&d);
	return svt_finish();
}
