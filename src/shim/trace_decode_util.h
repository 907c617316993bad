/* SPDX-License-Identifier: MIT */
/*
 * The pieces trace_decode.cc and the per-kind ioctl decoders
 * (trace_decode_vfio.cc, trace_decode_iommufd.cc) share: name tables, a
 * struct's fields in both renderings, and the fault-safe read of a struct.
 * Internal to the shim's trace; not a header of the model.
 */
#pragma once

#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "base/user_copy.h"
#include "shim/trace_decode.h"

namespace softvfio::shim::trace_detail {

using nlohmann::json;
using Names = std::vector<std::pair<uint64_t, const char *>>;

#define SOFTVFIO_TRACE_NAME(x) {x, #x}

/* The shim links no formatting library: a program may bring its own. */
inline std::string hex_text(uint64_t v)
{
	if (!v)
		return "0";
	char buf[24];
	std::snprintf(buf, sizeof(buf), "%#llx", static_cast<unsigned long long>(v));
	return buf;
}

inline const char *lookup(uint64_t value, const Names &names)
{
	for (const auto &[v, n] : names)
		if (v == value)
			return n;
	return nullptr;
}

inline std::string enum_text(uint64_t value, const Names &names)
{
	const char *n = lookup(value, names);
	return n ? std::string(n) : std::to_string(value);
}

/* Region and IRQ indexes of a vfio-pci device (trace_decode.cc). */
extern const Names kRegions;
extern const Names kIrqs;

/* A struct's fields in order, for both renderings. */
class Fields
{
public:
	Fields &num(const char *name, uint64_t v)
	{
		add(name, std::to_string(v), v);
		return *this;
	}
	Fields &sint(const char *name, int64_t v)
	{
		add(name, std::to_string(v), v);
		return *this;
	}
	Fields &hex(const char *name, uint64_t v)
	{
		add(name, hex_text(v), v);
		return *this;
	}
	Fields &flags(const char *name, uint64_t v, const Names &names)
	{
		add(name, flag_names(v, names), flag_names(v, names));
		return *this;
	}
	Fields &named(const char *name, uint64_t v, const Names &names)
	{
		const char *n = lookup(v, names);
		add(name, n ? n : std::to_string(v), n ? json(n) : json(v));
		return *this;
	}
	Fields &raw(const char *name, const std::string &text, json j)
	{
		add(name, text, std::move(j));
		return *this;
	}
	TraceArg done(const char *name = "arg") const
	{
		std::string text = "{";
		for (size_t i = 0; i < names_.size(); i++)
			text += (i ? ", " : "") + names_[i] + "=" + texts_[i];
		return {name, text + "}", json_};
	}

private:
	void add(const char *name, std::string text, json j)
	{
		names_.emplace_back(name);
		texts_.push_back(std::move(text));
		json_[name] = std::move(j);
	}
	std::vector<std::string> names_;
	std::vector<std::string> texts_;
	json json_ = json::object();
};

/* The struct at `arg`, or nothing when it cannot be read. */
template<typename T>
class Read
{
public:
	explicit Read(uintptr_t arg) : ok_(arg && copy_from_user(bytes_, user_ptr(arg), sizeof(T))) {}
	explicit operator bool() const { return ok_; }
	const T *operator->() const { return reinterpret_cast<const T *>(bytes_); }
	const T &operator*() const { return *operator->(); }

private:
	/* Bytes, not a T: several uAPI structs end in a flexible array. */
	alignas(T) unsigned char bytes_[sizeof(T)] = {};
	bool ok_;
};

template<typename T>
Read<T> read_struct(uintptr_t arg)
{
	return Read<T>(arg);
}


inline TraceArg pointer(uintptr_t arg) { return {"arg", hex_text(arg), json(hex_text(arg))}; }

/* "[a, b, ...]": the items of an array the program passed, in both
 * renderings; `more` when some were left out (unreadable or too many). */
class List
{
public:
	void add(const TraceArg &item)
	{
		text_ += (j_.empty() ? "" : ", ") + item.text;
		j_.push_back(item.json);
	}
	size_t size() const { return j_.size(); }
	TraceArg done(const char *name, bool more = false) const
	{
		return {name, text_ + (more ? (j_.empty() ? "..." : ", ...") : "") + "]", j_};
	}

private:
	std::string text_ = "[";
	json j_ = json::array();
};

/* The result of the call being decoded (decode_ioctl_arg's). */
extern thread_local long t_result;

/* At most this many items of any array are shown: a line's patience. */
inline constexpr uint32_t kListMax = 32;

/* A GET_*_INFO struct's capability chain (trace_decode_caps.cc): the
 * capabilities from `cap_offset`, as far as `argsz` reaches (the kernel
 * writes no further), appended to `out` as "caps=[...]". */
enum class CapFamily : uint8_t { Device, Region, Iommu };
void info_caps(Fields &out, CapFamily family, uintptr_t arg, uint32_t argsz, uint32_t cap_offset);

/* One kind's ioctls: their names, the decoding of their argument
 * (nullopt: not one of this kind's numbers), and another kind's commands
 * this kind also takes. Plain pointers, so that every decoder is
 * initialized before any code runs, whatever the order of the files. */
struct KindDecoder {
	const Names *names;
	std::optional<TraceArg> (*decode)(unsigned long request, uintptr_t arg);
	const KindDecoder *also;
};

/* VFIO_DEVICE_FEATURE's header and payload (trace_decode_feature.cc). */
TraceArg feature_arg(uintptr_t arg);

/* trace_decode_vfio.cc */
extern const KindDecoder kContainerDecoder;
extern const KindDecoder kGroupDecoder;
extern const KindDecoder kDeviceDecoder;
/* trace_decode_iommufd.cc */
extern const KindDecoder kIommufdDecoder;
extern const KindDecoder kDmaBufDecoder;

} /* namespace softvfio::shim::trace_detail */
