/* SPDX-License-Identifier: MIT */
/*
 * A consumer of the installed in-process model (component `model`): the
 * way a driver author unit-tests driver code without LD_PRELOAD — a
 * ModelBackend with a built-in preset, the device opened through the
 * client library, its config space and BAR reached as on a real kernel.
 */
#include <cstdio>
#include <cstring>

#include <softvfio/client/client.h>
#include <softvfio/client/model_backend.h>
#include <softvfio/device_description.h>

int main()
{
	using namespace softvfio::client;

	auto backend = ModelBackend::create();
	auto desc = softvfio::preset("nic");
	if (!desc) {
		std::fprintf(stderr, "consumer-model: no built-in 'nic' preset\n");
		return 1;
	}
	auto bdf = backend->kernel().add_device(*desc);
	if (!bdf) {
		std::fprintf(stderr, "consumer-model: add_device failed: %s\n", std::strerror(bdf.error()));
		return 1;
	}
	auto dev = Device::open(backend, *bdf);
	if (!dev) {
		std::fprintf(stderr, "consumer-model: %s\n", dev.error().message().c_str());
		return 1;
	}
	auto vendor = dev->read_config<uint16_t>(0);
	if (!vendor || *vendor != desc->vendor_id) {
		std::fprintf(stderr, "consumer-model: vendor id through config space is wrong\n");
		return 1;
	}
	std::printf("consumer-model: %s %04x through the %s backend\n", bdf->c_str(), *vendor, backend->name());
	return 0;
}
