/* SPDX-License-Identifier: MIT */
/*
 * errno through sysfs under softvfio run: a call that succeeds leaves errno
 * as it was, as a system call does, whatever the shim did for it (a session
 * call's futex waits time out every 100 ms and leave ETIMEDOUT, a walk's
 * lookups leave ENOENT); a call that fails sets its own. A program that
 * reads errno after a success, or reads it before the call in the same
 * expression (C leaves the order open; GCC reads it first), saw ETIMEDOUT
 * for access() of a removed VF's file instead of ENOENT.
 *
 * Argument: the PF's BDF (an [sriov] function with offset 1, stride 1).
 */
#include "svt.h"

#define SENTINEL EXDEV /* nothing here fails with it */

static char path[256];

static const char *dev_attr(const char *bdf, const char *attr)
{
	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/%s", bdf, attr);
	return path;
}

/* Write `text` to `file`: the write's result; errno checked after the open
 * and, on success, after the write. */
static long write_attr(const char *file, const char *text)
{
	errno = SENTINEL;
	int fd = open(file, O_WRONLY | O_CLOEXEC);
	SVT_CHECK(fd >= 0 && errno == SENTINEL, "open(%s) keeps errno (%s)", file, strerrorname_np(errno));
	if (fd < 0)
		return -1;
	errno = SENTINEL;
	long r = write(fd, text, strlen(text));
	int e = errno;
	if (r >= 0)
		SVT_CHECK(e == SENTINEL, "write(%s, \"%s\") = %ld keeps errno (%s)", file, text, r, strerrorname_np(e));
	close(fd);
	errno = e;
	return r;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: %s <pf bdf>\n", argv[0]);
		return 2;
	}
	const char *pf = argv[1];
	unsigned domain, bus, slot, fn;
	SVT_REQUIRE(sscanf(pf, "%x:%x:%x.%x", &domain, &bus, &slot, &fn) == 4, "BDF %s", pf);
	char vf0[32];
	snprintf(vf0, sizeof(vf0), "%04x:%02x:%02x.%x", domain, bus, slot, fn + 1);

	SVT_REQUIRE(write_attr("/sys/module/vfio_pci/parameters/enable_sriov", "Y") == 1, "enable_sriov Y");
	char numvfs[256];
	snprintf(numvfs, sizeof(numvfs), "%s", dev_attr(pf, "sriov_numvfs"));
	long r = write_attr(numvfs, "5");
	SVT_CHECK(r < 0 && errno == ERANGE, "sriov_numvfs 5: %s (ERANGE)", strerrorname_np(errno));
	SVT_REQUIRE(write_attr(numvfs, "2") == 1, "sriov_numvfs 2");

	errno = SENTINEL;
	int a = access(dev_attr(vf0, "vendor"), F_OK);
	SVT_CHECK(a == 0 && errno == SENTINEL, "access(%s) = %d keeps errno (%s)", path, a, strerrorname_np(errno));
	char buf[64];
	errno = SENTINEL;
	ssize_t n = readlink(dev_attr(pf, "virtfn0"), buf, sizeof(buf));
	SVT_CHECK(n > 0 && errno == SENTINEL, "readlink(virtfn0) keeps errno (%s)", strerrorname_np(errno));
	errno = SENTINEL;
	int fd = open(numvfs, O_RDONLY | O_CLOEXEC);
	n = fd >= 0 ? read(fd, buf, sizeof(buf)) : -1;
	SVT_CHECK(n == 2 && !memcmp(buf, "2\n", 2) && errno == SENTINEL, "read(sriov_numvfs) keeps errno (%s)",
		  strerrorname_np(errno));
	if (fd >= 0)
		close(fd);

	SVT_REQUIRE(write_attr(numvfs, "0") == 1, "sriov_numvfs 0");
	/* The removed VF: ENOENT every time. */
	int bad = 0;
	for (int i = 0; i < 8; i++) {
		errno = SENTINEL;
		a = access(dev_attr(vf0, "vendor"), F_OK);
		int e = errno;
		if (a != -1 || e != ENOENT) {
			SVT_INFO("access #%d of the removed VF: %d %s", i, a, strerrorname_np(e));
			bad++;
		}
	}
	SVT_CHECK(!bad, "access() of the removed VF's vendor: ENOENT 8 times");
	errno = SENTINEL;
	struct stat st;
	SVT_CHECK(stat(numvfs, &st) == 0 && errno == SENTINEL, "stat(sriov_numvfs) keeps errno (%s)",
		  strerrorname_np(errno));
	return svt_finish();
}
