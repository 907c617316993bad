/* SPDX-License-Identifier: MIT */
/*
 * The DMABUF series' own use case: a privileged manager exports windows of
 * a BAR as DMABUFs and hands them to worker processes, which map and use
 * them; the manager takes them back when it must.
 *
 * The manager execs N workers (this program, --worker), sends each one
 * DMABUF over a unix socket (SCM_RIGHTS) and steps them through:
 *   1. every worker maps its window and reads what the manager wrote;
 *   2. the manager revokes worker 0's buffer: worker 0 faults, no other;
 *   3. the manager disables the device's memory: every mapping faults;
 *      it enables it again: the live ones read their data, intact;
 *   4. the manager closes the device: the exported buffers are cleaned up
 *      and every worker's mapping faults.
 * Each step is checked; the exit status says whether all held.
 *
 *   dmabuf_workers [--workers N] [BDF]
 *   softvfio run -- dmabuf_workers
 */
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <string>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

#include <softvfio/client/client.h>

#include "fd_passing.h"

using namespace softvfio::client;

namespace {

constexpr unsigned kBar = 2;
constexpr uint64_t kStride = 1 << 20;
constexpr uint64_t kLength = 2 * 4096;

uint32_t pattern(unsigned worker) { return 0xab000000u | worker; }

using examples::receive_fd;
using examples::send_fd;

/* One byte each way: the manager asks, the worker answers with what its
 * mapping shows (the first word, or that it faults). */
enum : char { kCheck = 'c', kQuit = 'q' };

struct Answer {
	bool faulted;
	uint32_t value;
};

/* --- the worker --- */

int worker(int sock)
{
	uint32_t expected = 0;
	int fd = receive_fd(sock, &expected);
	if (fd < 0)
		return 2;
	auto buf = DmaBuf::adopt(kernel_backend(), fd);
	if (!buf)
		return 2;
	auto map = buf->map(0, 0, PROT_READ | PROT_WRITE);
	if (!map) {
		std::fprintf(stderr, "worker: map: %s\n", map.error().message().c_str());
		return 2;
	}
	for (;;) {
		char c;
		if (::read(sock, &c, 1) != 1 || c == kQuit)
			return 0;
		auto v = map->read<uint32_t>(0);
		Answer a{!v, v ? *v : 0};
		if (::write(sock, &a, sizeof(a)) != sizeof(a))
			return 2;
	}
}

/* --- the manager --- */

struct Worker {
	pid_t pid = -1;
	int sock = -1;
};

std::optional<Answer> ask(const Worker &w)
{
	char c = kCheck;
	Answer a;
	if (::write(w.sock, &c, 1) != 1 || ::read(w.sock, &a, sizeof(a)) != sizeof(a))
		return std::nullopt;
	return a;
}

int failures = 0;

void expect(bool ok, const std::string &what)
{
	std::printf("%s: %s\n", ok ? "PASS" : "FAIL", what.c_str());
	failures += !ok;
}

/* Every worker's view: live ones must read their pattern, the others
 * fault. */
void check_all(const std::vector<Worker> &workers, const std::vector<bool> &live, const std::string &when)
{
	for (unsigned i = 0; i < workers.size(); i++) {
		auto a = ask(workers[i]);
		if (!a) {
			expect(false, "worker " + std::to_string(i) + " answers " + when);
			continue;
		}
		if (live[i])
			expect(!a->faulted && a->value == pattern(i),
			       "worker " + std::to_string(i) + " reads its window " + when);
		else
			expect(a->faulted, "worker " + std::to_string(i) + " faults " + when +
						   (a->faulted ? "" : " (it read " + std::to_string(a->value) + ")"));
	}
}

Worker start_worker(const char *self, int buffer_fd, unsigned index)
{
	Worker w;
	int socks[2];
	if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, socks) != 0)
		return w;
	std::fflush(nullptr);
	w.pid = ::fork();
	if (w.pid == 0) {
		/* A program of its own, started by exec, with the socket. */
		int sock = ::dup(socks[1]);
		std::string arg = std::to_string(sock);
		::execl(self, self, "--worker", arg.c_str(), static_cast<char *>(nullptr));
		::_exit(127);
	}
	::close(socks[1]);
	w.sock = socks[0];
	if (w.pid < 0 || !send_fd(w.sock, buffer_fd, pattern(index))) {
		::close(w.sock);
		w.sock = -1;
	}
	return w;
}

} /* namespace */

