/* SPDX-License-Identifier: MIT */
/*
 * DMABUF export of BAR memory and what a program sees of it: the fd's name
 * and size (readlink, lseek, fstat, fdinfo), mmap (aliasing the BAR
 * mapping, its own /proc/self/maps line), DMA_BUF_SET_NAME, MEMATTR,
 * memory disable and enable (SIGBUS, then the data back), and permanent
 * REVOKE (SIGBUS with BUS_ADRERR at the exact address, caught with
 * sigsetjmp; a new mmap fails with ENODEV).
 *
 * usage: dmabuf <bdf>      (series-v4 profile)
 */
#include "svt.h"

#include <softvfio/uapi/dma-buf.h>

#define SIZE (2ul << 20)

/* The value of "key:" in the fd's fdinfo, or "" */
static const char *fdinfo(int fd, const char *key, char *out, size_t size)
{
	char path[64], line[256];
	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	out[0] = '\0';
	FILE *f = fopen(path, "r");
	if (!f)
		return out;
	size_t klen = strlen(key);
	while (fgets(line, sizeof(line), f))
		if (strncmp(line, key, klen) == 0 && line[klen] == ':') {
			char *v = line + klen + 1;
			v += strspn(v, " \t");
			v[strcspn(v, "\n")] = '\0';
			snprintf(out, size, "%s", v);
			break;
		}
	fclose(f);
	return out;
}

