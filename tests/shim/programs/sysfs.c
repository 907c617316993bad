/* SPDX-License-Identifier: MIT */
/*
 * Finding a device the way frameworks do: scan /sys/bus/pci/devices
 * (opendir/readdir, scandir, glob, nftw) for the vendor and device ids,
 * follow its links (iommu_group, driver, the directory itself), read its
 * attributes (class, resource, config), stat its group node; then the setup
 * sequence scripts use: unbind from vfio-pci (the node goes away) and bind
 * back through driver_override and drivers_probe (it returns).
 *
 * Paths resolve as sysfs resolves them: ".." after the device link is the
 * bus directory the link led to, relative paths from a directory fd or the
 * current directory inside /sys start from its /sys path, and nothing
 * climbs out of an emulated directory into what is around it (the
 * session's directory, where the view really is).
 *
 * usage: sysfs <bdf> <vendor hex> <device hex>
 */
#include "svt.h"

#include <dirent.h>
#include <ftw.h>
#include <glob.h>
#include <sys/syscall.h>
#include <sys/wait.h>

static const char *want_bdf;
static int nftw_found;

static int read_text(const char *path, char *out, size_t size)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return -1;
	size_t n = fread(out, 1, size - 1, f);
	out[n] = '\0';
	fclose(f);
	return (int)n;
}

static int write_text(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	if (!f)
		return -1;
	int ok = fputs(text, f) >= 0;
	return fclose(f) == 0 && ok ? 0 : -1;
}

static int on_entry(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	if (type == FTW_F && strcmp(path + strlen(path) - 7, "/vendor") == 0)
		nftw_found++;
	return 0;
}

static int is_bdf(const struct dirent *e) { return strcmp(e->d_name, want_bdf) == 0; }

static int same_file(const struct stat *a, const struct stat *b)
{
	return a->st_dev == b->st_dev && a->st_ino == b->st_ino;
}

/* The vendor id in the device directory `dir` (a path or, with dirfd, a
 * name relative to it). */
static unsigned vendor_at(int dirfd, const char *path)
{
	char text[32] = "";
	int fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	ssize_t n = read(fd, text, sizeof(text) - 1);
	close(fd);
	text[n > 0 ? n : 0] = '\0';
	return (unsigned)strtoul(text, NULL, 16);
}

/* Whether `name` is an entry of the directory `path`. */
static int listed(const char *path, const char *name)
{
	DIR *d = opendir(path);
	int found = 0;
	struct dirent *e;
	while (d && (e = readdir(d)))
		found |= strcmp(e->d_name, name) == 0;
	if (d)
		closedir(d);
	return found;
}

/* ".." of the device link: the bus directory /sys/devices/pci<dom>:<bus>,
 * where the link leads, not /sys/bus/pci/devices. */
static void check_dotdot(const char *bdf, unsigned vendor, const char *bus_dir)
{
	char path[512];
	struct stat st, bus;
	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/..", bdf);
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	SVT_CHECK(fd >= 0, "open %s: %s", path, fd >= 0 ? "a directory" : strerror(errno));
	SVT_CHECK(fd >= 0 && fstat(fd, &st) == 0 && stat(bus_dir, &bus) == 0 && same_file(&st, &bus), "which is %s",
		  bus_dir);
	snprintf(path, sizeof(path), "%s/vendor", bdf);
	SVT_CHECK(fd >= 0 && vendor_at(fd, path) == vendor, "%s/vendor relative to it", bdf);
	if (fd >= 0)
		close(fd);
	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/..", bdf);
	SVT_CHECK(stat(path, &st) == 0 && stat(bus_dir, &bus) == 0 && same_file(&st, &bus), "stat %s is %s", path,
		  bus_dir);
	char *real = realpath(path, NULL);
	SVT_CHECK(real && strcmp(real, bus_dir) == 0, "realpath of it: %s", real ? real : strerror(errno));
	free(real);
	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/../%s/vendor", bdf, bdf);
	SVT_CHECK(vendor_at(AT_FDCWD, path) == vendor, "%s", path);
	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/../../..", bdf);
	real = realpath(path, NULL);
	SVT_CHECK(real && strcmp(real, "/sys") == 0, "realpath %s: %s", path, real ? real : strerror(errno));
	free(real);
}

