/* SPDX-License-Identifier: MIT */
/*
 * sriov: SR-IOV through sysfs and vfio-pci on QEMU's nvme as a physical
 * function (1b36:0010, sriov_max_vfs=4; conformance/nvme-sriov.toml on the
 * softvfio side). The PF is found by its IDs before any VF exists and named
 * "pf"; VFs are named by index ("vf0", "vf1"), links by whether they point
 * where the SR-IOV capability says, groups by whether they are their own.
 * Observed: the sriov_* files (values, modes), vfio_pci's enable_sriov,
 * every sriov_numvfs outcome, virtfn<i>/physfn, the VFs' IDs, driver and
 * groups, the SR-IOV capability through the PF's config region before and
 * after, the VF token (PCI_VF_TOKEN on the PF, GET_DEVICE_FD with and
 * without "vf_token="), a VF's config and info as vfio-pci gives them,
 * sriov_drivers_autoprobe, and unbinding the PF with VFs enabled.
 */
#define _GNU_SOURCE
#include "suite.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <softvfio/uapi/vfio_feature.h>

static const char *const U1 = "2ab74924-c335-45f4-9b16-8569e5b08258";
static const char *const U2 = "5f3c9f6e-7d1a-4c2b-9e8f-0a1b2c3d4e5f";

static char pf_bdf[32];

static const char *dev_path(const char *bdf, const char *file)
{
	static char buf[320];
	snprintf(buf, sizeof(buf), "/sys/bus/pci/devices/%s/%s", bdf, file);
	return buf;
}

/* A sysfs attribute's first line, "<errno name>" when it cannot be read. */
static const char *read_attr(const char *path)
{
	static char buf[256];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		snprintf(buf, sizeof(buf), "%s", strerrorname_np(errno));
		return buf;
	}
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	int e = errno;
	close(fd);
	if (n < 0) {
		snprintf(buf, sizeof(buf), "%s", strerrorname_np(e));
		return buf;
	}
	buf[n] = 0;
	buf[strcspn(buf, "\n")] = 0;
	return buf;
}

static void rec_mode(const char *key, const char *path)
{
	struct stat st;
	if (lstat(path, &st))
		rec(key, "%s", strerrorname_np(errno));
	else
		rec(key, "%03o", st.st_mode & 07777);
}

/* One write(2) of text to a sysfs attribute: "ok" or the errno's name. */
static void write_attr(const char *key, const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0) {
		rec_ret(key, -1, errno);
		return;
	}
	RET(key, write(fd, text, strlen(text)));
	close(fd);
}

static void numvfs(const char *what, const char *text)
{
	char key[96];
	snprintf(key, sizeof(key), "pf.sriov_numvfs.write.%s", what);
	write_attr(key, dev_path(pf_bdf, "sriov_numvfs"), text);
}

/* The link's target's last component, "<errno name>" without the link. */
static const char *link_base(const char *path, int *relative)
{
	static char buf[256];
	ssize_t n = readlink(path, buf, sizeof(buf) - 1);
	if (n < 0) {
		snprintf(buf, sizeof(buf), "%s", strerrorname_np(errno));
		if (relative)
			*relative = 0;
		return buf;
	}
	buf[n] = 0;
	if (relative)
		*relative = !strncmp(buf, "../", 3);
	const char *slash = strrchr(buf, '/');
	return slash ? slash + 1 : buf;
}

static unsigned parse_bdf(const char *bdf, unsigned *domain)
{
	unsigned d = 0, b = 0, s = 0, f = 0;
	sscanf(bdf, "%x:%x:%x.%x", &d, &b, &s, &f);
	*domain = d;
	return b << 8 | s << 3 | f;
}

/* VF i's BDF as the PF's routing ID + offset + i * stride. */
static unsigned vf_offset, vf_stride; /* the PF's sriov_offset and sriov_stride */

static void vf_bdf(unsigned i, char *out, size_t len)
{
	unsigned domain;
	unsigned rid = parse_bdf(pf_bdf, &domain);
	rid += vf_offset + i * vf_stride;
	snprintf(out, len, "%04x:%02x:%02x.%u", domain, rid >> 8, (rid >> 3) & 0x1f, rid & 7);
}

/* Whether the function's vendor file is there: access(), its errno read
 * after the call. (Read in the same argument list as the call, GCC reads
 * errno first: a stale value, ETIMEDOUT under softvfio run while its shim
 * left what its session waits set.) */
