/* SPDX-License-Identifier: MIT */
/*
 * Answers that must be the kernel's to the errno, one mode a defect (issue
 * 16): what a program sees when it asks something odd.
 *
 *   sysfs_page   a write of a huge count to a control file costs a page
 *                (kernfs copies at most one), by write and by writev
 *   sysfs_open   a read-only attribute opened for writing: EACCES at open
 *   dev_paths    "/dev/vfio/vfio/" and "/dev/vfio/vfio/../vfio" (ENOTDIR),
 *                "/dev/vfio/nonexistent/../vfio" (ENOENT)
 *   long_paths   paths of PATH_MAX bytes or more (ENAMETOOLONG)
 *   mmap_len     mmap of a length beyond the address space (ENOMEM)
 *   kernel_views realpath through the device link and "..", fstat of the
 *                device fd (an anonymous inode: no file type, no size for
 *                Python's mmap to check), a trailing '/' on the device
 *                link, SET_CONTAINER twice (EINVAL), ftruncate of the
 *                device and a DMABUF (EINVAL)
 *
 * usage: fidelity <bdf> <mode>
 */
#include "svt.h"

#include <dirent.h>
#include <limits.h>
#include <sys/uio.h>

/* The call's result and errno, checked together. */
#define SVT_ERRNO(call, want, ...)                                                               \
	do {                                                                                     \
		errno = 0;                                                                       \
		long r_ = (long)(call);                                                          \
		int e_ = errno;                                                                  \
		SVT_CHECK(r_ == -1 && e_ == (want), __VA_ARGS__);                                \
		if (r_ != -1 || e_ != (want))                                                    \
			SVT_INFO("got %ld, errno %d (%s), want errno %d", r_, e_, strerror(e_), want); \
	} while (0)

static char path[PATH_MAX + 64];

static const char *dev_path(const char *bdf, const char *rest)
{
	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/%s", bdf, rest);
	return path;
}

static int sysfs_page(const char *bdf)
{
	int fd = open(dev_path(bdf, "driver_override"), O_WRONLY | O_CLOEXEC);
	SVT_REQUIRE(fd >= 0, "open driver_override for writing");
	/* A page of text with a count of 1 GiB: the store sees a page, which
	 * is too long for driver_override (EINVAL). Reading past the page
	 * would fault. */
	char *page = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	SVT_REQUIRE(page != MAP_FAILED, "a page");
	memset(page, 'x', 4096);
	struct iovec iov = {page, 1ul << 30};
	SVT_ERRNO(writev(fd, &iov, 1), EINVAL, "writev of 1 GiB from one page: the page is stored (EINVAL)");
	SVT_ERRNO(write(fd, page, 1ul << 30), EINVAL, "write of 1 GiB from one page: the page is stored (EINVAL)");
	struct iovec bad = {NULL, 1ul << 30};
	SVT_ERRNO(writev(fd, &bad, 1), EFAULT, "writev from a bad pointer: EFAULT");
	/* An ordinary store still goes through, and is undone. */
	struct iovec parts[2] = {{"vfio", 4}, {"-pci\n", 5}};
	SVT_CHECK(writev(fd, parts, 2) == 9, "writev of \"vfio-pci\\n\" in two pieces");
	SVT_CHECK(write(fd, "\n", 1) == 1, "driver_override cleared");
	munmap(page, 4096);
	close(fd);
	return svt_finish();
}

static int sysfs_open(const char *bdf)
{
	SVT_ERRNO(open(dev_path(bdf, "vendor"), O_WRONLY), EACCES, "open(vendor, O_WRONLY): EACCES");
	SVT_ERRNO(open(dev_path(bdf, "vendor"), O_RDWR), EACCES, "open(vendor, O_RDWR): EACCES");
	errno = 0;
	FILE *f = fopen(dev_path(bdf, "vendor"), "w");
	SVT_CHECK(!f && errno == EACCES, "fopen(vendor, \"w\"): EACCES");
	if (f)
		fclose(f);
	/* bind is write-only (0200): reading it is refused the same way. */
	SVT_ERRNO(open("/sys/bus/pci/drivers/vfio-pci/bind", O_RDONLY), EACCES, "open(bind, O_RDONLY): EACCES");
	int fd = open(dev_path(bdf, "vendor"), O_RDONLY);
	SVT_CHECK(fd >= 0, "open(vendor, O_RDONLY) still works");
	if (fd >= 0)
		close(fd);
	fd = open(dev_path(bdf, "driver_override"), O_RDWR);
	SVT_CHECK(fd >= 0, "open(driver_override, O_RDWR) still works");
	if (fd >= 0)
		close(fd);
	return svt_finish();
}

