/* SPDX-License-Identifier: MIT */
#include "session/trace_attach.h"

#include <cerrno>
#include <csignal>
#include <cstring>
#include <mutex>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <softvfio/base/unique_fd.h>

#include "session/client_process.h"
#include "session/session_dir.h"
#include "session/session_kernel.h"

namespace softvfio::session {

namespace {

/* Writers of every record's settings, one at a time (attaches are rare). */
std::mutex g_writer;

} /* namespace */

Result<void> set_trace(ClientProcess &record, std::string_view config, bool wake)
{
	if (config.size() >= wire::kTraceConfigMax)
		return err(EINVAL);
	wire::Header &h = record.mailbox().header;
	{
		std::lock_guard guard(g_writer);
		uint32_t g = h.trace_generation.load(std::memory_order_relaxed);
		/* Odd while written: a reader that sees it, or sees it change,
		 * reads again. Each byte is a release store, so a reader that
		 * reads one of them sees the odd generation after it. */
		h.trace_generation.store(g + 1, std::memory_order_relaxed);
		char *out = h.trace_config;
		for (size_t i = 0; i < wire::kTraceConfigMax; i++)
			__atomic_store_n(&out[i], i < config.size() ? config[i] : '\0', __ATOMIC_RELEASE);
		h.trace_generation.store(g + 2, std::memory_order_release);
	}
	if (wake && record.host().pidfd() >= 0) {
		siginfo_t info;
		std::memset(&info, 0, sizeof(info));
		info.si_signo = record.session().signal();
		info.si_code = SI_QUEUE;
		info.si_pid = ::getpid();
		info.si_uid = ::getuid();
		info.si_value.sival_int = wire::kTraceSignalValue;
		::syscall(SYS_pidfd_send_signal, record.host().pidfd(), record.session().signal(), &info, 0);
	}
	return {};
}

std::string trace_of(ClientProcess &record)
{
	const wire::Header &h = record.mailbox().header;
	std::lock_guard guard(g_writer);
	return std::string(h.trace_config, strnlen(h.trace_config, wire::kTraceConfigMax));
}

Result<void> attach_trace(const std::string &dir, pid_t pid, std::string_view config)
{
	if (config.size() >= wire::kTraceConfigMax)
		return err(EINVAL);
	auto fd = connect_session(dir, std::chrono::seconds(10));
	if (!fd)
		return err(fd.error());
	struct {
		wire::JoinRequest req;
		wire::TraceRequest trace;
	} out;
	std::memset(&out, 0, sizeof(out));
	out.req.magic = wire::kMagic;
	out.req.version = wire::kVersion;
	out.req.kind = static_cast<uint32_t>(wire::JoinKind::Trace);
	out.req.arg = static_cast<uint64_t>(pid);
	std::memcpy(out.trace.config, config.data(), config.size());
	if (::send(fd->get(), &out, sizeof(out), MSG_NOSIGNAL) != static_cast<ssize_t>(sizeof(out)))
		return err(errno);
	wire::JoinReply reply;
	size_t got = 0;
	while (got < sizeof(reply)) {
		ssize_t n = ::recv(fd->get(), reinterpret_cast<char *>(&reply) + got, sizeof(reply) - got, 0);
		if (n < 0)
			return err(errno);
		if (n == 0)
			return err(EPROTO);
		got += static_cast<size_t>(n);
	}
	if (reply.magic != wire::kMagic)
		return err(EPROTO);
	if (reply.error)
		return err(reply.error);
	return {};
}

} /* namespace softvfio::session */
