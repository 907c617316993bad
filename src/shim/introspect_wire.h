/* SPDX-License-Identifier: MIT */
/*
 * The introspection protocol between a program running on the shim and
 * `softvfio maps` in another process (docs/performance.md, "maps").
 *
 * Two ways in: every process whose model exists has a mailbox
 * (mailbox_wire.h), answered at the program's next ioctl or mmap-family
 * call; a process started with SOFTVFIO_INTROSPECT=on (`softvfio run
 * --maps`) also answers at any time on a unix stream socket
 * named by its pid in a private directory (mode 0700, owned by the user):
 * $XDG_RUNTIME_DIR/softvfio/<pid>.sock, or /tmp/softvfio-<uid>/<pid>.sock
 * without XDG_RUNTIME_DIR. A client connects, writes one request line
 * ("snapshot\n") and reads one JSON document until the server closes.
 * Only a peer of the same uid (or root) is answered. Both carry the same
 * JSON document (to_json below).
 */
#pragma once

#include <cstdint>
#include <string>
#include <sys/types.h>
#include <vector>

#include <nlohmann/json.hpp>

#include <softvfio/introspection.h>

namespace softvfio::shim {

inline constexpr const char *kIntrospectRequest = "snapshot\n";
/* "on": the process answers (`softvfio run --maps` sets it). */
inline constexpr const char *kEnvIntrospect = "SOFTVFIO_INTROSPECT";
inline constexpr int kIntrospectVersion = 1;

/* The directory for `xdg_runtime_dir` (null or empty: the /tmp one). */
std::string introspect_dir(const char *xdg_runtime_dir);
std::string introspect_socket_path(const std::string &dir, pid_t pid);

struct BarSnapshot {
	unsigned index = 0;
	uint64_t size = 0;
	uint64_t address = 0;     /* bus address; 0 if the model assigned it */
};

struct DeviceSnapshot {
	DeviceState state;
	std::vector<BarSnapshot> bars;   /* memory BARs only */
};

/* Everything `softvfio maps` draws. */
struct Snapshot {
	int version = kIntrospectVersion;
	pid_t pid = 0;
	std::string program;
	unsigned pmd_order = 9;
	unsigned pud_order = 18;
	std::vector<DeviceSnapshot> devices;
	std::vector<MappingInfo> mappings;
	std::vector<BufferInfo> buffers;
};

nlohmann::json to_json(const Snapshot &snapshot);
/* Throws nlohmann::json::exception on a malformed document. */
Snapshot snapshot_from_json(const nlohmann::json &j);

} /* namespace softvfio::shim */