int main(int argc, char **argv)
{
	if (argc == 3 && std::strcmp(argv[1], "--worker") == 0)
		return worker(std::atoi(argv[2]));
	unsigned count = 3;
	std::string bdf;
	for (int i = 1; i < argc; i++) {
		if (std::strcmp(argv[i], "--workers") == 0 && i + 1 < argc)
			count = static_cast<unsigned>(std::atoi(argv[++i]));
		else
			bdf = argv[i];
	}
	auto backend = kernel_backend();
	if (bdf.empty()) {
		auto devices = list_vfio_devices(*backend);
		if (!devices || devices->empty()) {
			std::fprintf(stderr, "dmabuf_workers: no device bound to vfio-pci\n");
			return 1;
		}
		bdf = devices->front();
	}
	auto dev = std::make_optional(Device::open(backend, bdf));
	if (!*dev) {
		std::fprintf(stderr, "dmabuf_workers: %s\n", (*dev).error().message().c_str());
		return 1;
	}
	Device &d = **dev;
	if (!d.features().dma_buf || !d.features().dma_buf_mmap) {
		std::printf("dmabuf_workers: this kernel cannot export and map DMABUFs\n");
		return 0;
	}

	/* One window of the BAR per worker, each with its own pattern. */
	std::vector<DmaBuf> buffers;
	std::vector<Worker> workers;
	for (unsigned i = 0; i < count; i++) {
		const uint32_t word = pattern(i);
		if (auto w = d.write_region(kBar, i * kStride, &word, sizeof(word)); !w) {
			std::fprintf(stderr, "dmabuf_workers: %s\n", w.error().message().c_str());
			return 1;
		}
		BarRange range{i * kStride, kLength};
		auto buf = d.export_dma_buf(kBar, std::span<const BarRange>(&range, 1));
		if (!buf) {
			std::fprintf(stderr, "dmabuf_workers: export: %s\n", buf.error().message().c_str());
			return 1;
		}
		workers.push_back(start_worker("/proc/self/exe", buf->fd(), i));
		expect(workers.back().sock >= 0, "worker " + std::to_string(i) + " started with its buffer");
		buffers.push_back(std::move(*buf));
	}
	std::vector<bool> live(count, true);

	check_all(workers, live, "after it mapped its buffer");

	auto revoked = buffers[0].revoke();
	expect(static_cast<bool>(revoked), "the manager revokes worker 0's buffer");
	live[0] = false;
	check_all(workers, live, "after worker 0's buffer was revoked");

	expect(static_cast<bool>(d.set_memory_enable(false)), "the manager disables the device's memory");
	check_all(workers, std::vector<bool>(count, false), "while memory is disabled");
	expect(static_cast<bool>(d.set_memory_enable(true)), "the manager enables it again");
	check_all(workers, live, "after memory came back (data intact)");

	/* The device's last close: its exported buffers are cleaned up, in
	 * every process holding them. */
	buffers.clear();
	dev.reset();
	check_all(workers, std::vector<bool>(count, false), "after the manager closed the device");

	for (Worker &w : workers) {
		char q = kQuit;
		if (w.sock >= 0 && ::write(w.sock, &q, 1) == 1) {
			int status = 0;
			::waitpid(w.pid, &status, 0);
			expect(WIFEXITED(status) && WEXITSTATUS(status) == 0, "worker exits cleanly");
		}
	}
	std::printf("RESULT: %s\n", failures ? "FAIL" : "PASS");
	return failures ? 1 : 0;
}
