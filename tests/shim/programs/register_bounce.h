/* SPDX-License-Identifier: MIT */
/*
 * What the register-bounce programs share (register_bounce.c: pipes and
 * regular files; register_bounce_socket.c: sockets): edu's registers,
 * BAR0's first page mapped, the set-up main does and its case table.
 */
#ifndef REGISTER_BOUNCE_H
#define REGISTER_BOUNCE_H

#include "svt.h"

#include <sys/uio.h>
#include <sys/wait.h>

#define EDU_ID 0x00
#define EDU_LIVENESS 0x04
#define EDU_FACTORIAL 0x08
#define EDU_STATUS 0x20
#define EDU_ID_VALUE 0x010000edu
#define PAGE 4096

static int device = -1;
static off_t bar0;

static inline uint32_t rd32(volatile uint8_t *bar, unsigned off) { return *(volatile uint32_t *)(bar + off); }
static inline void wr32(volatile uint8_t *bar, unsigned off, uint32_t v) { *(volatile uint32_t *)(bar + off) = v; }

/* The first page of BAR0, at `at` (MAP_FIXED) or anywhere. */
static inline uint8_t *map_bar(void *at, int prot)
{
	void *p = mmap(at, PAGE, prot, MAP_SHARED | (at ? MAP_FIXED : 0), device, bar0);
	return p == MAP_FAILED ? NULL : p;
}

/* Room of `pages` pages of RAM with BAR0's first page mapped right after
 * it: returns the register page; *ram is the room. `after`: the
 * protection of one more page of the program's own after the registers
 * (-1: none). */
static inline uint8_t *ram_then_bar(size_t pages, uint8_t **ram, int after)
{
	size_t len = (pages + 1 + (after >= 0 ? 1 : 0)) * PAGE;
	uint8_t *room = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (room == MAP_FAILED)
		return NULL;
	if (after >= 0 && mprotect(room + (pages + 1) * PAGE, PAGE, after) != 0)
		return NULL;
	*ram = room;
	return map_bar(room + pages * PAGE, PROT_READ | PROT_WRITE);
}

/* edu computes a factorial in the background: wait for it. */
static inline void wait_idle(volatile uint8_t *bar)
{
	while (rd32(bar, EDU_STATUS) & 1)
		;
}

static inline void on_signal(int sig)
{
	static const char msg[] = "FAIL: a signal during a system call's copy\n";
	(void)sig;
	(void)!write(STDOUT_FILENO, msg, sizeof(msg) - 1);
	_exit(3);
}

/* What a non-blocking pipe holds, up to n bytes: the count. */
static inline ssize_t drain(int fd, void *buf, size_t n)
{
	ssize_t r = read(fd, buf, n);
	return r < 0 && errno == EAGAIN ? 0 : r;
}

static inline int make_pipe(int p[2])
{
	return pipe2(p, O_NONBLOCK | O_CLOEXEC);
}

/* A case of a program's table: its name, its body and an argument of the
 * program's own (the socket pairs a socket case asks for). */
struct bounce_case {
	const char *name;
	void (*run)(void);
	int arg;
};

/* main of a register-bounce program: opens <bdf>, turns memory on, finds
 * BAR0 and runs the case named <case>; `before` (unless NULL) sets up for
 * a case with a nonzero arg (nonzero if it could), `after` tears down. */
static inline int bounce_main(int argc, char **argv, const struct bounce_case *cases, size_t n,
			      int (*before)(int arg), void (*after)(int arg))
{
	if (argc != 3) {
		fprintf(stderr, "usage: %s <bdf> <case>\n", argv[0]);
		return 2;
	}
	struct svt_dev d;
	SVT_REQUIRE(svt_open_group_path(argv[1], &d) == 0, "open %s", argv[1]);
	device = d.device;
	SVT_REQUIRE(svt_config_write(d.device, 0x04, 2, svt_config_read(d.device, 0x04, 2) | 0x2) == 0, "memory on");
	struct vfio_region_info info;
	SVT_REQUIRE(svt_region(d.device, VFIO_PCI_BAR0_REGION_INDEX, &info) == 0, "BAR0 region info");
	bar0 = (off_t)info.offset;
	int found = 0;
	for (size_t i = 0; i < n; i++) {
		if (strcmp(argv[2], cases[i].name) != 0)
			continue;
		found = 1;
		int setup = before && cases[i].arg;
		if (setup)
			SVT_REQUIRE(before(cases[i].arg), "mapping and the socket pairs");
		cases[i].run();
		if (setup)
			after(cases[i].arg);
	}
	SVT_CHECK(found, "case %s", argv[2]);
	svt_close_dev(&d);
	return svt_finish();
}

#endif /* REGISTER_BOUNCE_H */