static const char *present(const char *bdf)
{
	char path[320];
	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/vendor", bdf);
	if (access(path, F_OK) == 0)
		return "yes";
	return errno == ENOENT ? "no" : strerrorname_np(errno);
}

/* Whether bus/pci/devices lists the function. */
static const char *listed(const char *bdf)
{
	DIR *dir = opendir("/sys/bus/pci/devices");
	if (!dir)
		return strerrorname_np(errno);
	const char *found = "no";
	for (struct dirent *e; (e = readdir(dir));)
		if (!strcmp(e->d_name, bdf))
			found = "yes";
	closedir(dir);
	return found;
}

static void record_links(const char *when, unsigned n)
{
	char key[96], path[320], vf[32];
	for (unsigned i = 0; i <= n; i++) {
		int rel = 0;
		snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/virtfn%u", pf_bdf, i);
		const char *target = link_base(path, &rel);
		vf_bdf(i, vf, sizeof(vf));
		snprintf(key, sizeof(key), "%s.pf.virtfn%u", when, i);
		if (target[0] == 'E')
			rec(key, "%s", target);
		else
			rec(key, "%s%s", rel ? "../" : "", !strcmp(target, vf) ? "<pf+offset+i*stride>" : "elsewhere");
	}
}

static int open_group_of(int container, const char *bdf, const char *name)
{
	char path[64], key[96];
	snprintf(path, sizeof(path), "/dev/vfio/%d", group_number(bdf));
	int g = open(path, O_RDWR | O_CLOEXEC);
	snprintf(key, sizeof(key), "%s.group.open", name);
	rec_ret(key, g, errno);
	if (g < 0)
		return g;
	struct vfio_group_status st = {.argsz = sizeof(st)};
	snprintf(key, sizeof(key), "%s.group.status", name);
	if (ioctl(g, VFIO_GROUP_GET_STATUS, &st) == 0)
		rec_x(key, st.flags);
	else
		rec_ret(key, -1, errno);
	snprintf(key, sizeof(key), "%s.group.set_container", name);
	RET(key, ioctl(g, VFIO_GROUP_SET_CONTAINER, &container));
	return g;
}

/* GET_DEVICE_FD with "<bdf>" or "<bdf> vf_token=<uuid>". */
static int get_fd(int group, const char *bdf, const char *uuid, const char *key)
{
	char name[128];
	if (uuid)
		snprintf(name, sizeof(name), "%s vf_token=%s", bdf, uuid);
	else
		snprintf(name, sizeof(name), "%s", bdf);
	int fd = ioctl(group, VFIO_GROUP_GET_DEVICE_FD, name);
	rec_ret(key, fd, errno);
	return fd;
}

/* get_fd() for a device fd the scenario only records: closed at once. */
static void try_fd(int group, const char *bdf, const char *uuid, const char *key)
{
	int fd = get_fd(group, bdf, uuid, key);
	if (fd >= 0)
		close(fd);
}

static void vf_token(const char *key, int fd, uint32_t flags, const char *uuid, size_t payload)
{
	unsigned char buf[sizeof(struct vfio_device_feature) + 16];
	memset(buf, 0, sizeof(buf));
	struct vfio_device_feature *f = (void *)buf;
	f->argsz = (uint32_t)(sizeof(*f) + payload);
	f->flags = flags | VFIO_DEVICE_FEATURE_PCI_VF_TOKEN;
	for (unsigned i = 0, b = 0; uuid && uuid[i] && b < 16;) {
		if (uuid[i] == '-') {
			i++;
			continue;
		}
		char h[3] = {uuid[i], uuid[i + 1], 0};
		f->data[b++] = (uint8_t)strtoul(h, NULL, 16);
		i += 2;
	}
	RET(key, ioctl(fd, VFIO_DEVICE_FEATURE, buf));
}

/* The SR-IOV capability's offset in the PF's extended config space, the
 * chain recorded as "id@offset" (QEMU's nvme has ARI before it). */
static unsigned sriov_cap(const struct conf_dev *pf, int record)
{
	char chain[256] = "";
	size_t used = 0;
	unsigned found = 0;
	for (unsigned at = 0x100, n = 0; at >= 0x100 && at < 0x1000 && n < 16; n++) {
		uint32_t h = cfg_read(pf, at, 4);
		if (h == 0 || h == 0xffffffff || h == 0xdeadbeef)
			break;
		used += (size_t)snprintf(chain + used, sizeof(chain) - used, "%s%04x@%03x", used ? "," : "",
					 h & 0xffff, at);
		if ((h & 0xffff) == 0x0010)
			found = at;
		at = h >> 20;
		if (used >= sizeof(chain))
			break;
	}
	if (record)
		rec("pf.ext_caps", "%s", chain[0] ? chain : "none");
	return found;
}

