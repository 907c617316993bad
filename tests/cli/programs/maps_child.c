/* SPDX-License-Identifier: MIT */
/*
 * A program for `softvfio maps` to look at: BAR2 mapped at an address that
 * is 4 KiB off a 2 MiB boundary (so huge pages are lost, and maps should
 * say so), BAR0 mapped, and a dma-buf of BAR2 [2 MiB, 4 MiB) mapped where
 * the kernel would give it PMDs. Touches every mapping, prints "READY",
 * and waits for its stdin to close. With "exec", the line "exec" makes it
 * become cat, a new image of the same process with no mapping. With
 * "tick", it makes an ioctl every millisecond while it waits, as a
 * driver's event loop would. With "forktick", it forks after READY, the
 * child prints "FORKED <its pid>", and both tick.
 *
 * usage: maps_child BDF [exec|tick|forktick]
 */
#include "svt.h"

#include <poll.h>

#define MIB (1ul << 20)

/* An address 4 KiB past a 2 MiB boundary with `length` free bytes. */
static void *misaligned(size_t length)
{
	char *area = mmap(NULL, length + 4 * MIB, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (area == MAP_FAILED)
		return NULL;
	uintptr_t at = ((uintptr_t)area + 2 * MIB - 1) & ~(2 * MIB - 1);
	munmap(area, length + 4 * MIB);
	return (void *)(at + 4096);
}

int main(int argc, char **argv)
{
	if (argc < 2)
		return 2;
	struct svt_dev d;
	if (svt_open_group_path(argv[1], &d) < 0) {
		perror("open device");
		return 1;
	}
	struct vfio_region_info bar0, bar2;
	if (svt_region(d.device, 0, &bar0) < 0 || svt_region(d.device, 2, &bar2) < 0)
		return 1;
	volatile char *a = mmap(misaligned(4 * MIB), 4 * MIB, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED, d.device,
				(off_t)bar2.offset);
	volatile char *b = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, d.device, (off_t)bar0.offset);
	int buf = svt_export_bar(d.device, 2, 2 * MIB, 2 * MIB);
	volatile char *c = buf >= 0 ? mmap(NULL, 2 * MIB, PROT_READ, MAP_SHARED, buf, 0) : MAP_FAILED;
	if (a == MAP_FAILED || b == MAP_FAILED || c == MAP_FAILED) {
		perror("mmap");
		return 1;
	}
	for (size_t i = 0; i < 4 * MIB; i += 4096)
		a[i] = 1;
	b[0] = 1;
	(void)c[0];
	printf("READY\n");
	fflush(stdout);
	int forktick = argc > 2 && strcmp(argv[2], "forktick") == 0;
	if (forktick) {
		pid_t pid = fork();
		if (pid < 0)
			return 1;
		/* From the child: it is running (and in the session) by then. */
		if (pid == 0) {
			printf("FORKED %d\n", (int)getpid());
			fflush(stdout);
		}
	}
	/* stdin is read unbuffered: after "exec", cat must see what follows. */
	char ch, line[64];
	size_t n = 0;
	int tick = forktick || (argc > 2 && strcmp(argv[2], "tick") == 0);
	for (;;) {
		if (tick) {
			struct pollfd in = {.fd = 0, .events = POLLIN};
			struct vfio_device_info info = {.argsz = sizeof(info)};
			if (ioctl(d.device, VFIO_DEVICE_GET_INFO, &info) < 0)
				return 1;
			if (poll(&in, 1, 1) == 0)
				continue;
		}
		if (read(0, &ch, 1) != 1)
			break;
		if (ch != '\n') {
			if (n < sizeof(line) - 1)
				line[n++] = ch;
			continue;
		}
		line[n] = '\0';
		n = 0;
		if (argc > 2 && strcmp(argv[2], "exec") == 0 && strcmp(line, "exec") == 0) {
			execl("/bin/cat", "cat", (char *)NULL);
			return 1;
		}
	}
	return 0;
}
