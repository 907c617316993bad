/* SPDX-License-Identifier: MIT */
/* Container, group and type1 IOMMU: the open sequence, its errnos, and
 * the teardown. */
#define _GNU_SOURCE
#include "suite.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#define IOCTL(key, fd, req, arg)                                                                   \
	do {                                                                                       \
		long r_ = ioctl(fd, req, arg);                                                     \
		rec_ret(key, r_, errno);                                                           \
	} while (0)

/* A container of its own, never given a group. */
void scenario_container(void)
{
	rec_scenario("container", 0);
	int c = open("/dev/vfio/vfio", O_RDWR | O_CLOEXEC);
	rec_ret("open", c, errno);
	if (c < 0)
		return;
	rec("api_version", "%d", ioctl(c, VFIO_GET_API_VERSION));
	for (unsigned ext = 0; ext <= 11; ext++) {
		char key[64];
		snprintf(key, sizeof(key), "check_extension.%u", ext);
		rec(key, "%d", ioctl(c, VFIO_CHECK_EXTENSION, ext));
	}
	IOCTL("set_iommu.type1v2.no_group", c, VFIO_SET_IOMMU, VFIO_TYPE1v2_IOMMU);
	struct vfio_iommu_type1_info info = {.argsz = sizeof(info)};
	IOCTL("iommu_get_info.no_iommu", c, VFIO_IOMMU_GET_INFO, &info);
	struct vfio_iommu_type1_dma_map map = {.argsz = sizeof(map), .size = 4096};
	IOCTL("map_dma.no_iommu", c, VFIO_IOMMU_MAP_DMA, &map);
	IOCTL("unknown_ioctl", c, _IO(VFIO_TYPE, VFIO_BASE + 40), 0);
	close(c);
}

static void open_group(struct suite *s, struct conf_dev *d)
{
	char path[64];
	snprintf(path, sizeof(path), "/dev/vfio/%d", group_number(d->bdf));
	d->group = open(path, O_RDWR | O_CLOEXEC);
	rec_ret(k(d, "group.open"), d->group, errno);
	if (d->group < 0)
		return;
	struct vfio_group_status st = {.argsz = sizeof(st)};
	IOCTL(k(d, "group.get_status"), d->group, VFIO_GROUP_GET_STATUS, &st);
	rec_x(k(d, "group.status.flags"), st.flags);
	st.argsz = 4;
	IOCTL(k(d, "group.get_status.argsz4"), d->group, VFIO_GROUP_GET_STATUS, &st);
	int fd = ioctl(d->group, VFIO_GROUP_GET_DEVICE_FD, d->bdf);
	rec_ret(k(d, "group.get_device_fd.no_container"), fd, errno);
	if (fd >= 0)
		close(fd);
	int bad = -1;
	IOCTL(k(d, "group.set_container.bad_fd"), d->group, VFIO_GROUP_SET_CONTAINER, &bad);
	IOCTL(k(d, "group.set_container"), d->group, VFIO_GROUP_SET_CONTAINER, &s->container);
	IOCTL(k(d, "group.set_container.again"), d->group, VFIO_GROUP_SET_CONTAINER, &s->container);
	st.argsz = sizeof(st);
	ioctl(d->group, VFIO_GROUP_GET_STATUS, &st);
	rec_x(k(d, "group.status.flags.with_container"), st.flags);
}

