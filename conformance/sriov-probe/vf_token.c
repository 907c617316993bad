/* SPDX-License-Identifier: MIT */
/*
 * The SR-IOV probe's VF token sequence on a real kernel: `vf_token PFGROUP
 * PFBDF VFGROUP VFBDF` opens both groups in one type1v2 container and prints
 * the outcome of each VFIO_GROUP_GET_DEVICE_FD and PCI_VF_TOKEN feature call
 * (the rows tests/access/vf_token_test.cc checks on the model).
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/vfio.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>
static const char *U1 = "2ab74924-c335-45f4-9b16-8569e5b08258";
static const char *U2 = "5f3c9f6e-7d1a-4c2b-9e8f-0a1b2c3d4e5f";
static int get(int group, const char *bdf, const char *uuid, const char *what)
{
	char name[128];
	if (uuid) snprintf(name, sizeof(name), "%s vf_token=%s", bdf, uuid);
	else snprintf(name, sizeof(name), "%s", bdf);
	int fd = ioctl(group, VFIO_GROUP_GET_DEVICE_FD, name);
	printf("T: %s: %s\n", what, fd >= 0 ? "ok" : strerror(errno));
	return fd;
}
static void feature(int dev, unsigned flags, const char *uuid, size_t payload, const char *what)
{
	unsigned char buf[sizeof(struct vfio_device_feature) + 16] = {0};
	struct vfio_device_feature *f = (void *)buf;
	f->argsz = sizeof(*f) + payload;
	f->flags = flags | VFIO_DEVICE_FEATURE_PCI_VF_TOKEN;
	for (int i = 0, b = 0; uuid && uuid[i] && b < 16;) {
		if (uuid[i] == '-') { i++; continue; }
		char h[3] = {uuid[i], uuid[i + 1], 0};
		f->data[b++] = strtoul(h, 0, 16);
		i += 2;
	}
	int r = ioctl(dev, VFIO_DEVICE_FEATURE, buf);
	printf("T: %s: %s\n", what, r == 0 ? "0" : strerror(errno));
}
static int group(int container, const char *n)
{
	char p[64];
	snprintf(p, sizeof(p), "/dev/vfio/%s", n);
	int g = open(p, O_RDWR);
	if (g < 0) { printf("T: open %s: %s\n", p, strerror(errno)); exit(1); }
	if (ioctl(g, VFIO_GROUP_SET_CONTAINER, &container)) printf("T: set container: %s\n", strerror(errno));
	return g;
}
int main(int argc, char **argv)
{
	if (argc != 5) return 2;
	int c = open("/dev/vfio/vfio", O_RDWR);
	int pg = group(c, argv[1]), vg = group(c, argv[3]);
	if (ioctl(c, VFIO_SET_IOMMU, VFIO_TYPE1v2_IOMMU)) printf("T: set iommu: %s\n", strerror(errno));
	const char *pf = argv[2], *vf = argv[4];
	get(vg, vf, NULL, "vf without token");
	get(vg, vf, U1, "vf with a token before any was set");
	int p = get(pg, pf, NULL, "pf without token");
	feature(p, VFIO_DEVICE_FEATURE_PROBE | VFIO_DEVICE_FEATURE_SET, NULL, 16, "probe set");
	feature(p, VFIO_DEVICE_FEATURE_PROBE | VFIO_DEVICE_FEATURE_GET, NULL, 16, "probe get");
	feature(p, VFIO_DEVICE_FEATURE_SET, U1, 15, "set short payload");
	feature(p, VFIO_DEVICE_FEATURE_SET, U1, 16, "set U1");
	get(vg, vf, U2, "vf with the wrong token");
	int v = get(vg, vf, U1, "vf with U1");
	feature(v, VFIO_DEVICE_FEATURE_PROBE | VFIO_DEVICE_FEATURE_SET, NULL, 16, "probe set on the vf");
	get(pg, pf, NULL, "pf without token while a vf is open");
	get(pg, pf, U2, "pf with the wrong token while a vf is open");
	get(pg, pf, U1, "pf with U1 while a vf is open");
	char short_uuid[128];
	snprintf(short_uuid, sizeof(short_uuid), "%s vf_token=2ab74924-c335-45f4-9b16", vf);
	get(vg, short_uuid, NULL, "short uuid");
	close(v);
	get(pg, pf, U2, "pf with U2 after the vf closed (sets it)");
	get(vg, vf, U2, "vf with U2");
	close(p);
	printf("T: END\n");
	return 0;
}