static int dev_paths(void)
{
	struct stat st;
	SVT_ERRNO(open("/dev/vfio/vfio/", O_RDWR), ENOTDIR, "open /dev/vfio/vfio/: ENOTDIR");
	SVT_ERRNO(stat("/dev/vfio/vfio/", &st), ENOTDIR, "stat /dev/vfio/vfio/: ENOTDIR");
	SVT_ERRNO(open("/dev/vfio/vfio/../vfio", O_RDWR), ENOTDIR, "open /dev/vfio/vfio/../vfio: ENOTDIR");
	SVT_ERRNO(open("/dev/iommu/", O_RDWR), ENOTDIR, "open /dev/iommu/: ENOTDIR");
	SVT_ERRNO(open("/dev/vfio/nonexistent/../vfio", O_RDWR), ENOENT, "open /dev/vfio/nonexistent/../vfio: ENOENT");
	SVT_ERRNO(access("/dev/vfio/nonexistent/../vfio", F_OK), ENOENT, "access /dev/vfio/nonexistent/../vfio: ENOENT");
	int fd = open("/dev/vfio/devices/../vfio", O_RDWR | O_CLOEXEC);
	SVT_CHECK(fd >= 0, "open /dev/vfio/devices/../vfio still works");
	if (fd >= 0)
		close(fd);
	SVT_CHECK(stat("/dev/vfio/./", &st) == 0 && S_ISDIR(st.st_mode), "stat /dev/vfio/./ is the directory");
	return svt_finish();
}

/* `head` then "./" until the path is `len` bytes long, then `tail`. */
static const char *padded(const char *head, size_t len, const char *tail)
{
	snprintf(path, sizeof(path), "%s", head);
	size_t at = strlen(path);
	while (at + strlen(tail) + 2 <= len) {
		memcpy(path + at, "./", 2);
		at += 2;
	}
	while (at + strlen(tail) < len)
		path[at++] = '/';
	snprintf(path + at, sizeof(path) - at, "%s", tail);
	return path;
}

static int long_paths(const char *bdf)
{
	struct stat st;
	char dir[64];
	snprintf(dir, sizeof(dir), "/sys/bus/pci/devices/%s/", bdf);
	/* PATH_MAX counts the NUL: 4095 bytes resolve, 4096 do not. */
	SVT_CHECK(stat(padded(dir, PATH_MAX - 1, "vendor"), &st) == 0, "a sysfs path of PATH_MAX - 1 bytes resolves");
	SVT_ERRNO(stat(padded(dir, PATH_MAX, "vendor"), &st), ENAMETOOLONG, "a sysfs path of PATH_MAX bytes: ENAMETOOLONG");
	SVT_ERRNO(open(padded(dir, PATH_MAX + 10, "vendor"), O_RDONLY), ENAMETOOLONG, "open of a longer one: ENAMETOOLONG");
	int fd = open(padded("/dev/vfio/", PATH_MAX - 1, "vfio"), O_RDWR | O_CLOEXEC);
	SVT_CHECK(fd >= 0, "a /dev/vfio path of PATH_MAX - 1 bytes opens");
	if (fd >= 0)
		close(fd);
	SVT_ERRNO(open(padded("/dev/vfio/", PATH_MAX, "vfio"), O_RDWR), ENAMETOOLONG,
		  "a /dev/vfio path of PATH_MAX bytes: ENAMETOOLONG");
	SVT_ERRNO(stat(padded("/dev/vfio/", PATH_MAX + 5, "vfio"), &st), ENAMETOOLONG, "stat of a longer one: ENAMETOOLONG");
	return svt_finish();
}

