/* SPDX-License-Identifier: MIT */
/*
 * A plain C driver for QEMU's edu device through a mapping of BAR0, as on
 * hardware: every load and store must reach the device's registers.
 *
 *   edu_mmap <bdf> [device|dmabuf]
 *
 * Through the device fd's BAR mmap (default) or through a DMABUF of BAR0:
 * identification, liveness, factorial, status, interrupts (raise, MSI
 * through an eventfd, acknowledge), DMA both ways through the container's
 * IOMMU mapping, each instruction form compilers and memcpy emit (8/16/32/
 * 64-bit loads, stores of immediates, movnti, xchg, locked read-modify-
 * write, 16- and 32-byte vector moves, rep movs and rep stos), SIGBUS while
 * memory is disabled (revocation wins over emulation) and afterwards the
 * registers again, and the program's own SIGSEGV handler still getting its
 * own faults.
 */
#include "svt.h"

#include <immintrin.h>
#include <sys/eventfd.h>

#define EDU_ID 0x00
#define EDU_LIVENESS 0x04
#define EDU_FACTORIAL 0x08
#define EDU_STATUS 0x20
#define EDU_IRQ_STATUS 0x24
#define EDU_IRQ_RAISE 0x60
#define EDU_IRQ_ACK 0x64
#define EDU_DMA_SRC 0x80
#define EDU_DMA_DST 0x88
#define EDU_DMA_COUNT 0x90
#define EDU_DMA_CMD 0x98
#define EDU_DMA_BUFFER 0x40000

static volatile uint8_t *bar;

static uint32_t rd32(unsigned off) { return *(volatile uint32_t *)(bar + off); }
static void wr32(unsigned off, uint32_t v) { *(volatile uint32_t *)(bar + off) = v; }
static uint64_t rd64(unsigned off) { return *(volatile uint64_t *)(bar + off); }
static void wr64(unsigned off, uint64_t v) { *(volatile uint64_t *)(bar + off) = v; }

/* The program's own faults: a PROT_NONE page of its own. */
static sigjmp_buf own_jump;
static void *volatile own_addr;
static void on_own_segv(int sig, siginfo_t *si, void *context)
{
	(void)sig;
	(void)context;
	own_addr = si->si_addr;
	siglongjmp(own_jump, 1);
}

static void forms(void)
{
	/* movzx of 1 and 2 bytes: edu ignores them (QEMU's memory core
	 * refuses), they read 0. */
	SVT_CHECK(*(volatile uint8_t *)(bar + EDU_ID) == 0, "1-byte read of the ID reads 0");
	SVT_CHECK(*(volatile uint16_t *)(bar + EDU_ID) == 0, "2-byte read of the ID reads 0");
	/* A store of an immediate. */
	__asm__ volatile("movl $0x13572468, (%0)" ::"r"(bar + EDU_LIVENESS) : "memory");
	SVT_CHECK(rd32(EDU_LIVENESS) == (uint32_t)~0x13572468u, "mov of an immediate to liveness");
	/* movnti. */
	uint32_t v = 0x11111111;
	__asm__ volatile("movnti %1, (%0)" ::"r"(bar + EDU_LIVENESS), "r"(v) : "memory");
	SVT_CHECK(rd32(EDU_LIVENESS) == ~v, "movnti to liveness");
	/* xchg: the old value (read) comes back, the new one is written. */
	uint32_t x = 0x22222222;
	__asm__ volatile("xchg %0, (%1)" : "+r"(x) : "r"(bar + EDU_LIVENESS) : "memory");
	SVT_CHECK(x == ~v, "xchg reads the liveness (%#x)", x);
	SVT_CHECK(rd32(EDU_LIVENESS) == ~0x22222222u, "xchg wrote the liveness");
	/* A locked read-modify-write: liveness reads ~w, so or-ing 0xf0 writes
	 * ~w | 0xf0 and reads back w & ~0xf0. */
	__asm__ volatile("lock orl $0xf0, (%0)" ::"r"(bar + EDU_LIVENESS) : "memory");
	SVT_CHECK(rd32(EDU_LIVENESS) == (0x22222222u & ~0xf0u), "lock or on liveness");
	/* 64-bit registers, and a 16-byte vector load of two of them. */
	wr64(EDU_DMA_SRC, 0x1000);
	wr64(EDU_DMA_DST, 0x2000);
	__m128i both = _mm_loadu_si128((const __m128i *)(bar + EDU_DMA_SRC));
	uint64_t lanes[2];
	_mm_storeu_si128((__m128i *)lanes, both);
	SVT_CHECK(lanes[0] == 0x1000 && lanes[1] == 0x2000, "16-byte vector load of src and dst");
	__m128i put = _mm_set_epi64x(0x4000, 0x3000);
	_mm_storeu_si128((__m128i *)(bar + EDU_DMA_SRC), put);
	SVT_CHECK(rd64(EDU_DMA_SRC) == 0x3000 && rd64(EDU_DMA_DST) == 0x4000, "16-byte vector store");
#if defined(__AVX__)
	__m256i four = _mm256_loadu_si256((const __m256i *)(bar + EDU_DMA_SRC));
	uint64_t l4[4];
	_mm256_storeu_si256((__m256i *)l4, four);
	SVT_CHECK(l4[0] == 0x3000 && l4[1] == 0x4000, "32-byte vector load");
#endif
	/* rep movsd: a memcpy out of the registers. */
	uint32_t words[2] = {0, 0};
	const void *src = (const void *)(bar + EDU_ID);
	void *dst = words;
	size_t count = 2;
	__asm__ volatile("rep movsl" : "+S"(src), "+D"(dst), "+c"(count) : : "memory");
	SVT_CHECK(words[0] == 0x010000ed && words[1] == (0x22222222u & ~0xf0u), "rep movs out of the registers");
	/* rep stosd: a memset into them (liveness, then factorial). */
	void *to = (void *)(bar + EDU_LIVENESS);
	count = 1;
	__asm__ volatile("rep stosl" : "+D"(to), "+c"(count) : "a"(0x0f0f0f0f) : "memory");
	SVT_CHECK(rd32(EDU_LIVENESS) == 0xf0f0f0f0, "rep stos into the liveness");
}

