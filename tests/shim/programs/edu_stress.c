/* SPDX-License-Identifier: MIT */
/*
 * Threads hammer edu's registers through a mapping of BAR0 while the main
 * thread turns memory decoding off and on:
 *
 *   edu_stress <bdf> [rounds]
 *
 * Every trapped read gives the register's value or SIGBUS, never anything
 * else; none succeeds while memory is off (judged by what the main thread
 * published after its config write returned, as in the session's chaos
 * test); and once memory is back on for good every thread reads the
 * registers again. Threads meet through atomics, never by sleeping.
 */
#include "svt.h"

#include <pthread.h>
#include <stdatomic.h>

#define EDU_ID 0x00
#define EDU_ID_VALUE 0x010000edu
#define THREADS 3
#define READS_PER_PHASE 64

static volatile uint8_t *bar;
static atomic_uint phase;      /* odd: "memory off" returned */
static atomic_int stop;
static atomic_ulong reads, faults, wrong, after_off, violations;

static __thread sigjmp_buf t_jump;
static __thread volatile int t_in_probe;

static void on_sigbus(int sig, siginfo_t *si, void *context)
{
	(void)sig;
	(void)si;
	(void)context;
	if (t_in_probe)
		siglongjmp(t_jump, 1);
	abort();
}

/* One read of the ID register: 1 if it raised SIGBUS. */
static int probe(uint32_t *out)
{
	t_in_probe = 1;
	if (sigsetjmp(t_jump, 1)) {
		t_in_probe = 0;
		return 1;
	}
	*out = *(volatile uint32_t *)(bar + EDU_ID);
	t_in_probe = 0;
	return 0;
}

static void *hammer(void *arg)
{
	(void)arg;
	while (!atomic_load(&stop)) {
		const unsigned before = atomic_load(&phase);
		uint32_t v = 0;
		const int bus = probe(&v);
		const int off = (before & 1) && atomic_load(&phase) == before;
		atomic_fetch_add(&reads, 1);
		if (bus)
			atomic_fetch_add(&faults, 1);
		else if (v != EDU_ID_VALUE)
			atomic_fetch_add(&wrong, 1);
		if (off) {
			atomic_fetch_add(&after_off, 1);
			if (!bus)
				atomic_fetch_add(&violations, 1);
		}
	}
	return NULL;
}

static void wait_for_reads(unsigned long from)
{
	while (atomic_load(&reads) < from + READS_PER_PHASE)
		sched_yield();
}

int main(int argc, char **argv)
{
	if (argc < 2 || argc > 3) {
		fprintf(stderr, "usage: %s <bdf> [rounds]\n", argv[0]);
		return 2;
	}
	const int rounds = argc == 3 ? atoi(argv[2]) : 100;
	struct svt_dev d;
	SVT_REQUIRE(svt_open_group_path(argv[1], &d) == 0, "open %s", argv[1]);
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_sigbus;
	sa.sa_flags = SA_SIGINFO | SA_NODEFER;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGBUS, &sa, NULL);
	const uint32_t cmd = svt_config_read(d.device, 0x04, 2) | 0x2;
	SVT_REQUIRE(svt_config_write(d.device, 0x04, 2, cmd) == 0, "memory on");
	struct vfio_region_info info;
	SVT_REQUIRE(svt_region(d.device, VFIO_PCI_BAR0_REGION_INDEX, &info) == 0, "BAR0 region info");
	void *p = mmap(NULL, info.size, PROT_READ | PROT_WRITE, MAP_SHARED, d.device, (off_t)info.offset);
	SVT_REQUIRE(p != MAP_FAILED, "mmap of BAR0");
	bar = p;

	pthread_t threads[THREADS];
	for (int i = 0; i < THREADS; i++)
		SVT_REQUIRE(pthread_create(&threads[i], NULL, hammer, NULL) == 0, "thread %d", i);
	int config_ok = 1;
	for (int r = 0; r < rounds; r++) {
		config_ok &= svt_config_write(d.device, 0x04, 2, cmd & ~2u) == 0;
		atomic_fetch_add(&phase, 1);   /* odd: off returned */
		wait_for_reads(atomic_load(&reads));
		atomic_fetch_add(&phase, 1);   /* even: on is about to be made */
		config_ok &= svt_config_write(d.device, 0x04, 2, cmd) == 0;
		wait_for_reads(atomic_load(&reads));
	}
	atomic_store(&stop, 1);
	for (int i = 0; i < THREADS; i++)
		pthread_join(threads[i], NULL);

	SVT_CHECK(config_ok, "every command write succeeded");
	SVT_INFO("%lu reads, %lu SIGBUS, %lu with memory off", atomic_load(&reads), atomic_load(&faults),
		 atomic_load(&after_off));
	SVT_CHECK(atomic_load(&wrong) == 0, "no read gave another value (%lu did)", atomic_load(&wrong));
	SVT_CHECK(atomic_load(&violations) == 0, "no read succeeded after memory off returned (%lu did)",
		  atomic_load(&violations));
	SVT_CHECK(atomic_load(&after_off) > 0 && atomic_load(&faults) > 0 && atomic_load(&reads) > atomic_load(&faults),
		  "both outcomes happened");
	uint32_t v = 0;
	SVT_CHECK(probe(&v) == 0 && v == EDU_ID_VALUE, "the register after the last memory on");
	munmap(p, info.size);
	svt_close_dev(&d);
	return svt_finish();
}