static void open_device(struct conf_dev *d)
{
	char path[64];
	snprintf(path, sizeof(path), "/dev/vfio/%d", group_number(d->bdf));
	int again = open(path, O_RDWR | O_CLOEXEC);
	RET(k(d, "group.open.second"), again);
	if (again >= 0)
		close(again);
	RET(k(d, "group.get_device_fd.empty_name"), ioctl(d->group, VFIO_GROUP_GET_DEVICE_FD, ""));
	int fd = ioctl(d->group, VFIO_GROUP_GET_DEVICE_FD, "0000:ff:1f.7");
	rec_ret(k(d, "group.get_device_fd.wrong_name"), fd, errno);
	d->fd = ioctl(d->group, VFIO_GROUP_GET_DEVICE_FD, d->bdf);
	rec_ret(k(d, "group.get_device_fd"), d->fd, errno);
	if (d->fd >= 0)
		d->cfg_off = region_offset(d->fd, VFIO_PCI_CONFIG_REGION_INDEX);
	int flags = d->fd >= 0 ? fcntl(d->fd, F_GETFL) : 0;
	rec(k(d, "device_fd.accmode"), "%s", (flags & O_ACCMODE) == O_RDWR ? "O_RDWR" : "other");
	rec(k(d, "device_fd.cloexec"), "%d", d->fd >= 0 && (fcntl(d->fd, F_GETFD) & FD_CLOEXEC));
}

/* Both groups into one container, TYPE1v2 set in between. */
void scenario_group(struct suite *s)
{
	rec_scenario("group", 0);
	s->container = open("/dev/vfio/vfio", O_RDWR | O_CLOEXEC);
	rec_ret("container.open", s->container, errno);
	if (s->container < 0)
		return;
	open_group(s, &s->ivshmem);
	IOCTL("set_iommu.type1", s->container, VFIO_SET_IOMMU, 99);
	IOCTL("set_iommu.type1v2", s->container, VFIO_SET_IOMMU, VFIO_TYPE1v2_IOMMU);
	IOCTL("set_iommu.again", s->container, VFIO_SET_IOMMU, VFIO_TYPE1v2_IOMMU);
	for (unsigned ext = 0; ext <= 11; ext++) {
		char key[64];
		snprintf(key, sizeof(key), "check_extension.%u.type1v2_set", ext);
		rec(key, "%d", ioctl(s->container, VFIO_CHECK_EXTENSION, ext));
	}
	open_group(s, &s->edu);
	open_device(&s->ivshmem);
	open_device(&s->edu);
	int fd = ioctl(s->ivshmem.group, VFIO_GROUP_GET_DEVICE_FD, s->ivshmem.bdf);
	rec_ret("ivshmem-plain.group.get_device_fd.second", fd, errno);
	if (fd >= 0)
		close(fd);
}

static void dump_caps(const uint8_t *buf, uint32_t first, uint32_t len)
{
	char key[64];
	unsigned n = 0;
	for (uint32_t at = first; at && at + sizeof(struct vfio_info_cap_header) <= len && n < 8; n++) {
		const struct vfio_info_cap_header *h = (const void *)(buf + at);
		snprintf(key, sizeof(key), "cap%u.id_version", n);
		rec(key, "%u/%u", h->id, h->version);
		if (h->id == VFIO_IOMMU_TYPE1_INFO_CAP_IOVA_RANGE) {
			const struct vfio_iommu_type1_info_cap_iova_range *r = (const void *)h;
			snprintf(key, sizeof(key), "cap%u.nr_iovas", n);
			rec_u(key, r->nr_iovas);
			for (uint32_t i = 0; i < r->nr_iovas && i < 8; i++) {
				snprintf(key, sizeof(key), "cap%u.iova%u", n, i);
				rec(key, "0x%llx-0x%llx", (unsigned long long)r->iova_ranges[i].start,
				    (unsigned long long)r->iova_ranges[i].end);
			}
		} else if (h->id == VFIO_IOMMU_TYPE1_INFO_CAP_MIGRATION) {
			const struct vfio_iommu_type1_info_cap_migration *m = (const void *)h;
			snprintf(key, sizeof(key), "cap%u.migration", n);
			rec(key, "flags=0x%x pgsize=0x%llx max_bitmap=0x%llx", m->flags,
			    (unsigned long long)m->pgsize_bitmap, (unsigned long long)m->max_dirty_bitmap_size);
		} else if (h->id == VFIO_IOMMU_TYPE1_INFO_DMA_AVAIL) {
			const struct vfio_iommu_type1_info_dma_avail *a = (const void *)h;
			snprintf(key, sizeof(key), "cap%u.dma_avail", n);
			rec_u(key, a->avail);
		}
		at = h->next;
	}
}