static void record_sriov_cap(const struct conf_dev *pf, unsigned at, const char *when)
{
	static const struct {
		unsigned off, width;
		const char *name;
	} f[] = {
	    {0x00, 2, "id"},           {0x02, 1, "version"},     {0x04, 4, "caps"},
	    {0x08, 2, "ctrl"},         {0x0a, 2, "status"},      {0x0c, 2, "initial_vfs"},
	    {0x0e, 2, "total_vfs"},    {0x10, 2, "num_vfs"},     {0x12, 1, "fdl"},
	    {0x14, 2, "offset"},       {0x16, 2, "stride"},      {0x1a, 2, "vf_device"},
	    {0x1c, 4, "page_sizes"},   {0x20, 4, "system_page"}, {0x2c, 4, "vf_bar2"},
	    {0x30, 4, "vf_bar3"},      {0x34, 4, "vf_bar4"},     {0x38, 4, "vf_bar5"},
	    {0x3c, 4, "migration"},
	};
	char key[96];
	for (size_t i = 0; i < sizeof(f) / sizeof(f[0]); i++) {
		snprintf(key, sizeof(key), "%s.pf.sriov_cap.%s", when, f[i].name);
		uint32_t v = cfg_read(pf, at + f[i].off, f[i].width);
		if (f[i].off == 0x02)
			v &= 0x0f;
		rec_x(key, v);
	}
	/* VF BAR0: the type bits (the address is the platform's). */
	snprintf(key, sizeof(key), "%s.pf.sriov_cap.vf_bar0.flags", when);
	rec_x(key, cfg_read(pf, at + 0x24, 4) & 0xf);
}

static void record_vf_sysfs(unsigned i, const char *vf, int pf_group)
{
	char key[96], path[320];
	snprintf(key, sizeof(key), "vf%u.vendor", i);
	rec(key, "%s", read_attr(dev_path(vf, "vendor")));
	snprintf(key, sizeof(key), "vf%u.device", i);
	rec(key, "%s", read_attr(dev_path(vf, "device")));
	snprintf(key, sizeof(key), "vf%u.class", i);
	rec(key, "%s", read_attr(dev_path(vf, "class")));
	snprintf(key, sizeof(key), "vf%u.driver", i);
	rec(key, "%s", link_base(dev_path(vf, "driver"), NULL));
	snprintf(key, sizeof(key), "vf%u.driver_override", i);
	rec(key, "%s", read_attr(dev_path(vf, "driver_override")));
	int rel = 0;
	const char *phys = link_base(dev_path(vf, "physfn"), &rel);
	snprintf(key, sizeof(key), "vf%u.physfn", i);
	rec(key, "%s%s", rel ? "../" : "", !strcmp(phys, pf_bdf) ? "<pf>" : phys);
	snprintf(key, sizeof(key), "vf%u.sriov_vf_msix_count.mode", i);
	rec_mode(key, dev_path(vf, "sriov_vf_msix_count"));
	snprintf(key, sizeof(key), "vf%u.sriov_totalvfs", i);
	rec(key, "%s", read_attr(dev_path(vf, "sriov_totalvfs")));
	int g = group_number(vf);
	snprintf(key, sizeof(key), "vf%u.group", i);
	rec(key, "%s", g < 0 ? "none" : g == pf_group ? "the pf's" : "own");
	snprintf(path, sizeof(path), "/dev/vfio/%d", g);
	snprintf(key, sizeof(key), "vf%u.group.node", i);
	RET(key, access(path, F_OK)); /* errno read after the call */
}

/* A VF as vfio-pci shows it: a few config registers, device, region and
 * IRQ info. */
