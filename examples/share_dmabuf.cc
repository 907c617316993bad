/* SPDX-License-Identifier: MIT */
/*
 * Export a BAR range as a DMABUF and share it with a second process over a
 * unix socket (SCM_RIGHTS). The child maps the buffer it received (where
 * the kernel can map DMABUFs) and reads what the parent wrote to the BAR.
 *
 *   share_dmabuf [BDF]         (default: the first vfio-pci device)
 *   softvfio run -- share_dmabuf
 */
#include <cstdio>
#include <cstring>
#include <string>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <softvfio/client/client.h>

#include "fd_passing.h"

using namespace softvfio::client;

namespace {

constexpr unsigned kBar = 2;
constexpr uint64_t kOffset = 1 << 20;
constexpr uint64_t kLength = 2 * 4096;
constexpr uint32_t kPattern = 0xd15ea5e5u;

using examples::receive_fd;
using examples::send_fd;

/* The second process: adopt the fd, check its size, map and read it. */
int child(int sock)
{
	uint32_t can_map = 0;
	int fd = receive_fd(sock, &can_map);
	if (fd < 0) {
		std::fprintf(stderr, "child: no fd received\n");
		return 1;
	}
	auto buf = DmaBuf::adopt(kernel_backend(), fd);
	if (!buf) {
		std::fprintf(stderr, "child: %s\n", buf.error().message().c_str());
		return 1;
	}
	std::printf("child: received a %llu-byte DMABUF\n", static_cast<unsigned long long>(buf->size()));
	if (buf->size() != kLength)
		return 1;
	if (!can_map) {
		std::printf("child: this kernel cannot mmap DMABUFs; done\n");
		return 0;
	}
	auto map = buf->map(0, 0, PROT_READ);
	if (!map) {
		std::fprintf(stderr, "child: %s\n", map.error().message().c_str());
		return 1;
	}
	auto v = map->read<uint32_t>(0);
	std::printf("child: buffer word 0 = %#x\n", v ? *v : 0u);
	return v && *v == kPattern ? 0 : 1;
}

} /* namespace */

int main(int argc, char **argv)
{
	auto backend = kernel_backend();
	std::string bdf;
	if (argc > 1) {
		bdf = argv[1];
	} else if (auto devices = list_vfio_devices(*backend); devices && !devices->empty()) {
		bdf = devices->front();
	} else {
		std::fprintf(stderr, "share_dmabuf: no device bound to vfio-pci\n");
		return 1;
	}
	auto dev = Device::open(backend, bdf);
	if (!dev) {
		std::fprintf(stderr, "share_dmabuf: %s\n", dev.error().message().c_str());
		return 1;
	}
	if (!dev->features().dma_buf) {
		std::printf("share_dmabuf: this kernel has no DMABUF export\n");
		return 0;
	}
	if (auto w = dev->write_region(kBar, kOffset, &kPattern, sizeof(kPattern)); !w) {
		std::fprintf(stderr, "share_dmabuf: %s\n", w.error().message().c_str());
		return 1;
	}
	BarRange range{kOffset, kLength};
	auto buf = dev->export_dma_buf(kBar, std::span<const BarRange>(&range, 1));
	if (!buf) {
		std::fprintf(stderr, "share_dmabuf: %s\n", buf.error().message().c_str());
		return 1;
	}
	int socks[2];
	if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, socks) != 0)
		return 1;
	std::fflush(stdout);
	pid_t pid = ::fork();
	if (pid == 0) {
		::close(socks[0]);
		int rc = child(socks[1]);
		std::fflush(stdout);
		::_exit(rc);
	}
	::close(socks[1]);
	bool sent = send_fd(socks[0], buf->fd(), dev->features().dma_buf_mmap ? 1 : 0);
	::close(socks[0]);
	int status = 0;
	::waitpid(pid, &status, 0);
	bool ok = sent && WIFEXITED(status) && WEXITSTATUS(status) == 0;
	std::printf("share_dmabuf: %s\n", ok ? "the second process saw the buffer" : "FAILED");
	return ok ? 0 : 1;
}