int main(int argc, char **argv)
{
	struct svt_dev d;
	SVT_OPEN_FROM_ARGS(argc, argv, &d);
	struct vfio_region_info bar;
	SVT_REQUIRE(svt_region(d.device, 2, &bar) == 0 && bar.size >= SIZE, "BAR2 of 0x%llx bytes",
		    (unsigned long long)bar.size);

	SVT_CHECK(svt_feature(d.device, VFIO_DEVICE_FEATURE_PROBE | VFIO_DEVICE_FEATURE_GET | VFIO_DEVICE_FEATURE_DMA_BUF,
			  NULL, 0) == 0,
		  "DMA_BUF feature probe");
	int buf = svt_export_bar(d.device, 2, 0, SIZE);
	SVT_REQUIRE(buf >= 0, "export BAR2 [0, 2 MiB) as a dma-buf: fd %d (errno %d)", buf, buf < 0 ? errno : 0);
	char text[256];
	SVT_CHECK(strcmp(svt_fd_link(buf, text, sizeof(text)), "/dmabuf:") == 0, "the fd links to '%s'", text);
	SVT_CHECK(fcntl(buf, F_GETFD) == FD_CLOEXEC, "O_CLOEXEC from open_flags");
	SVT_CHECK(lseek(buf, 0, SEEK_END) == (off_t)SIZE && lseek(buf, 0, SEEK_SET) == 0, "lseek SEEK_END gives the size");
	struct stat st;
	SVT_CHECK(fstat(buf, &st) == 0 && st.st_size == (off_t)SIZE, "fstat st_size %lld", (long long)st.st_size);
	SVT_CHECK(strcmp(fdinfo(buf, "size", text, sizeof(text)), "2097152") == 0, "fdinfo size: %s", text);
	SVT_CHECK(strcmp(fdinfo(buf, "exp_name", text, sizeof(text)), "vfio_pci_core") == 0, "fdinfo exp_name: %s", text);
	SVT_CHECK(strcmp(fdinfo(buf, "count", text, sizeof(text)), "1") == 0, "fdinfo count: %s", text);

	volatile uint32_t *bar_map = mmap(NULL, SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, d.device, (off_t)bar.offset);
	volatile uint32_t *map = mmap(NULL, SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, buf, 0);
	SVT_REQUIRE(bar_map != MAP_FAILED && map != MAP_FAILED, "mmap of the BAR and of the dma-buf");
	map[10] = 0xdeadbeef;
	bar_map[11] = 0x0ddba11;
	SVT_CHECK(bar_map[10] == 0xdeadbeef && map[11] == 0x0ddba11, "the two mappings alias the same BAR bytes");
	SVT_CHECK(strcmp(fdinfo(buf, "count", text, sizeof(text)), "2") == 0, "fdinfo count with a mapping: %s", text);

	struct svt_maps_line m;
	SVT_CHECK(svt_maps_find((const void *)map, &m) == 0 && strcmp(m.path, "/dmabuf:") == 0 && m.offset == 0 &&
			  m.end - m.start == SIZE,
		  "maps: '%s' offset 0x%llx", m.path, m.offset);
	SVT_CHECK(ioctl(buf, DMA_BUF_SET_NAME, "svt-buffer") == 0, "DMA_BUF_SET_NAME");
	SVT_CHECK(svt_maps_find((const void *)map, &m) == 0 && strcmp(m.path, "/dmabuf:svt-buffer") == 0, "maps: '%s'",
		  m.path);
	SVT_CHECK(strcmp(svt_fd_link(buf, text, sizeof(text)), "/dmabuf:svt-buffer") == 0, "the fd links to '%s'", text);
	SVT_CHECK(strcmp(fdinfo(buf, "name", text, sizeof(text)), "svt-buffer") == 0, "fdinfo name: %s", text);

	struct vfio_device_feature_dma_buf_memattr attr = {.dmabuf_fd = buf, .memattr = VFIO_DEVICE_FEATURE_DMA_BUF_MEMATTR_WC};
	SVT_CHECK(svt_feature(d.device, VFIO_DEVICE_FEATURE_SET | VFIO_DEVICE_FEATURE_DMA_BUF_MEMATTR, &attr, sizeof(attr)) == 0,
		  "MEMATTR write-combining");
	attr.memattr = 7;
	errno = 0;
	SVT_CHECK(svt_feature(d.device, VFIO_DEVICE_FEATURE_SET | VFIO_DEVICE_FEATURE_DMA_BUF_MEMATTR, &attr, sizeof(attr)) < 0 &&
			  errno == ENOENT,
		  "MEMATTR of an unknown value: ENOENT");

	svt_catch_sigbus();
	uint16_t cmd = (uint16_t)svt_config_read(d.device, 0x04, 2);
	svt_config_write(d.device, 0x04, 2, cmd & ~0x2u);
	uint32_t v = 0;
	SVT_CHECK(svt_touch(map + 10, 0, 0, &v) && svt_bus_code == BUS_ADRERR && svt_bus_addr == (void *)(map + 10),
		  "memory off: the dma-buf mapping raises SIGBUS (si_code %d) at %p", svt_bus_code, svt_bus_addr);
	svt_config_write(d.device, 0x04, 2, cmd);
	SVT_CHECK(!svt_touch(map + 10, 0, 0, &v) && v == 0xdeadbeef, "memory on: the data is back (0x%x)", v);

	struct vfio_device_feature_dma_buf_revoke revoke = {.dmabuf_fd = buf};
	SVT_CHECK(svt_feature(d.device, VFIO_DEVICE_FEATURE_SET | VFIO_DEVICE_FEATURE_DMA_BUF_REVOKE, &revoke,
			  sizeof(revoke)) == 0,
		  "REVOKE");
	volatile uint32_t *probe = map + 1000;
	SVT_CHECK(svt_touch(probe, 0, 0, &v) && svt_bus_code == BUS_ADRERR && svt_bus_addr == (void *)probe,
		  "revoked: read raises SIGBUS, si_code %d, si_addr %p (expected %p)", svt_bus_code, svt_bus_addr,
		  (void *)probe);
	SVT_CHECK(svt_touch(map, 1, 1, NULL) && svt_bus_addr == (void *)map, "revoked: write raises SIGBUS");
	errno = 0;
	SVT_CHECK(mmap(NULL, 4096, PROT_READ, MAP_SHARED, buf, 0) == MAP_FAILED && errno == ENODEV,
		  "revoked: a new mmap fails with ENODEV");
	errno = 0;
	SVT_CHECK(svt_feature(d.device, VFIO_DEVICE_FEATURE_SET | VFIO_DEVICE_FEATURE_DMA_BUF_REVOKE, &revoke,
			  sizeof(revoke)) < 0 &&
			  errno == EBADFD,
		  "a second REVOKE: EBADFD");
	SVT_CHECK(!svt_touch(bar_map + 10, 0, 0, &v) && v == 0xdeadbeef, "the BAR mapping is not revoked with it");

	munmap((void *)map, SIZE);
	munmap((void *)bar_map, SIZE);
	close(buf);
	svt_close_dev(&d);
	return svt_finish();
}
