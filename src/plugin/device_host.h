/* SPDX-License-Identifier: MIT */
/*
 * DeviceHost: the kernel's end of one plugin's device host process
 * (host_main.cc), and the conversation with it (wire.h).
 *
 * A call sends one message and waits for the host's answer, serving the
 * requests the host makes meanwhile through a RequestHandler. Whatever
 * goes wrong (the host dies, answers garbage or nothing within the
 * timeout) ends in a reason, never in a wait without end or in state
 * taken from the host unchecked; the caller then stops the host.
 */
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <sys/types.h>
#include <variant>
#include <vector>

#include <softvfio/base/result.h>
#include <softvfio/base/unique_fd.h>

#include "plugin/call_gate.h"
#include "plugin/wire.h"

namespace softvfio::plugin {

/* Serves the host's requests during a call. Returns the Reply's result;
 * `reply` gets DmaRead's bytes. A request it cannot accept in any form
 * (an unknown op, a length beyond the packet) is `protocol_error`. */
class RequestHandler
{
public:
	virtual ~RequestHandler() = default;
	virtual int64_t handle(const wire::Message &request, std::span<const uint8_t> payload,
			       std::vector<uint8_t> &reply, std::string &protocol_error) = 0;
};

/* The host's answer that ended a call. */
struct HostAnswer {
	wire::Op op;             /* Done, Failed or ProbeOk */
	uint64_t a = 0;
	int64_t result = 0;
	std::string payload;
};

/* The executable: $SOFTVFIO_DEVICE_HOST, else next to this program, else
 * where softvfio is installed, else where this build put it. */
std::string device_host_path();

/* How long one call may take: $SOFTVFIO_PLUGIN_TIMEOUT_MS, default 2000. */
std::chrono::milliseconds call_timeout();

class DeviceHost
{
public:
	/* Start a host for `plugin` (a path). Errors: those of socketpair
	 * and posix_spawn (ENOENT: no host executable). */
	static Result<std::unique_ptr<DeviceHost>> start(const std::string &plugin);
	/* Closes the socket, gives the host a moment to go, then kills it. */
	~DeviceHost();
	DeviceHost(const DeviceHost &) = delete;
	DeviceHost &operator=(const DeviceHost &) = delete;

	/* One call; a HostAnswer, or why the host failed. Requests need a
	 * handler; without one any request is a protocol error. With a gate,
	 * every wait for the host's next packet happens released (requests
	 * are served and the call returns with the gate taken back).
	 * `bytes` go in the call's packet after the message (at most
	 * wire::kMaxPayload). */
	std::variant<HostAnswer, std::string> call(const wire::Message &message, RequestHandler *handler,
						   CallGate *gate = nullptr, std::string_view bytes = {});

	/* Kill the host now and say how it ended ("died of SIGSEGV", ...). */
	std::string kill();

private:
	DeviceHost(UniqueFD socket, pid_t pid) : socket_(std::move(socket)), pid_(pid) {}
	/* Why the host is gone, when it is (reaps it). */
	std::string reap(bool wait);

	UniqueFD socket_;
	pid_t pid_;
	bool reaped_ = false;
	std::string end_;
	std::vector<uint8_t> packet_ = std::vector<uint8_t>(wire::kMaxPacket);
};

} /* namespace softvfio::plugin */
