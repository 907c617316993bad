/* SPDX-License-Identifier: MIT */
/*
 * A consumer of the installed client library: it compiles against the
 * installed headers, links the installed library, and exercises what works
 * on any machine (a guarded copy, the kernel backend, enumeration).
 */
#include <cerrno>
#include <cstdio>
#include <sys/mman.h>

#include <softvfio/client/client.h>

int main()
{
	using namespace softvfio::client;

	void *p = ::mmap(nullptr, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	int v = 0;
	auto copy = safe_copy(&v, p, sizeof(v));
	if (copy || copy.code() != EFAULT) {
		std::fprintf(stderr, "consumer: guarded copy of PROT_NONE memory did not give EFAULT\n");
		return 1;
	}
	auto backend = kernel_backend();
	auto devices = list_vfio_devices(*backend);
	std::printf("consumer: backend %s, %s\n", backend->name(),
		    devices ? (std::to_string(devices->size()) + " vfio-pci device(s)").c_str()
			    : devices.error().message().c_str());
	auto dev = Device::open(backend, "ffff:ff:1f.7");
	if (dev || (dev.code() != ENOENT && dev.code() != ENODEV)) {
		std::fprintf(stderr, "consumer: opening a device that cannot exist did not fail with ENOENT\n");
		return 1;
	}
	return 0;
}