static int mmap_len(const char *bdf)
{
	struct svt_dev d;
	SVT_REQUIRE(svt_open_group_path(bdf, &d) == 0, "open %s", bdf);
	struct vfio_region_info bar0;
	SVT_REQUIRE(svt_region(d.device, 0, &bar0) == 0, "BAR0's region");
	SVT_ERRNO((long)mmap(NULL, SIZE_MAX - 4095, PROT_READ, MAP_SHARED, d.device, (off_t)bar0.offset), ENOMEM,
		  "mmap of SIZE_MAX - 4095 bytes: ENOMEM");
	SVT_ERRNO((long)mmap(NULL, SIZE_MAX - 100, PROT_READ, MAP_SHARED, d.device, (off_t)bar0.offset), ENOMEM,
		  "mmap of SIZE_MAX - 100 bytes (rounds to 0): ENOMEM");
	SVT_ERRNO((long)mmap(NULL, 1ul << 47, PROT_READ, MAP_SHARED, d.device, (off_t)bar0.offset), ENOMEM,
		  "mmap of 128 TiB: ENOMEM");
	svt_close_dev(&d);
	return svt_finish();
}

static int kernel_views(const char *bdf)
{
	char out[PATH_MAX];
	char *r = realpath(dev_path(bdf, "../../../bus/pci/drivers/vfio-pci"), out);
	SVT_CHECK(r && strcmp(r, "/sys/bus/pci/drivers/vfio-pci") == 0, "realpath through the device link and ..: %s",
		  r ? r : strerror(errno));
	/* The directory the link leads to, listed through a trailing '/'. */
	DIR *dir = opendir(dev_path(bdf, ""));
	int vendor = 0;
	struct dirent *e;
	while (dir && (e = readdir(dir)))
		vendor += strcmp(e->d_name, "vendor") == 0;
	if (dir)
		closedir(dir);
	SVT_CHECK(vendor == 1, "opendir(<device link>/) lists the device's directory");
	struct stat st;
	SVT_CHECK(lstat(dev_path(bdf, ""), &st) == 0 && S_ISDIR(st.st_mode), "lstat(<device link>/) is a directory");

	struct svt_dev d;
	SVT_REQUIRE(svt_open_group_path(bdf, &d) == 0, "open %s", bdf);
	SVT_CHECK(fstat(d.device, &st) == 0 && (st.st_mode & S_IFMT) == 0 && st.st_size == 0,
		  "fstat of the device fd: an anonymous inode (mode %o, no file type)", st.st_mode);
	int other = open("/dev/vfio/vfio", O_RDWR | O_CLOEXEC);
	SVT_ERRNO(ioctl(d.group, VFIO_GROUP_SET_CONTAINER, &other), EINVAL, "SET_CONTAINER on a group that has one: EINVAL");
	close(other);
	SVT_ERRNO(ftruncate(d.device, 0), EINVAL, "ftruncate of the device fd: EINVAL");
	int buf = svt_export_bar(d.device, 0, 0, 4096);
	SVT_REQUIRE(buf >= 0, "a DMABUF of BAR0");
	SVT_ERRNO(ftruncate(buf, 0), EINVAL, "ftruncate of a DMABUF: EINVAL");
	close(buf);
	svt_close_dev(&d);
	return svt_finish();
}

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: %s <bdf> <mode>\n", argv[0]);
		return 2;
	}
	const char *bdf = argv[1], *mode = argv[2];
	if (!strcmp(mode, "sysfs_page"))
		return sysfs_page(bdf);
	if (!strcmp(mode, "sysfs_open"))
		return sysfs_open(bdf);
	if (!strcmp(mode, "dev_paths"))
		return dev_paths();
	if (!strcmp(mode, "long_paths"))
		return long_paths(bdf);
	if (!strcmp(mode, "mmap_len"))
		return mmap_len(bdf);
	if (!strcmp(mode, "kernel_views"))
		return kernel_views(bdf);
	fprintf(stderr, "unknown mode %s\n", mode);
	return 2;
}