static void interrupts(int device)
{
	int efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	union {
		struct vfio_irq_set set;
		uint8_t bytes[sizeof(struct vfio_irq_set) + sizeof(int32_t)];
	} irq;
	memset(&irq, 0, sizeof(irq));
	irq.set.argsz = sizeof(irq);
	irq.set.flags = VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_TRIGGER;
	irq.set.index = VFIO_PCI_MSI_IRQ_INDEX;
	irq.set.count = 1;
	memcpy(irq.bytes + sizeof(struct vfio_irq_set), &efd, sizeof(efd));
	SVT_REQUIRE_VOID(efd >= 0 && ioctl(device, VFIO_DEVICE_SET_IRQS, &irq) == 0, "MSI vector 0 on an eventfd");
	wr32(EDU_IRQ_RAISE, 0x4);
	uint64_t n = 0;
	SVT_CHECK(read(efd, &n, sizeof(n)) == 8 && n == 1, "raise-interrupt fires MSI (%llu)", (unsigned long long)n);
	SVT_CHECK(rd32(EDU_IRQ_STATUS) == 0x4, "interrupt status 0x4");
	wr32(EDU_IRQ_ACK, 0x4);
	SVT_CHECK(rd32(EDU_IRQ_STATUS) == 0, "acknowledged");
	/* Factorial with its completion interrupt. */
	wr32(EDU_STATUS, 0x80);
	wr32(EDU_FACTORIAL, 6);
	while (rd32(EDU_STATUS) & 1)
		;
	SVT_CHECK(rd32(EDU_FACTORIAL) == 720, "6! = %u", rd32(EDU_FACTORIAL));
	SVT_CHECK(read(efd, &n, sizeof(n)) == 8 && n == 1, "factorial done interrupt");
	SVT_CHECK(rd32(EDU_IRQ_STATUS) == 0x1, "interrupt status 0x1");
	wr32(EDU_IRQ_ACK, 0x1);
	wr32(EDU_STATUS, 0);
	close(efd);
}

static void dma(int container)
{
	const uint64_t iova = 0x100000;
	uint8_t *ram = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	SVT_REQUIRE_VOID(ram != MAP_FAILED, "DMA memory");
	struct vfio_iommu_type1_dma_map map = {sizeof(map), VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE,
					       (uintptr_t)ram, iova, 8192};
	SVT_REQUIRE_VOID(ioctl(container, VFIO_IOMMU_MAP_DMA, &map) == 0, "MAP_DMA");
	for (int i = 0; i < 256; i++)
		ram[i] = (uint8_t)(i * 7);
	/* RAM to the device's buffer, then back to the second page. */
	wr64(EDU_DMA_SRC, iova);
	wr64(EDU_DMA_DST, EDU_DMA_BUFFER);
	wr64(EDU_DMA_COUNT, 256);
	wr64(EDU_DMA_CMD, 1);
	while (rd64(EDU_DMA_CMD) & 1)
		;
	wr64(EDU_DMA_SRC, EDU_DMA_BUFFER);
	wr64(EDU_DMA_DST, iova + 4096);
	wr64(EDU_DMA_CMD, 3);
	while (rd64(EDU_DMA_CMD) & 1)
		;
	SVT_CHECK(memcmp(ram, ram + 4096, 256) == 0, "DMA to the device and back");
	struct vfio_iommu_type1_dma_unmap unmap;
	memset(&unmap, 0, sizeof(unmap));
	unmap.argsz = sizeof(unmap);
	unmap.iova = iova;
	unmap.size = 8192;
	SVT_CHECK(ioctl(container, VFIO_IOMMU_UNMAP_DMA, &unmap) == 0, "UNMAP_DMA");
	munmap(ram, 8192);
}

/* The kernel copying into or out of a register mapping (a pread or pwrite
 * of BAR0 whose buffer is BAR0's own mapping) reaches the registers, as
 * Linux's copies do through vfio's fault handler (docs/trap.md): the
 * pwrite reads ID through the mapping and writes it to liveness; the pread
 * reads liveness and writes it through the mapping to liveness again. */