static void record_vf_device(int fd)
{
	struct conf_dev vf = {.name = "vf0", .fd = fd};
	vf.cfg_off = region_offset(fd, VFIO_PCI_CONFIG_REGION_INDEX);
	static const struct {
		unsigned off, width;
		const char *name;
	} f[] = {
	    {0x00, 2, "vendor"},   {0x02, 2, "device"},    {0x04, 2, "command"},  {0x06, 2, "status"},
	    {0x08, 4, "rev_class"}, {0x0e, 1, "header_type"}, {0x2c, 4, "subsystem"}, {0x10, 4, "bar0"},
	    {0x14, 4, "bar1"},     {0x18, 4, "bar2"},      {0x30, 4, "rom"},      {0x3c, 1, "int_line"},
	    {0x3d, 1, "int_pin"},
	};
	/* BAR0 and BAR1 whole: a VF's own BAR registers read 0 (the addresses
	 * are the PF capability's), so vfio-pci's virtual BAR0 holds its flags
	 * only (0x4 on 6.12) and BAR1 0. */
	for (size_t i = 0; i < sizeof(f) / sizeof(f[0]); i++)
		rec_x(k(&vf, "config.%s", f[i].name), cfg_read(&vf, f[i].off, f[i].width));
	uint32_t bar0 = cfg_read(&vf, 0x10, 4);
	rec_x(k(&vf, "config.bar0.flags"), bar0 & 0xf);
	uint32_t saved = bar0;
	cfg_write(&vf, 0x10, 4, 0xffffffff);
	rec_x(k(&vf, "config.bar0.sizing"), cfg_read(&vf, 0x10, 4));
	cfg_write(&vf, 0x10, 4, saved);
	/* The memory enable the user sets: a VF's own register has none. */
	uint16_t cmd = (uint16_t)cfg_read(&vf, 0x04, 2);
	cfg_write(&vf, 0x04, 2, cmd | 0x2);
	rec_x(k(&vf, "config.command.after_memory_enable"), cfg_read(&vf, 0x04, 2));
	cfg_write(&vf, 0x04, 2, cmd);

	struct vfio_device_info info = {.argsz = sizeof(info)};
	if (ioctl(fd, VFIO_DEVICE_GET_INFO, &info) == 0) {
		rec_x(k(&vf, "info.flags"), info.flags & (VFIO_DEVICE_FLAGS_RESET | VFIO_DEVICE_FLAGS_PCI));
		rec_u(k(&vf, "info.num_irqs"), info.num_irqs);
	} else {
		rec_ret(k(&vf, "info"), -1, errno);
	}
	struct vfio_region_info ri;
	for (unsigned r = 0; r <= VFIO_PCI_CONFIG_REGION_INDEX; r++) {
		if (region_info(fd, r, &ri))
			rec_ret(k(&vf, "region%u", r), -1, errno);
		else
			rec(k(&vf, "region%u", r), "size=0x%llx flags=0x%x", (unsigned long long)ri.size,
			    ri.flags & (VFIO_REGION_INFO_FLAG_READ | VFIO_REGION_INFO_FLAG_WRITE |
					VFIO_REGION_INFO_FLAG_MMAP));
	}
	for (unsigned idx = VFIO_PCI_INTX_IRQ_INDEX; idx <= VFIO_PCI_MSI_IRQ_INDEX; idx++) {
		struct vfio_irq_info ii = {.argsz = sizeof(ii), .index = idx};
		if (ioctl(fd, VFIO_DEVICE_GET_IRQ_INFO, &ii))
			rec_ret(k(&vf, "irq%u", idx), -1, errno);
		else
			rec(k(&vf, "irq%u", idx), "count=%u", ii.count);
	}
}

