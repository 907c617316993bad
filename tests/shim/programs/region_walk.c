/* SPDX-License-Identifier: MIT */
/*
 * Region walk and BAR mmap through the legacy group path, checked the way a
 * driver would: region info with capability chains, data through the
 * mapping and through pread/pwrite, and the mapping's /proc/self/maps line
 * (offset column = region offset; the path the profile's kernel shows).
 *
 * usage: region_walk <bdf> dmabuf|anon
 */
#include "svt.h"

#define WINDOW (2ul << 20)

/* The capability chain of a region, walked with a cycle guard. */
static int walk_caps(int device, unsigned index, uint32_t argsz)
{
	struct vfio_region_info *info = calloc(1, argsz);
	if (!info)
		return -1;
	info->argsz = argsz;
	info->index = index;
	int caps = -1;
	if (ioctl(device, VFIO_DEVICE_GET_REGION_INFO, info) == 0 && (info->flags & VFIO_REGION_INFO_FLAG_CAPS)) {
		caps = 0;
		for (uint32_t off = info->cap_offset; off && caps < 16; caps++) {
			if (off + sizeof(struct vfio_info_cap_header) > argsz)
				break;
			struct vfio_info_cap_header *h = (struct vfio_info_cap_header *)((char *)info + off);
			SVT_INFO("region %u capability id %u version %u", index, h->id, h->version);
			off = h->next;
		}
	}
	free(info);
	return caps;
}

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: %s <bdf> dmabuf|anon\n", argv[0]);
		return 2;
	}
	const char *bdf = argv[1];
	int want_dmabuf = strcmp(argv[2], "dmabuf") == 0;
	struct svt_dev d;
	SVT_REQUIRE(svt_open_group_path(bdf, &d) == 0, "open %s through container and group %d", bdf, d.group_number);

	char link[256], want[64];
	SVT_CHECK(strcmp(svt_fd_link(d.container, link, sizeof(link)), "/dev/vfio/vfio") == 0,
		  "container fd links to '%s'", link);
	snprintf(want, sizeof(want), "/dev/vfio/%d", d.group_number);
	SVT_CHECK(strcmp(svt_fd_link(d.group, link, sizeof(link)), want) == 0, "group fd links to '%s'", link);
	SVT_CHECK(strcmp(svt_fd_link(d.device, link, sizeof(link)), "anon_inode:[vfio-device]") == 0,
		  "device fd links to '%s'", link);
	SVT_CHECK(fcntl(d.device, F_GETFD) == FD_CLOEXEC, "device fd is close-on-exec");

	struct vfio_device_info info = {.argsz = sizeof(info)};
	SVT_REQUIRE(ioctl(d.device, VFIO_DEVICE_GET_INFO, &info) == 0, "VFIO_DEVICE_GET_INFO");
	SVT_CHECK((info.flags & VFIO_DEVICE_FLAGS_PCI) && info.num_regions >= 9 && info.num_irqs == 5,
		  "device info flags 0x%x, %u regions, %u irqs", info.flags, info.num_regions, info.num_irqs);

	int bar = -1;
	struct vfio_region_info bar_info = {0};
	for (unsigned i = 0; i < info.num_regions; i++) {
		struct vfio_region_info r;
		if (svt_region(d.device, i, &r) < 0) {
			SVT_INFO("region %u: errno %d", i, errno);
			continue;
		}
		SVT_INFO("region %u size 0x%llx offset 0x%llx flags 0x%x argsz %u", i, (unsigned long long)r.size,
			 (unsigned long long)r.offset, r.flags, r.argsz);
		if (i <= VFIO_PCI_CONFIG_REGION_INDEX)
			SVT_CHECK(r.offset == (uint64_t)i << 40, "region %u at offset index << 40", i);
		if (r.argsz > sizeof(r))
			SVT_CHECK(walk_caps(d.device, i, r.argsz) > 0, "region %u capability chain", i);
		/* BAR2 if it can be mapped (its offset column is not 0), else
		 * the first BAR that can. */
		if ((bar < 0 || i == 2) && i < VFIO_PCI_ROM_REGION_INDEX && (r.flags & VFIO_REGION_INFO_FLAG_MMAP) &&
		    r.size >= 4096) {
			bar = (int)i;
			bar_info = r;
		}
	}
	SVT_REQUIRE(bar >= 0, "a mappable BAR (BAR%d)", bar);

	size_t len = bar_info.size < WINDOW ? bar_info.size : WINDOW;
	uint32_t *map = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, d.device, (off_t)bar_info.offset);
	SVT_REQUIRE(map != MAP_FAILED, "mmap BAR%d (%zu bytes)", bar, len);
	SVT_CHECK(mmap(NULL, len, PROT_READ, MAP_PRIVATE, d.device, (off_t)bar_info.offset) == MAP_FAILED &&
			  errno == EINVAL,
		  "MAP_PRIVATE of a BAR fails with EINVAL");

	size_t words = len / 4, bad = 0;
	for (size_t i = 0; i < words; i++)
		map[i] = 0xA5000000u ^ (uint32_t)i;
	for (size_t i = 0; i < words; i++)
		bad += map[i] != (0xA5000000u ^ (uint32_t)i);
	SVT_CHECK(bad == 0, "pattern through the mapping (%zu bad words)", bad);
	uint32_t word = 0;
	SVT_CHECK(pread(d.device, &word, 4, (off_t)(bar_info.offset + 64)) == 4 && word == (0xA5000000u ^ 16u),
		  "pread of the BAR region sees the mapping's data (0x%x)", word);
	word = 0x5eedf00d;
	SVT_CHECK(pwrite(d.device, &word, 4, (off_t)(bar_info.offset + 128)) == 4 && map[32] == 0x5eedf00d,
		  "pwrite of the BAR region shows in the mapping");

	struct svt_maps_line m;
	SVT_REQUIRE(svt_maps_find(map, &m) == 0, "the mapping is in /proc/self/maps");
	SVT_CHECK(m.start == (unsigned long)map && m.end == (unsigned long)map + len, "one line for the whole VMA");
	SVT_CHECK(m.offset == bar_info.offset, "offset column 0x%llx = region offset", m.offset);
	SVT_CHECK(strcmp(m.perms, "rw-s") == 0, "permissions %s", m.perms);
	if (want_dmabuf) {
		unsigned n = 0, idx = 99;
		char dev_bdf[32] = "";
		int parsed = sscanf(m.path, "/dmabuf:vfio%u:%12[0-9a-f:.]/%x", &n, dev_bdf, &idx);
		SVT_CHECK(parsed == 3 && strcmp(dev_bdf, bdf) == 0 && idx == (unsigned)bar, "path '%s'", m.path);
	} else {
		SVT_CHECK(strcmp(m.path, "anon_inode:[vfio-device]") == 0, "path '%s'", m.path);
	}

	/* A hole in the middle: two VMAs, the second keeping its offset. */
	if (len >= 3 * 4096) {
		SVT_CHECK(munmap((char *)map + 4096, 4096) == 0, "munmap of one page in the middle");
		struct svt_maps_line tail;
		SVT_CHECK(svt_maps_find((char *)map + 2 * 4096, &tail) == 0 && tail.start == (unsigned long)map + 2 * 4096 &&
				  tail.offset == bar_info.offset + 2 * 4096 && strcmp(tail.path, m.path) == 0,
			  "the tail is its own line at offset 0x%llx", tail.offset);
		SVT_CHECK(svt_maps_find(map, &m) == 0 && m.end == (unsigned long)map + 4096, "the head ends at the hole");
	}

	/* The mapping keeps the device open. */
	close(d.device);
	d.device = -1;
	SVT_CHECK(map[0] == 0xA5000000u, "the mapping works after the device fd is closed");
	SVT_CHECK(munmap(map, len) == 0, "munmap");
	svt_close_dev(&d);
	return svt_finish();
}
