/* SPDX-License-Identifier: MIT */
#include "fuzz/session_harness.h"

#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <dirent.h>
#include <fcntl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <thread>
#include <unistd.h>

#include <softvfio/device_description.h>
#include <softvfio/uapi/vfio.h>

#include "fuzz/fuzz_support.h"
#include "session/session_dir.h"
#include "session/wire/futex.h"

namespace softvfio::fuzz {

namespace {

namespace wire = session::wire;
using wire::Op;

constexpr uint64_t kSettleNs = 5000 * kMs;

/* "fd -> target" of every fd of the process the session could hold (no
 * pipe: UBSan's probes make them on any thread; no file by its path:
 * libFuzzer's own), cheaper than a ProcessSnapshot. */
std::set<std::string> fd_list()
{
	std::set<std::string> out;
	DIR *dir = ::opendir("/proc/self/fd");
	while (struct dirent *e = dir ? ::readdir(dir) : nullptr) {
		char path[300], target[256] = {};
		std::snprintf(path, sizeof(path), "/proc/self/fd/%s", e->d_name);
		if (e->d_name[0] == '.' || std::atoi(e->d_name) == ::dirfd(dir) ||
		    ::readlink(path, target, sizeof(target) - 1) < 0 || !std::strncmp(target, "pipe:", 5) ||
		    (target[0] == '/' && std::strncmp(target, "/memfd:", 7)))
			continue;
		out.insert(std::string(e->d_name) + " -> " + target);
	}
	if (dir)
		::closedir(dir);
	return out;
}

} /* namespace */

uint64_t now_ns()
{
	struct timespec ts;
	::clock_gettime(CLOCK_MONOTONIC, &ts);
	return uint64_t(ts.tv_sec) * 1'000'000'000u + uint64_t(ts.tv_nsec);
}

long thread_count()
{
	FILE *f = std::fopen("/proc/self/status", "re");
	long n = 0;
	char line[256];
	while (f && std::fgets(line, sizeof(line), f))
		if (std::sscanf(line, "Threads: %ld", &n) == 1)
			break;
	if (f)
		std::fclose(f);
	return n;
}

Harness &Harness::get()
{
	static Harness *h = new Harness();
	return *h;
}

Harness::Harness()
{
	auto dir = session::create_session_dir();
	check(bool(dir), "session directory");
	dir_ = dir->path;
	sock_ = dir_ + "/sock";
	/* Before any thread: the zygote is a fork of this process. */
	check(zygote_.start(sock_.c_str()), "the puppets' zygote");
	KernelOptions options;
	options.sysfs_dir = dir_ + "/sys";
	kernel_ = std::make_unique<Kernel>(options);
	const char *presets[2] = {"nic", "ivshmem-plain"};
	for (int i = 0; i < 2; i++) {
		auto bdf = kernel_->add_device(*preset(presets[i]));
		check(bool(bdf), "add_device");
		bdf_[i] = *bdf;
		group_[i] = kernel_->device_state(*bdf)->iommu_group;
	}
	session::SessionConfig config;
	config.name = dir->name;
	config.exit_when_empty = false;
	session_ = std::make_unique<session::SessionKernel>(*kernel_, config, std::move(dir->listener));
	check(session_->error() == 0 && bool(session::claim_session_dir(dir_, ::getpid())), "session kernel");
	std::thread([s = session_.get()] { s->run(); }).detach();
	check(health_.join(dir_.c_str()) == 0, "the well-behaved process could not join");
	std::thread([this] { watchdog(); }).detach();
	static std::string *path = new std::string(dir_);
	std::atexit([] { session::remove_session_dir(*path); });
}

void Harness::watchdog()
{
	for (;;) {
		uint32_t v = watch_.load();
		if (!(v & 1))
			wire::futex_wait(watch_, v);
		else if (wire::futex_wait(watch_, v, kSettleNs) == -ETIMEDOUT && watch_.load() == v)
			fail("the session kernel did not serve a well-behaved process within 5 s");
	}
}

void Harness::take_baseline()
{
	if (fds_.empty())
		fds_ = fd_list();
}

void Harness::settle(Records &records, const std::function<void(Records &)> &reap)
{
	const uint64_t end = now_ns() + kSettleNs;
	for (;;) {
		for (const auto &r : session_->processes()) {
			if (r->state() == session::ClientProcess::State::Forking) {
				reap(records);
				break;
			}
		}
		/* A serving thread that looked at its record just before it was
		 * retired sleeps out its poll (up to 500 ms): wake it. */
		for (const auto &w : records) {
			if (auto r = w.lock()) {
				wire::Mailbox &mb = r->mailbox();
				wire::futex_wake(mb.header.doorbell, INT32_MAX);
				wire::futex_wake(mb.header.done, INT32_MAX);
				for (auto &slot : mb.slots)
					wire::futex_wake(slot.c.to_kernel, INT32_MAX);
			}
		}
		const bool loop = loop_barrier();
		worker_barrier(end);
		kernel_->flush_deferred_releases();
		std::string why = dirty(records);
		if (why.empty() && (fds_.empty() || fd_list() == fds_))
			return;
		if (now_ns() > end) {
			if (why.empty())
				for (const std::string &fd : fd_list())
					if (!fds_.count(fd))
						why += (why.empty() ? "fds it did not have before: " : ", ") + fd;
			fail("5 s after the input's processes were gone, the session still had " + why +
			     (loop ? "" : " (and its event loop did not answer a join)"));
		}
	}
}

std::string Harness::dirty(const Records &records)
{
	for (const auto &r : records)
		if (!r.expired())
			return "the record of a process that is gone";
	if (size_t n = session_->processes().size(); n != 1)
		return std::to_string(n) + " records";
	if (size_t n = session_->standins().size())
		return std::to_string(n) + " stand-ins";
	if (size_t n = kernel_->buffers().size())
		return std::to_string(n) + " DMABUFs";
	for (const auto &b : bdf_)
		if (auto st = kernel_->device_state(b); !st || st->open_count)
			return "device " + b + " open";
	return "";
}

/* A malformed join: the event loop answers it after what it saw before
 * (pidfds of processes that died, hang-ups of stand-ins closed). */
bool Harness::loop_barrier()
{
	int s = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	struct sockaddr_un addr{};
	addr.sun_family = AF_UNIX;
	std::snprintf(addr.sun_path, sizeof(addr.sun_path), "%s", sock_.c_str());
	struct timeval tv{2, 0};
	::setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	wire::JoinRequest q{};
	wire::JoinReply r{};
	char eof;
	/* The reply, then the end of the connection: the loop is done with it. */
	bool ok = ::connect(s, reinterpret_cast<struct sockaddr *>(&addr), sizeof(addr)) == 0 &&
		  ::send(s, &q, sizeof(q), MSG_NOSIGNAL) == sizeof(q) &&
		  ::recv(s, &r, sizeof(r), MSG_WAITALL) == sizeof(r) && r.error == EPROTO && ::recv(s, &eof, 1, 0) == 0;
	::close(s);
	return ok;
}

void Harness::worker_barrier(uint64_t end)
{
	auto done = std::make_shared<std::atomic<uint32_t>>(0);
	session_->later([done] {
		done->store(1);
		wire::futex_wake(*done);
	});
	for (uint64_t t = now_ns(); !done->load() && t < end; t = now_ns())
		wire::futex_wait(*done, 0, end - t);
}

void Harness::health_check()
{
	watch_.fetch_add(1);
	wire::futex_wake(watch_);
	auto call = [&](Op op, std::initializer_list<int64_t> a) { return health_.call(op, a); };
	auto ptr = [](const void *p) { return reinterpret_cast<int64_t>(p); };
	auto expect = [](bool ok, const char *what, long r) {
		check(ok, std::string("a well-behaved process after the input: ") + what + " gave " + std::to_string(r));
	};
	char group_path[32];
	std::snprintf(group_path, sizeof(group_path), "/dev/vfio/%u", group_[0]);
	long container = call(Op::Open, {ptr("/dev/vfio/vfio"), O_RDWR});
	expect(container >= 0, "open of /dev/vfio/vfio", container);
	long group = call(Op::Open, {ptr(group_path), O_RDWR});
	expect(group >= 0, "open of the group", group);
	int32_t c32 = static_cast<int32_t>(container);
	long r = call(Op::Ioctl, {group, VFIO_GROUP_SET_CONTAINER, ptr(&c32)});
	expect(r == 0, "GROUP_SET_CONTAINER", r);
	r = call(Op::Ioctl, {container, VFIO_SET_IOMMU, VFIO_TYPE1v2_IOMMU});
	expect(r == 0, "SET_IOMMU", r);
	long device = call(Op::Ioctl, {group, VFIO_GROUP_GET_DEVICE_FD, ptr(bdf_[0].c_str())});
	expect(device >= 0, "GROUP_GET_DEVICE_FD", device);
	vfio_region_info info{};
	info.argsz = sizeof(info);
	info.index = VFIO_PCI_BAR2_REGION_INDEX;
	r = call(Op::Ioctl, {device, VFIO_DEVICE_GET_REGION_INFO, ptr(&info)});
	expect(r == 0 && info.size > 0, "GET_REGION_INFO", r);
	/* close(2) as the shim does it. */
	for (long fd : {device, group, container}) {
		::close(static_cast<int>(fd));
		r = call(Op::Closed, {fd});
		expect(r == 0, "Closed", r);
	}
	watch_.fetch_add(1);
	wire::futex_wake(watch_);
}

} /* namespace softvfio::fuzz */