void scenario_sriov(void)
{
	rec_scenario("sriov", 0);
	if (find_pci(0x1b36, 0x0010, pf_bdf, sizeof(pf_bdf))) {
		rec("pf.found", "no");
		return;
	}
	rec("pf.found", "yes");
	static const char *const files[] = {"sriov_totalvfs",   "sriov_numvfs",           "sriov_offset",
					    "sriov_stride",     "sriov_vf_device",        "sriov_drivers_autoprobe",
					    "sriov_vf_total_msix"};
	char key[128];
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		snprintf(key, sizeof(key), "pf.%s", files[i]);
		rec(key, "%s", read_attr(dev_path(pf_bdf, files[i])));
		snprintf(key, sizeof(key), "pf.%s.mode", files[i]);
		rec_mode(key, dev_path(pf_bdf, files[i]));
	}
	vf_offset = (unsigned)strtoul(read_attr(dev_path(pf_bdf, "sriov_offset")), NULL, 10);
	vf_stride = (unsigned)strtoul(read_attr(dev_path(pf_bdf, "sriov_stride")), NULL, 10);
	rec("pf.driver", "%s", link_base(dev_path(pf_bdf, "driver"), NULL));
	const char *param = "/sys/module/vfio_pci/parameters/enable_sriov";
	rec("enable_sriov", "%s", read_attr(param));
	rec_mode("enable_sriov.mode", param);

	/* The PF's config region, in a container of its own. */
	int container = open("/dev/vfio/vfio", O_RDWR | O_CLOEXEC);
	rec_ret("container.open", container, errno);
	if (container < 0)
		return;
	int pf_group_nr = group_number(pf_bdf);
	int pg = open_group_of(container, pf_bdf, "pf");
	RET("container.set_iommu", ioctl(container, VFIO_SET_IOMMU, VFIO_TYPE1v2_IOMMU));
	struct conf_dev pf = {.name = "pf", .fd = -1};
	pf.fd = get_fd(pg, pf_bdf, NULL, "pf.get_device_fd.before_vfs");
	unsigned cap = 0;
	if (pf.fd >= 0) {
		pf.cfg_off = region_offset(pf.fd, VFIO_PCI_CONFIG_REGION_INDEX);
		cap = sriov_cap(&pf, 1);
		rec("pf.sriov_cap.found", "%s", cap ? "yes" : "no");
		if (cap)
			record_sriov_cap(&pf, cap, "before");
	}

	/* sriov_numvfs: enable_sriov N first, then Y. */
	numvfs("1.enable_sriov_n", "1");
	numvfs("0.enable_sriov_n", "0");
	write_attr("enable_sriov.write.y", param, "Y");
	rec("enable_sriov.after", "%s", read_attr(param));
	numvfs("above_total", "99");
	numvfs("above_u16", "70000");
	numvfs("garbage", "abc");
	numvfs("negative", "-1");
	numvfs("empty", "");
	numvfs("2", "2");
	rec("pf.sriov_numvfs.after_2", "%s", read_attr(dev_path(pf_bdf, "sriov_numvfs")));
	numvfs("3_while_2", "3");
	numvfs("1_while_2", "1");
	numvfs("2_again", "2");
	numvfs("2_hex", "0x2");
	rec("pf.sriov_numvfs.still", "%s", read_attr(dev_path(pf_bdf, "sriov_numvfs")));
	record_links("enabled", 2);

	char vf0[32], vf1[32];
	vf_bdf(0, vf0, sizeof(vf0));
	vf_bdf(1, vf1, sizeof(vf1));
	record_vf_sysfs(0, vf0, pf_group_nr);
	record_vf_sysfs(1, vf1, pf_group_nr);
	rec("vf0.listed", "%s", listed(vf0));
	rec("vf0.present", "%s", present(vf0));
	rec("vf.groups", "%s", group_number(vf0) != group_number(vf1) ? "distinct" : "shared");
	write_attr("vf0.sriov_vf_msix_count.write.garbage", dev_path(vf0, "sriov_vf_msix_count"), "x");
	write_attr("vf0.sriov_vf_msix_count.write.negative", dev_path(vf0, "sriov_vf_msix_count"), "-1");
	write_attr("vf0.sriov_vf_msix_count.write.2", dev_path(vf0, "sriov_vf_msix_count"), "2");
	if (cap)
		record_sriov_cap(&pf, cap, "enabled");
	if (cap) {
		/* vfio-pci passes the capability through read only. */
		cfg_write(&pf, cap + 0x10, 2, 3);
		rec_x("enabled.pf.sriov_cap.num_vfs.after_user_write", cfg_read(&pf, cap + 0x10, 2));
	}

	/* The VF token. */
	int vg = open_group_of(container, vf0, "vf0");
	int vf = -1;
	if (vg >= 0 && pf.fd >= 0) {
		int fd = get_fd(vg, vf0, NULL, "vf0.get_device_fd.no_token");
		if (fd >= 0)
			close(fd);
		try_fd(vg, vf0, U1, "vf0.get_device_fd.token_before_set");
		vf_token("pf.vf_token.probe_set", pf.fd, VFIO_DEVICE_FEATURE_PROBE | VFIO_DEVICE_FEATURE_SET, NULL,
			 16);
		vf_token("pf.vf_token.probe_get", pf.fd, VFIO_DEVICE_FEATURE_PROBE | VFIO_DEVICE_FEATURE_GET, NULL,
			 16);
		vf_token("pf.vf_token.get", pf.fd, VFIO_DEVICE_FEATURE_GET, NULL, 16);
		vf_token("pf.vf_token.set_short", pf.fd, VFIO_DEVICE_FEATURE_SET, U1, 15);
		vf_token("pf.vf_token.set_u1", pf.fd, VFIO_DEVICE_FEATURE_SET, U1, 16);
		try_fd(vg, vf0, U2, "vf0.get_device_fd.wrong_token");
		try_fd(vg, vf0, NULL, "vf0.get_device_fd.no_token_after_set");
		char name[128];
		snprintf(name, sizeof(name), "%s vf_token=2ab74924-c335-45f4-9b16", vf0);
		try_fd(vg, name, NULL, "vf0.get_device_fd.short_uuid");
		snprintf(name, sizeof(name), "%s vf_token=%s junk", vf0, U1);
		try_fd(vg, name, NULL, "vf0.get_device_fd.trailing_junk");
		vf = get_fd(vg, vf0, U1, "vf0.get_device_fd.token_u1");
		if (vf >= 0) {
			vf_token("vf0.vf_token.probe_set", vf, VFIO_DEVICE_FEATURE_PROBE | VFIO_DEVICE_FEATURE_SET,
				 NULL, 16);
			try_fd(pg, pf_bdf, NULL, "pf.get_device_fd.no_token_vf_open");
			try_fd(pg, pf_bdf, U2, "pf.get_device_fd.wrong_token_vf_open");
			try_fd(pg, pf_bdf, U1, "pf.get_device_fd.token_u1_vf_open");
			record_vf_device(vf);
			close(vf);
		}
		try_fd(pg, pf_bdf, U2, "pf.get_device_fd.token_u2_sets_it");
		try_fd(vg, vf0, U1, "vf0.get_device_fd.old_token_u1");
		try_fd(vg, vf0, U2, "vf0.get_device_fd.token_u2");
		try_fd(vg, vf1, NULL, "vf1.get_device_fd.other_group");
	}
	if (vg >= 0)
		close(vg);

	/* Disable with the PF still open, then sriov_drivers_autoprobe. */
	numvfs("0", "0");
	rec("pf.sriov_numvfs.after_0", "%s", read_attr(dev_path(pf_bdf, "sriov_numvfs")));
	record_links("disabled", 0);
	rec("vf0.listed_after_0", "%s", listed(vf0));
	rec("vf0.present_after_0", "%s", present(vf0));
	numvfs("0_again", "0");
	if (cap)
		record_sriov_cap(&pf, cap, "disabled");
	if (pf.fd >= 0)
		close(pf.fd);
	if (pg >= 0)
		close(pg);
	close(container);

	const char *autoprobe = dev_path(pf_bdf, "sriov_drivers_autoprobe");
	char ap[320];
	snprintf(ap, sizeof(ap), "%s", autoprobe);
	write_attr("pf.sriov_drivers_autoprobe.write.garbage", ap, "maybe");
	write_attr("pf.sriov_drivers_autoprobe.write.0", ap, "0");
	rec("pf.sriov_drivers_autoprobe.after_0", "%s", read_attr(ap));
	numvfs("1.autoprobe_0", "1");
	rec("autoprobe_0.vf0.driver", "%s", link_base(dev_path(vf0, "driver"), NULL));
	rec("autoprobe_0.vf0.driver_override", "%s", read_attr(dev_path(vf0, "driver_override")));
	write_attr("pf.sriov_drivers_autoprobe.write.1", ap, "1");

	/* Unbinding the PF from vfio-pci removes its VFs first. The guest's
	 * init bound the PF through driver_override, softvfio run without it:
	 * set it, so that bind finds vfio-pci matching on both sides. */
	write_attr("pf.driver_override.write", dev_path(pf_bdf, "driver_override"), "vfio-pci");
	write_attr("pf.unbind_with_vfs", "/sys/bus/pci/drivers/vfio-pci/unbind", pf_bdf);
	rec("unbound.pf.driver", "%s", link_base(dev_path(pf_bdf, "driver"), NULL));
	rec("unbound.pf.sriov_numvfs", "%s", read_attr(dev_path(pf_bdf, "sriov_numvfs")));
	rec("unbound.vf0.listed", "%s", listed(vf0));
	rec("unbound.vf0.present", "%s", present(vf0));
	numvfs("1.unbound", "1");
	write_attr("pf.bind_again", "/sys/bus/pci/drivers/vfio-pci/bind", pf_bdf);
	rec("bound_again.pf.driver", "%s", link_base(dev_path(pf_bdf, "driver"), NULL));
	numvfs("1.bound_again", "1");
	numvfs("0.bound_again", "0");
	rec("end.pf.sriov_numvfs", "%s", read_attr(dev_path(pf_bdf, "sriov_numvfs")));
}
