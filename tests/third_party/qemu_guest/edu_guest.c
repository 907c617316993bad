/* SPDX-License-Identifier: MIT */
/*
 * Runs inside the Linux guest of tests/third_party/qemu_guest.sh, where QEMU
 * passes softvfio's edu through with `-device vfio-pci`: finds the function
 * by its IDs in the guest's /sys/bus/pci/devices, maps resource0 and drives
 * edu's register protocol through the mapping (identification, liveness,
 * factorial with the busy bit polled, the interrupt status of a raise), and,
 * when the guest's uio_pci_generic holds the function (/dev/uio0), waits
 * for the raised interrupt to arrive as INTx.
 *
 * Static: the guest has no C library. One line per check,
 *   EDU|<check>|pass|<detail>   or   EDU|<check>|FAIL|<detail>
 * and a last line EDU-END|<passed>/<total>.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#define EDU_ID 0x00
#define EDU_LIVENESS 0x04
#define EDU_FACTORIAL 0x08
#define EDU_STATUS 0x20
#define EDU_IRQ_STATUS 0x24
#define EDU_IRQ_RAISE 0x60
#define EDU_IRQ_ACK 0x64
#define EDU_STATUS_BUSY 0x01
#define EDU_BAR_SIZE (1u << 20)

static unsigned total, passed;
static volatile uint8_t *bar;

__attribute__((format(printf, 3, 4))) static void check(int ok, const char *name, const char *fmt, ...)
{
	char detail[160];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(detail, sizeof detail, fmt, ap);
	va_end(ap);
	total++;
	passed += ok != 0;
	printf("EDU|%s|%s|%s\n", name, ok ? "pass" : "FAIL", detail);
	fflush(stdout);
}

static uint32_t rd32(unsigned off) { return *(volatile uint32_t *)(bar + off); }
static void wr32(unsigned off, uint32_t v) { *(volatile uint32_t *)(bar + off) = v; }

static int read_hex(const char *dir, const char *file, unsigned *value)
{
	char path[512], text[32] = {0};
	snprintf(path, sizeof path, "%s/%s", dir, file);
	FILE *f = fopen(path, "r");
	if (!f)
		return -1;
	int ok = fgets(text, sizeof text, f) != NULL;
	fclose(f);
	if (!ok)
		return -1;
	*value = (unsigned)strtoul(text, NULL, 16);
	return 0;
}

static int write_text(const char *dir, const char *file, const char *text)
{
	char path[512];
	snprintf(path, sizeof path, "%s/%s", dir, file);
	int fd = open(path, O_WRONLY);
	if (fd < 0)
		return -1;
	ssize_t n = write(fd, text, strlen(text));
	close(fd);
	return n == (ssize_t)strlen(text) ? 0 : -1;
}

/* The function with vendor 1234 device 11e8, its sysfs directory in dir. */
static int find_edu(char *dir, size_t size)
{
	DIR *d = opendir("/sys/bus/pci/devices");
	if (!d)
		return -1;
	struct dirent *e;
	int found = -1;
	while (found < 0 && (e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		unsigned vendor, device;
		snprintf(dir, size, "/sys/bus/pci/devices/%s", e->d_name);
		if (read_hex(dir, "vendor", &vendor) == 0 && read_hex(dir, "device", &device) == 0 &&
		    vendor == 0x1234 && device == 0x11e8)
			found = 0;
	}
	closedir(d);
	return found;
}

static double now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void factorial(uint32_t n, uint32_t expect)
{
	wr32(EDU_FACTORIAL, n);
	unsigned polls = 1;
	const double limit = now() + 10;
	while ((rd32(EDU_STATUS) & EDU_STATUS_BUSY) && now() < limit)
		polls++;
	const uint32_t status = rd32(EDU_STATUS);
	const uint32_t got = rd32(EDU_FACTORIAL);
	char name[32];
	snprintf(name, sizeof name, "factorial-%u", n);
	check(!(status & EDU_STATUS_BUSY) && got == expect, name, "%u! = %u after %u status reads (status %#x)",
	      n, got, polls, status);
}

/* COMMAND.INTX_DISABLE cleared through the config file: uio_pci_generic's
 * handler sets it at each interrupt, and user space clears it. */
static int intx_enable(const char *dir)
{
	char path[512];
	snprintf(path, sizeof path, "%s/config", dir);
	int fd = open(path, O_RDWR);
	uint16_t command = 0;
	int ok = fd >= 0 && pread(fd, &command, 2, 4) == 2;
	command &= (uint16_t)~0x400u;
	ok = ok && pwrite(fd, &command, 2, 4) == 2;
	if (fd >= 0)
		close(fd);
	return ok ? 0 : -1;
}

/* INTx through the guest's uio_pci_generic: enable, raise, wait for the
 * event count to move, acknowledge. */
static void interrupt_uio(const char *dir)
{
	int fd = open("/dev/uio0", O_RDONLY);
	if (fd < 0) {
		printf("EDU-NOTE|no /dev/uio0 (%s): the interrupt's delivery is not checked\n", strerror(errno));
		return;
	}
	check(intx_enable(dir) == 0, "intx-enable", "COMMAND.INTX_DISABLE cleared through the config file");
	wr32(EDU_IRQ_RAISE, 0x20);
	struct pollfd p = {.fd = fd, .events = POLLIN};
	const int ready = poll(&p, 1, 10000);
	uint32_t count = 0;
	const ssize_t n = ready == 1 ? read(fd, &count, sizeof count) : -1;
	check(n == sizeof count && count >= 1, "intx-delivered", "poll %d, read %zd, interrupt count %u", ready, n,
	      count);
	check(rd32(EDU_IRQ_STATUS) == 0x20, "intx-status", "interrupt status %#x", rd32(EDU_IRQ_STATUS));
	wr32(EDU_IRQ_ACK, 0x20);
	check(rd32(EDU_IRQ_STATUS) == 0, "intx-ack", "interrupt status %#x after the acknowledge",
	      rd32(EDU_IRQ_STATUS));
	check(intx_enable(dir) == 0, "intx-enable-again", "INTx enabled again, the line low");
	close(fd);
}

int main(void)
{
	char dir[300];
	if (find_edu(dir, sizeof dir) != 0) {
		check(0, "find", "no function 1234:11e8 in /sys/bus/pci/devices");
		printf("EDU-END|%u/%u\n", passed, total);
		return 1;
	}
	check(1, "find", "%s", dir + strlen("/sys/bus/pci/devices/"));
	/* Memory decoding on, whether or not a driver holds the function. */
	write_text(dir, "enable", "1");

	char path[512];
	snprintf(path, sizeof path, "%s/resource0", dir);
	int fd = open(path, O_RDWR | O_SYNC);
	void *map = fd < 0 ? MAP_FAILED : mmap(NULL, EDU_BAR_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	check(map != MAP_FAILED, "mmap-resource0", "%s", map != MAP_FAILED ? "mapped 1 MiB" : strerror(errno));
	if (map == MAP_FAILED) {
		printf("EDU-END|%u/%u\n", passed, total);
		return 1;
	}
	bar = map;

	check(rd32(EDU_ID) == 0x010000ed, "identification", "%#x", rd32(EDU_ID));
	const uint32_t values[] = {0x12345678, 0, 0xffffffff, 0xa5a55a5a};
	for (unsigned i = 0; i < sizeof values / sizeof values[0]; i++) {
		wr32(EDU_LIVENESS, values[i]);
		const uint32_t got = rd32(EDU_LIVENESS);
		char name[32];
		snprintf(name, sizeof name, "liveness-%u", i);
		check(got == ~values[i], name, "wrote %#x, read %#x", values[i], got);
	}
	factorial(5, 120);
	factorial(10, 3628800);
	factorial(12, 479001600);

	/* A raise is visible in the interrupt status until acknowledged. */
	wr32(EDU_IRQ_RAISE, 0x4);
	check(rd32(EDU_IRQ_STATUS) == 0x4, "raise-status", "interrupt status %#x after raising 0x4",
	      rd32(EDU_IRQ_STATUS));
	wr32(EDU_IRQ_ACK, 0x4);
	check(rd32(EDU_IRQ_STATUS) == 0, "ack-status", "interrupt status %#x after the acknowledge",
	      rd32(EDU_IRQ_STATUS));

	interrupt_uio(dir);

	munmap(map, EDU_BAR_SIZE);
	close(fd);
	printf("EDU-END|%u/%u\n", passed, total);
	return passed == total ? 0 : 1;
}