void scenario_iommu_info(struct suite *s)
{
	rec_scenario("iommu_info", 0);
	struct vfio_iommu_type1_info info = {.argsz = 16};
	IOCTL("get_info.argsz16", s->container, VFIO_IOMMU_GET_INFO, &info);
	memset(&info, 0, sizeof(info));
	info.argsz = sizeof(info);
	IOCTL("get_info.argsz24", s->container, VFIO_IOMMU_GET_INFO, &info);
	rec_x("argsz24.flags", info.flags);
	rec_x("argsz24.iova_pgsizes", info.iova_pgsizes);
	rec_u("argsz24.argsz_out", info.argsz);
	rec_u("argsz24.cap_offset", info.cap_offset);
	union {
		struct vfio_iommu_type1_info info;
		uint8_t bytes[1024];
	} big;
	memset(&big, 0, sizeof(big));
	big.info.argsz = sizeof(big);
	IOCTL("get_info.full", s->container, VFIO_IOMMU_GET_INFO, &big);
	rec_u("full.argsz_out", big.info.argsz);
	rec_u("full.cap_offset", big.info.cap_offset);
	dump_caps(big.bytes, big.info.cap_offset, sizeof(big));
}

/* Closing in the wrong order, then the right one. */
void scenario_teardown(struct suite *s)
{
	rec_scenario("teardown", 0);
	RET("edu.unset_container.device_open", ioctl(s->edu.group, VFIO_GROUP_UNSET_CONTAINER));
	close(s->edu.fd);
	RET("edu.unset_container", ioctl(s->edu.group, VFIO_GROUP_UNSET_CONTAINER));
	RET("edu.unset_container.again", ioctl(s->edu.group, VFIO_GROUP_UNSET_CONTAINER));
	struct vfio_group_status st = {.argsz = sizeof(st)};
	ioctl(s->edu.group, VFIO_GROUP_GET_STATUS, &st);
	rec_x("edu.status.after_unset", st.flags);
	RET("edu.get_device_fd.after_unset", ioctl(s->edu.group, VFIO_GROUP_GET_DEVICE_FD, s->edu.bdf));
	struct vfio_iommu_type1_info info = {.argsz = sizeof(info)};
	RET("container.get_info.one_group_left", ioctl(s->container, VFIO_IOMMU_GET_INFO, &info));
	close(s->ivshmem.fd);
	RET("ivshmem-plain.unset_container", ioctl(s->ivshmem.group, VFIO_GROUP_UNSET_CONTAINER));
	RET("container.get_info.no_group", ioctl(s->container, VFIO_IOMMU_GET_INFO, &info));
	rec("container.check_extension.1.no_group", "%d", ioctl(s->container, VFIO_CHECK_EXTENSION, 1));
	RET("container.set_iommu.no_group", ioctl(s->container, VFIO_SET_IOMMU, VFIO_TYPE1v2_IOMMU));
	RET("edu.set_container.again", ioctl(s->edu.group, VFIO_GROUP_SET_CONTAINER, &s->container));
	RET("container.set_iommu.again", ioctl(s->container, VFIO_SET_IOMMU, VFIO_TYPE1v2_IOMMU));
	/* What survives a close: the config state saved at open is restored,
	 * edu has no reset method, so its registers keep their values. */
	s->edu.fd = ioctl(s->edu.group, VFIO_GROUP_GET_DEVICE_FD, s->edu.bdf);
	RET("edu.reopen", s->edu.fd);
	if (s->edu.fd >= 0) {
		rec_x("edu.reopen.command", cfg_read(&s->edu, 0x04, 2));
		rec_x("edu.reopen.msi_control", cfg_read(&s->edu, 0x42, 2));
		rec_x("edu.reopen.liveness", bar_rd(&s->edu, 0, 0x04, 4));
		rec_x("edu.reopen.irq_status", bar_rd(&s->edu, 0, 0x24, 4));
		close(s->edu.fd);
	}
	close(s->edu.group);
	close(s->ivshmem.group);
	close(s->container);
}