/* *at() calls relative to a directory of the view, including "..". */
static void check_dir_fd(const char *bdf, unsigned vendor, const char *bus_dir)
{
	char path[512];
	struct stat st, other;
	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s", bdf);
	int dir = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	SVT_CHECK(dir >= 0, "open(O_DIRECTORY) of the device directory");
	if (dir < 0)
		return;
	SVT_CHECK(vendor_at(dir, "vendor") == vendor, "openat(dir, \"vendor\")");
	int up = openat(dir, "..", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	SVT_CHECK(up >= 0 && fstat(up, &st) == 0 && stat(bus_dir, &other) == 0 && same_file(&st, &other),
		  "openat(dir, \"..\") is %s", bus_dir);
	SVT_CHECK(up >= 0 && fstatat(up, bdf, &st, 0) == 0 && S_ISDIR(st.st_mode), "%s in it", bdf);
	if (up >= 0)
		close(up);
	SVT_CHECK(fstatat(dir, "../..", &st, 0) == 0 && stat("/sys/devices", &other) == 0 && same_file(&st, &other),
		  "fstatat(dir, \"../..\") is /sys/devices");
	SVT_CHECK(fstatat(dir, "../../../..", &st, 0) == 0 && stat("/", &other) == 0 && same_file(&st, &other),
		  "fstatat(dir, \"../../../..\") is /");
	/* Where the view really is, "../../../../sock" would be the
	 * session's socket. */
	errno = 0;
	SVT_CHECK(fstatat(dir, "../../../../sock", &st, AT_SYMLINK_NOFOLLOW) < 0 && errno == ENOENT,
		  "nothing around the view: ../../../../sock is /sock (%s)", strerror(errno));
	char link[256];
	ssize_t n = readlinkat(dir, "iommu_group", link, sizeof(link) - 1);
	SVT_CHECK(n > 0, "readlinkat(dir, \"iommu_group\")");
	DIR *d = fdopendir(dir);
	int vendor_listed = 0;
	struct dirent *e;
	while (d && (e = readdir(d)))
		vendor_listed |= strcmp(e->d_name, "vendor") == 0;
	SVT_CHECK(d && vendor_listed, "fdopendir lists it");
	if (d) {
		SVT_CHECK(fstatat(dirfd(d), "..", &st, 0) == 0 && stat(bus_dir, &other) == 0 && same_file(&st, &other),
			  "fstatat(dirfd(stream), \"..\")");
		closedir(d);
	} else {
		close(dir);
	}
	int served = open("/dev/vfio", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	char self[64];
	snprintf(self, sizeof(self), "/proc/self/fd/%d", served);
	n = readlink(self, link, sizeof(link) - 1);
	link[n > 0 ? n : 0] = '\0';
	SVT_CHECK(served >= 0 && strcmp(link, "/dev/vfio") == 0, "/proc/self/fd of a /dev/vfio fd: %s", link);
	if (served >= 0)
		close(served);
	d = opendir(path);
	SVT_CHECK(d && fstatat(dirfd(d), "../../../..", &st, 0) == 0 && stat("/", &other) == 0 &&
			  same_file(&st, &other),
		  "fstatat(dirfd(opendir(device)), \"../../../..\") is /");
	if (d)
		closedir(d);
}

/* The program again, started in the current directory (as a shell runs
 * one after cd): it must find itself where its parent was. */
static int cwd_child(const char *expect, const char *name)
{
	char here[4096];
	struct stat st;
	SVT_CHECK(getcwd(here, sizeof(here)) && strcmp(here, expect) == 0, "a new program starts in %s", here);
	SVT_CHECK(stat(name, &st) == 0, "stat(\"%s\") there", name);
	errno = 0;
	SVT_CHECK(access("../../../../sock", F_OK) < 0 && errno == ENOENT, "nothing around the view from there either");
	return svt_finish();
}

/* `pwd`: the $PWD a shell would have exported after its cd, or NULL to
 * leave the environment as it is. A directory of /dev/vfio has no real
 * one (the process is really in /dev), so only a shell's $PWD says so. */
static int run_cwd_child(const char *expect, const char *name, const char *pwd)
{
	extern char **environ;
	static char *env[256];
	static char pwd_var[512];
	size_t n = 0;
	for (char **e = environ; *e && n + 2 < sizeof(env) / sizeof(env[0]); e++)
		if (strncmp(*e, "PWD=", 4) != 0 || !pwd)
			env[n++] = *e;
	if (pwd) {
		snprintf(pwd_var, sizeof(pwd_var), "PWD=%s", pwd);
		env[n++] = pwd_var;
	}
	env[n] = NULL;
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		char *args[] = {"sysfs", "--cwd-child", (char *)expect, (char *)name, NULL};
		execve("/proc/self/exe", args, env);
		_exit(127);
	}
	int status = 0;
	return pid > 0 && waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

/* A current directory inside /sys: relative paths start from it, getcwd
 * names it as the kernel would. */
static void check_cwd(const char *bdf, unsigned vendor, unsigned device, const char *bus_dir)
{
	char saved[4096], here[4096], path[512], expect[512];
	struct stat st, other;
	if (!getcwd(saved, sizeof(saved)))
		return;
	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s", bdf);
	snprintf(expect, sizeof(expect), "%s/%s", bus_dir, bdf);
	int dir = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	SVT_CHECK(dir >= 0 && fchdir(dir) == 0, "fchdir into the device directory");
	if (dir >= 0)
		close(dir);
	SVT_CHECK(getcwd(here, sizeof(here)) && strcmp(here, expect) == 0, "getcwd: %s", here);
	int cfg = open("config", O_RDONLY | O_CLOEXEC);
	uint16_t ids[2] = {0, 0};
	SVT_CHECK(cfg >= 0 && pread(cfg, ids, 4, 0) == 4 && ids[0] == vendor && ids[1] == device,
		  "open(\"config\") there: %04x:%04x", ids[0], ids[1]);
	if (cfg >= 0)
		close(cfg);
	snprintf(path, sizeof(path), "../%s/vendor", bdf);
	SVT_CHECK(vendor_at(AT_FDCWD, path) == vendor, "open(\"%s\")", path);
	FILE *f = fopen("vendor", "r");
	SVT_CHECK(f != NULL, "fopen(\"vendor\")");
	if (f)
		fclose(f);
	ssize_t n = readlink("/proc/self/cwd", here, sizeof(here) - 1);
	here[n > 0 ? n : 0] = '\0';
	SVT_CHECK(strcmp(here, expect) == 0, "/proc/self/cwd reads %s", here);
	char *real = realpath(".", NULL);
	SVT_CHECK(real && strcmp(real, expect) == 0, "realpath(\".\"): %s", real ? real : strerror(errno));
	free(real);
	errno = 0;
	SVT_CHECK(access("../../../../sock", F_OK) < 0 && errno == ENOENT, "nothing around the view from here");
	SVT_CHECK(listed(".", "vendor") && listed("..", bdf), "opendir(\".\") and opendir(\"..\")");
	SVT_CHECK(run_cwd_child(expect, "config", NULL), "a program run there");
	SVT_CHECK(chdir("..") == 0 && getcwd(here, sizeof(here)) && strcmp(here, bus_dir) == 0, "chdir(\"..\"): %s",
		  here);
	SVT_CHECK(chdir("../..") == 0 && getcwd(here, sizeof(here)) && strcmp(here, "/sys") == 0, "chdir(\"../..\"): %s",
		  here);
	snprintf(path, sizeof(path), "bus/pci/devices/%s/vendor", bdf);
	SVT_CHECK(vendor_at(AT_FDCWD, path) == vendor, "from /sys: %s", path);
	SVT_CHECK(chdir("bus/pci/devices") == 0 && listed(".", bdf), "chdir(\"bus/pci/devices\") lists %s", bdf);
	SVT_CHECK(lstat(bdf, &st) == 0 && S_ISLNK(st.st_mode), "lstat(\"%s\") is the link", bdf);
	SVT_CHECK(chdir("..") == 0 && getcwd(here, sizeof(here)) && strcmp(here, "/sys/bus/pci") == 0,
		  "chdir(\"..\") from a merged directory: %s", here);
	SVT_CHECK(chdir("/dev/vfio") == 0 && getcwd(here, sizeof(here)) && strcmp(here, "/dev/vfio") == 0,
		  "chdir(\"/dev/vfio\")");
	SVT_CHECK(stat("vfio", &st) == 0 && S_ISCHR(st.st_mode), "stat(\"vfio\") there");
	SVT_CHECK(run_cwd_child("/dev/vfio", "vfio", "/dev/vfio"), "a program a shell runs there");
	SVT_CHECK(chdir(saved) == 0 && getcwd(here, sizeof(here)) && strcmp(here, saved) == 0 &&
			  stat(".", &st) == 0 && stat(saved, &other) == 0 && same_file(&st, &other),
		  "back to %s", saved);
}

/* "ls <device link>/": a trailing slash follows the link. */
static void check_trailing_slash(const char *bdf, unsigned vendor)
{
	char path[512];
	struct stat st;
	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/", bdf);
	SVT_CHECK(lstat(path, &st) == 0 && S_ISDIR(st.st_mode), "lstat(\"%s\") is the directory", path);
	path[strlen(path) - 1] = '\0';
	SVT_CHECK(lstat(path, &st) == 0 && S_ISLNK(st.st_mode), "lstat(\"%s\") is the link", path);
	strcat(path, "/");
	SVT_CHECK(listed(path, "vendor"), "opendir(\"%s\") lists vendor", path);
	strcat(path, "/vendor");
	SVT_CHECK(lstat(path, &st) == 0 && S_ISREG(st.st_mode) && vendor_at(AT_FDCWD, path) == vendor, "%s", path);
	strcat(path, "/");
	errno = 0;
	SVT_CHECK(stat(path, &st) < 0 && errno == ENOTDIR, "a file with a trailing slash: ENOTDIR");
	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s", bdf);
	errno = 0;
	SVT_CHECK(open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644) < 0 && errno == EEXIST,
		  "O_CREAT | O_EXCL of the link: EEXIST, not followed");
}

/* The machine's own entries of a directory, read with raw system calls,
 * which no LD_PRELOAD library sees: newline-separated names in `out`. */
static int machine_entries(const char *dir, char *out, size_t size)
{
	int fd = (int)syscall(SYS_openat, AT_FDCWD, dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	char buf[8192];
	size_t used = 1;
	int n = 0;
	strcpy(out, "\n"); /* every name is then "\n<name>\n" */
	for (;;) {
		long got = syscall(SYS_getdents64, fd, buf, sizeof(buf));
		if (got <= 0)
			break;
		for (long off = 0; off < got;) {
			struct linux_dirent64 {
				uint64_t ino;
				int64_t off;
				unsigned short reclen;
				unsigned char type;
				char name[];
			} *d = (void *)(buf + off);
			if (d->name[0] != '.' && used + strlen(d->name) + 2 < size) {
				used += (size_t)snprintf(out + used, size - used, "%s\n", d->name);
				n++;
			}
			off += d->reclen;
		}
	}
	syscall(SYS_close, fd);
	return n;
}

int main(int argc, char **argv)
{
	if (argc == 4 && strcmp(argv[1], "--cwd-child") == 0)
		return cwd_child(argv[2], argv[3]);
	if (argc != 4) {
		fprintf(stderr, "usage: %s <bdf> <vendor> <device>\n", argv[0]);
		return 2;
	}
	const char *bdf = want_bdf = argv[1];
	unsigned vendor = (unsigned)strtoul(argv[2], NULL, 16), device = (unsigned)strtoul(argv[3], NULL, 16);
	char path[512], text[4096];

	/* Scan for the ids. The listing is the machine's devices and the
	 * software ones. */
	static char machine[65536];
	int machine_total = machine_entries("/sys/bus/pci/devices", machine, sizeof(machine));
	DIR *dir = opendir("/sys/bus/pci/devices");
	SVT_REQUIRE(dir != NULL, "opendir /sys/bus/pci/devices");
	int total = 0, matches = 0, found = 0, of_machine = 0;
	struct dirent *e;
	while ((e = readdir(dir))) {
		if (e->d_name[0] == '.')
			continue;
		total++;
		char line[300];
		snprintf(line, sizeof(line), "\n%s\n", e->d_name);
		of_machine += machine_total > 0 && strstr(machine, line) != NULL;
		unsigned v = 0, dv = 0;
		snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/vendor", e->d_name);
		if (read_text(path, text, sizeof(text)) > 0)
			v = (unsigned)strtoul(text, NULL, 16);
		snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/device", e->d_name);
		if (read_text(path, text, sizeof(text)) > 0)
			dv = (unsigned)strtoul(text, NULL, 16);
		if (v == vendor && dv == device) {
			matches++;
			found |= strcmp(e->d_name, bdf) == 0;
			SVT_CHECK(e->d_type == DT_LNK, "%s is listed as a link", e->d_name);
		}
	}
	struct stat st;
	SVT_CHECK(fstatat(dirfd(dir), bdf, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(st.st_mode),
		  "fstatat relative to the directory stream's fd");
	closedir(dir);
	SVT_INFO("%d devices listed, %d of them the machine's", total, of_machine);
	SVT_CHECK(machine_total < 0 || of_machine == machine_total,
		  "every one of the machine's %d devices is listed too (%d)", machine_total, of_machine);
	SVT_CHECK(total > of_machine, "the software devices are listed besides them");
	SVT_CHECK(found && matches >= 1, "%s found by its ids %04x:%04x", bdf, vendor, device);

	struct dirent **list = NULL;
	int n = scandir("/sys/bus/pci/devices", &list, is_bdf, alphasort);
	SVT_CHECK(n == 1, "scandir finds it");
	for (int i = 0; i < n; i++)
		free(list[i]);
	free(list);
	glob_t g;
	int in_glob = 0;
	if (glob("/sys/bus/pci/devices/*/vendor", 0, NULL, &g) == 0) {
		for (size_t i = 0; i < g.gl_pathc; i++)
			in_glob |= strstr(g.gl_pathv[i], bdf) != NULL;
		globfree(&g);
	}
	SVT_CHECK(in_glob, "glob finds its vendor file");
	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/", bdf);
	SVT_CHECK(nftw(path, on_entry, 8, FTW_PHYS) == 0 && nftw_found == 1, "nftw finds its vendor file");

	/* Links. */
	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s", bdf);
	char *real = realpath(path, NULL);
	char expect[256];
	snprintf(expect, sizeof(expect), "/sys/devices/pci%.7s/%s", bdf, bdf);
	SVT_CHECK(real && strcmp(real, expect) == 0, "realpath: %s", real ? real : "(null)");
	free(real);
	int group = svt_group_of(bdf);
	SVT_CHECK(group > 0, "iommu_group link: group %d", group);
	snprintf(path, sizeof(path), "/sys/kernel/iommu_groups/%d/devices/%s", group, bdf);
	SVT_CHECK(lstat(path, &st) == 0 && S_ISLNK(st.st_mode), "%s", path);
	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/driver", bdf);
	ssize_t len = readlink(path, text, sizeof(text) - 1);
	text[len > 0 ? len : 0] = '\0';
	SVT_CHECK(len > 0 && strcmp(strrchr(text, '/'), "/vfio-pci") == 0, "driver link: %s", text);
	char node[64];
	snprintf(node, sizeof(node), "/dev/vfio/%d", group);
	SVT_CHECK(stat(node, &st) == 0 && S_ISCHR(st.st_mode), "%s is a character device", node);

	/* Paths as sysfs resolves them. */
	char bus_dir[64];
	snprintf(bus_dir, sizeof(bus_dir), "/sys/devices/pci%.7s", bdf);
	check_dotdot(bdf, vendor, bus_dir);
	check_dir_fd(bdf, vendor, bus_dir);
	check_cwd(bdf, vendor, device, bus_dir);
	check_trailing_slash(bdf, vendor);

	/* Attributes. */
	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/class", bdf);
	SVT_CHECK(read_text(path, text, sizeof(text)) == 9 && strncmp(text, "0x", 2) == 0, "class %.8s", text);
	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/resource", bdf);
	int lines = 0;
	if (read_text(path, text, sizeof(text)) > 0)
		for (char *p = text; (p = strchr(p, '\n')); p++)
			lines++;
	SVT_CHECK(lines >= 7, "resource has %d lines", lines);
	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/config", bdf);
	int cfg = open(path, O_RDONLY | O_CLOEXEC);
	uint16_t ids[2] = {0, 0};
	SVT_CHECK(cfg >= 0 && pread(cfg, ids, 4, 0) == 4 && ids[0] == vendor && ids[1] == device,
		  "config starts with %04x:%04x", ids[0], ids[1]);
	if (cfg >= 0)
		close(cfg);
	SVT_CHECK(stat("/sys/module/vfio_pci", &st) == 0 && S_ISDIR(st.st_mode), "/sys/module/vfio_pci exists");
	errno = 0;
	SVT_CHECK(access("/sys/kernel/debug/iommu/intel", F_OK) < 0 && errno == ENOENT, "no intel IOMMU debugfs");

	/* Unbind, then bind back the way setup scripts do. */
	SVT_CHECK(write_text("/sys/bus/pci/drivers/vfio-pci/unbind", bdf) == 0, "write the BDF to vfio-pci/unbind");
	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/driver", bdf);
	errno = 0;
	SVT_CHECK(lstat(path, &st) < 0 && errno == ENOENT, "no driver link once unbound");
	errno = 0;
	SVT_CHECK(stat(node, &st) < 0 && errno == ENOENT, "%s is gone", node);
	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/driver_override", bdf);
	int fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC);
	SVT_CHECK(fd >= 0 && write(fd, "vfio-pci\n", 9) == 9, "write vfio-pci to driver_override");
	if (fd >= 0)
		close(fd);
	SVT_CHECK(read_text(path, text, sizeof(text)) > 0 && strcmp(text, "vfio-pci\n") == 0, "driver_override reads %s",
		  text);
	SVT_CHECK(write_text("/sys/bus/pci/drivers_probe", bdf) == 0, "write the BDF to drivers_probe");
	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/driver", bdf);
	len = readlink(path, text, sizeof(text) - 1);
	SVT_CHECK(len > 0, "bound again");
	SVT_CHECK(stat(node, &st) == 0 && S_ISCHR(st.st_mode), "%s is back", node);
	return svt_finish();
}