static void kernel_copies(int device, off_t bar0)
{
	wr32(EDU_LIVENESS, 0x11111111);
	errno = 0;
	SVT_CHECK(pwrite(device, (const void *)(bar + EDU_ID), 4, bar0 + EDU_LIVENESS) == 4,
		  "pwrite out of the register mapping (%s)", strerror(errno));
	SVT_CHECK(rd32(EDU_LIVENESS) == ~0x010000edu, "liveness holds the ID written (%#x)", rd32(EDU_LIVENESS));
	errno = 0;
	SVT_CHECK(pread(device, (void *)(bar + EDU_LIVENESS), 4, bar0 + EDU_LIVENESS) == 4,
		  "pread into the register mapping (%s)", strerror(errno));
	SVT_CHECK(rd32(EDU_LIVENESS) == 0x010000edu, "liveness holds what it read (%#x)", rd32(EDU_LIVENESS));
}

static void revocation(int device)
{
	uint32_t cmd = svt_config_read(device, 0x04, 2);
	SVT_REQUIRE_VOID(svt_config_write(device, 0x04, 2, cmd & ~2u) == 0, "memory off");
	uint32_t got = 0;
	SVT_CHECK(svt_touch((volatile uint32_t *)(bar + EDU_LIVENESS), 0, 0, &got) == 1 &&
			  svt_bus_addr == (void *)(bar + EDU_LIVENESS) && svt_bus_code == BUS_ADRERR,
		  "a read with memory off raises SIGBUS at its address, not emulated");
	SVT_CHECK(svt_touch((volatile uint32_t *)(bar + EDU_LIVENESS), 1, 5, NULL) == 1, "a write too");
	SVT_REQUIRE_VOID(svt_config_write(device, 0x04, 2, cmd) == 0, "memory on");
	SVT_CHECK(svt_touch((volatile uint32_t *)(bar + EDU_ID), 0, 0, &got) == 0 && got == 0x010000ed,
		  "the registers again after memory on");
}

static void own_faults(void)
{
	void *page = mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	struct sigaction sa, old;
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_own_segv;
	sa.sa_flags = SA_SIGINFO;
	sigaction(SIGSEGV, &sa, &old);
	own_addr = NULL;
	if (sigsetjmp(own_jump, 1) == 0)
		(void)*(volatile int *)page;
	SVT_CHECK(own_addr == page, "the program's SIGSEGV handler gets its own fault");
	/* And the registers still trap with a handler of the program's. */
	SVT_CHECK(rd32(EDU_ID) == 0x010000ed, "a register read with the program's handler installed");
	sigaction(SIGSEGV, &old, NULL);
	munmap(page, 4096);
}

int main(int argc, char **argv)
{
	if (argc < 2 || argc > 3) {
		fprintf(stderr, "usage: %s <bdf> [device|dmabuf]\n", argv[0]);
		return 2;
	}
	const int via_dmabuf = argc == 3 && strcmp(argv[2], "dmabuf") == 0;
	struct svt_dev d;
	SVT_REQUIRE(svt_open_group_path(argv[1], &d) == 0, "open %s", argv[1]);
	svt_catch_sigbus();
	/* Memory decoding and bus mastering (MSI and DMA need it), as a
	 * driver sets them. */
	SVT_REQUIRE(svt_config_write(d.device, 0x04, 2, svt_config_read(d.device, 0x04, 2) | 0x6) == 0,
		    "memory and bus master on");
	struct vfio_region_info info;
	SVT_REQUIRE(svt_region(d.device, VFIO_PCI_BAR0_REGION_INDEX, &info) == 0, "BAR0 region info");
	SVT_CHECK(info.flags & VFIO_REGION_INFO_FLAG_MMAP, "BAR0 says MMAP");
	int fd = d.device;
	off_t offset = (off_t)info.offset;
	if (via_dmabuf) {
		fd = svt_export_bar(d.device, 0, 0, info.size);
		SVT_REQUIRE(fd >= 0, "DMABUF of BAR0");
		offset = 0;
	}
	void *p = mmap(NULL, info.size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, offset);
	SVT_REQUIRE(p != MAP_FAILED, "mmap of BAR0 (%s)", via_dmabuf ? "dmabuf" : "device fd");
	bar = p;

	SVT_CHECK(rd32(EDU_ID) == 0x010000ed, "identification %#x", rd32(EDU_ID));
	wr32(EDU_LIVENESS, 0x12345678);
	SVT_CHECK(rd32(EDU_LIVENESS) == 0xedcba987, "liveness reads the inverse (%#x)", rd32(EDU_LIVENESS));
	wr32(EDU_FACTORIAL, 5);
	while (rd32(EDU_STATUS) & 1)
		;
	SVT_CHECK(rd32(EDU_FACTORIAL) == 120, "5! = %u", rd32(EDU_FACTORIAL));
	forms();
	interrupts(d.device);
	dma(d.container);
	kernel_copies(d.device, (off_t)info.offset);
	revocation(d.device);
	own_faults();

	munmap(p, info.size);
	if (via_dmabuf)
		close(fd);
	svt_close_dev(&d);
	return svt_finish();
}
