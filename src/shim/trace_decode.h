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
#include <string_view>
#include <sys/types.h>

struct stat;
struct statx;
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
	int64_t wall_ns = 0;            /* when the call began (CLOCK_REALTIME) */
	int64_t duration_ns = -1;       /* time spent in it; < 0 unknown */
};

/* What a line carries besides the call, as strace's options say. */
struct TraceFormat {
	int timestamps = 0;     /* 1 -t "HH:MM:SS ", 2 -tt "HH:MM:SS.uuuuuu ",
				 * 3 -ttt "SECONDS.uuuuuu " (local time of day
				 * for 1 and 2, the epoch for 3) */
	bool durations = false; /* -T: " <0.000012>" after the result */
};

/* "ioctl(5, VFIO_DEVICE_GET_REGION_INFO, {argsz=32, ...}) = 0" or
 * "... = -1 EINVAL (Invalid argument)". */
std::string format_text(const TraceEvent &event, const TraceFormat &format = {});
/* {"call": "ioctl", "args": {...}, "result": 0} or with "errno": "EINVAL";
 * with timestamps "time" (epoch seconds), with durations "duration"
 * (seconds), both with microseconds. */
nlohmann::json format_json(const TraceEvent &event, const TraceFormat &format = {});

/* What an fd is, for naming its ioctls: VFIO numbers carry no size or
 * direction, and the same number means different things on different kinds
 * (0x3b70 is VFIO_IOMMU_GET_INFO on a container or iommufd,
 * VFIO_DEVICE_GET_PCI_HOT_RESET_INFO on a device). */
enum class TraceFdKind : uint8_t { Unknown, Container, Group, Device, Iommufd, DmaBuf, Eventfd };

/* The kind behind a /proc/self/fd link text as the kernel gives it:
 * "/dev/vfio/vfio", "/dev/vfio/1", "anon_inode:[vfio-device]",
 * "/dev/iommu", "/dmabuf:name", "anon_inode:[eventfd]", ... */
TraceFdKind trace_fd_kind(std::string_view link);
/* "container", "group", "device", "iommufd", "dma-buf", "eventfd", "unknown". */
const char *trace_fd_kind_name(TraceFdKind kind);

/* "VFIO_IOMMU_GET_INFO", or "_IOC(0, 0x3b, 0x70, 0)" for a number `kind`
 * does not know. On an fd of Unknown kind only the numbers one kind alone
 * uses are named. */
std::string ioctl_name(TraceFdKind kind, unsigned long request);

/* The ioctl's argument as it is after the call (the kernel's answers
 * written back), decoded as `kind` reads it; its address when unreadable.
 * `result` (the call's, or -errno) tells what the kernel wrote: an array
 * it fills only on success shows as its address after a failure. */
TraceArg decode_ioctl_arg(TraceFdKind kind, unsigned long request, uintptr_t arg, long result = 0);

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

/* The arguments of the path calls (trace_decode_path.cc). */
TraceArg dirfd_arg(const char *name, int dirfd, const std::string &what);   /* AT_FDCWD or an fd */
TraceArg path_arg(const char *name, const char *path);                      /* quoted, or NULL */
/* {st_mode=S_IFCHR|0666, st_rdev=makedev(0xa, 0xc4), ...} as strace
 * abbreviates it: the type and mode, then the device or the size. */
TraceArg stat_arg(const char *name, const struct stat &st);
TraceArg statx_arg(const char *name, const struct statx &st);
TraceArg statx_mask_arg(const char *name, unsigned mask);
TraceArg at_flags_arg(const char *name, int flags);       /* AT_SYMLINK_NOFOLLOW|..., or 0 */
TraceArg access_mode_arg(const char *name, int mode);     /* F_OK, R_OK|W_OK, ... */

/* "A|B|0x40" for the bits of `value` named in `names`; "0" for none. */
std::string flag_names(uint64_t value, const std::vector<std::pair<uint64_t, const char *>> &names);

} /* namespace softvfio::shim */
