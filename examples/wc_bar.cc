/* SPDX-License-Identifier: MIT */
/*
 * Map a BAR write-combined, the best way this kernel offers: a DMABUF with
 * MEMATTR WC where the kernel has the mmap series, else the classic
 * device-fd mapping (NC). Prints which one it got.
 *
 *   wc_bar [BDF [BAR]]        (default: the first vfio-pci device, BAR 2)
 *   softvfio run -- wc_bar    (on a software device)
 */
#include <algorithm>
#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <string>

#include <softvfio/client/client.h>

using namespace softvfio::client;

int main(int argc, char **argv)
{
	auto backend = kernel_backend();
	std::string bdf;
	if (argc > 1) {
		bdf = argv[1];
	} else {
		auto devices = list_vfio_devices(*backend);
		if (!devices || devices->empty()) {
			std::fprintf(stderr, "wc_bar: no device bound to vfio-pci\n");
			return 1;
		}
		bdf = devices->front();
	}
	unsigned bar = argc > 2 ? static_cast<unsigned>(std::strtoul(argv[2], nullptr, 0)) : 2;

	auto dev = Device::open(backend, bdf);
	if (!dev) {
		std::fprintf(stderr, "wc_bar: %s\n", dev.error().message().c_str());
		return 1;
	}
	/* At most the first 2 MiB of the BAR. Each step runs only if the one
	 * before it worked, and the first failure is what `map` carries. */
	constexpr uint64_t kWindow = 2u << 20;
	auto map = dev->region(bar)
			   .transform([&](const Region &r) { return static_cast<size_t>(std::min(r.size, kWindow)); })
			   .and_then([&](size_t length) { return dev->map_bar_wc(bar, 0, length); });
	if (!map) {
		std::fprintf(stderr, "wc_bar: %s\n", map.error().message().c_str());
		return 1;
	}
	std::printf("%s BAR%u: %zu bytes mapped %s through the %s (mmap offset %#" PRIx64 ")\n", bdf.c_str(), bar,
		    map->size(), map->memattr() == MemAttr::WC ? "write-combined" : "uncached",
		    map->kind() == MappingKind::DmaBuf ? "DMABUF" : "device fd", map->offset());

	/* Guarded accesses: a revoked window gives an error, not a crash. */
	if (auto w = map->write<uint32_t>(0, 0x12345678u); !w) {
		std::fprintf(stderr, "wc_bar: %s\n", w.error().message().c_str());
		return 1;
	}
	uint32_t v = map->read<uint32_t>(0).value_or(0u);
	std::printf("read back %#x, accessible: %s\n", v, map->accessible() ? "yes" : "no");
	return v == 0x12345678u ? 0 : 1;
}
