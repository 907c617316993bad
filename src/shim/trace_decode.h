/* SPDX-License-Identifier: MIT */
/*
 * `softvfio trace`: the uAPI calls a program makes to software devices,
 * decoded the way strace shows system calls (ioctl names, struct fields,
 * flag names, errno names), or as one JSON object per call.
 *
 * Pure formatting: the arguments are read with the model's fault-safe
 * copy, so a bad pointer shows as its address, never as a crash.
 */
#pragma once

#include <cstdint>
#include <string>
#include <sys/types.h>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

namespace softvfio::shim {

/* One argument: its strace text and its JSON value. */
struct TraceArg {
	std::string name;
	std::string text;
	nlohmann::json json;
};

struct TraceEvent {
	std::string call;               /* "ioctl", "openat", "mmap", ... */
	std::vector<TraceArg> args;
	long result = 0;                /* a value, or -errno */
	bool hex_result = false;        /* an address (mmap) */
};

/* "ioctl(5, VFIO_DEVICE_GET_REGION_INFO, {argsz=32, ...}) = 0" or
 * "... = -1 EINVAL (Invalid argument)". */
std::string format_text(const TraceEvent &event);
/* {"call": "ioctl", "args": {...}, "result": 0} or with "errno": "EINVAL". */
nlohmann::json format_json(const TraceEvent &event);

/* "VFIO_DEVICE_GET_REGION_INFO", or "_IOC(0x3, 0x3b, 0x70, 0x10)". */
std::string ioctl_name(unsigned long request);

/* The ioctl's argument as the kernel saw it after the call (`result`). */
TraceArg decode_ioctl_arg(unsigned long request, uintptr_t arg, long result);

/* An fd, with what it stands for when known: 5</dev/vfio/devices/vfio0>. */
TraceArg fd_arg(const char *name, int fd, const std::string &what);
TraceArg number_arg(const char *name, long long value);
TraceArg hex_arg(const char *name, unsigned long long value);
TraceArg address_arg(const char *name, uintptr_t value);          /* 0 is NULL */
TraceArg text_arg(const char *name, const std::string &value);    /* quoted */
TraceArg open_flags_arg(const char *name, int flags);
TraceArg mmap_prot_arg(const char *name, int prot);
TraceArg mmap_flags_arg(const char *name, int flags);
/* A VFIO device fd offset: {region=BAR2, offset=0x10} plus the raw value. */
TraceArg region_offset_arg(const char *name, unsigned long long offset);

/* "A|B|0x40" for the bits of `value` named in `names`; "0" for none. */
std::string flag_names(uint64_t value, const std::vector<std::pair<uint64_t, const char *>> &names);

} /* namespace softvfio::shim */
