/* SPDX-License-Identifier: MIT */
/*
 * Built by scripts/package-test.sh against the installed softvfio-dev, once
 * through pkg-config and once through find_package. Alone it checks what
 * holds on any machine; with --device (run under `softvfio run`) it opens
 * the first vfio-pci device and reads its IDs, the way a driver starts.
 */
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <system_error>
#include <utility>

#include <softvfio/client/client.h>

using namespace softvfio::client;

int main(int argc, char **argv)
{
	auto backend = kernel_backend();
	if (argc < 2 || std::strcmp(argv[1], "--device") != 0) {
		auto dev = Device::open(backend, "ffff:ff:1f.7");
		std::error_code ec = dev.error_code();
		if (dev || (ec != std::errc::no_such_file_or_directory && ec != std::errc::no_such_device)) {
			std::fprintf(stderr, "consumer: a device that cannot exist did not give ENOENT\n");
			return 1;
		}
		std::printf("consumer: linked, backend %s\n", backend->name());
		return 0;
	}
	auto devices = list_vfio_devices(*backend);
	if (!devices || devices->empty()) {
		std::fprintf(stderr, "consumer: no vfio-pci device\n");
		return 1;
	}
	auto dev = Device::open(backend, devices->front());
	if (!dev) {
		std::fprintf(stderr, "consumer: %s\n", dev.error().message().c_str());
		return 1;
	}
	/* Both IDs in one word: vendor in the low half, device in the high. */
	auto ids = dev->read_config<uint32_t>(0).transform([](uint32_t w) {
		return std::pair<unsigned, unsigned>(w & 0xffffu, w >> 16);
	});
	if (!ids) {
		std::fprintf(stderr, "consumer: config space could not be read: %s\n", ids.error().message().c_str());
		return 1;
	}
	std::printf("consumer: %s is %04x:%04x\n", dev->bdf().c_str(), ids->first, ids->second);
	return 0;
}
