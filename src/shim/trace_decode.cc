/* SPDX-License-Identifier: MIT */
#include "shim/trace_decode.h"

#include <algorithm>
#include <array>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <optional>
#include <sys/ioctl.h>
#include <sys/mman.h>

#include <softvfio/uapi/dma-buf.h>
#include <softvfio/uapi/iommufd.h>
#include <softvfio/uapi/vfio.h>

#include "base/errno_name.h"
#include "base/user_copy.h"

namespace softvfio::shim {

using nlohmann::json;
using Names = std::vector<std::pair<uint64_t, const char *>>;

namespace {

/* The shim links no formatting library: a program may bring its own. */
std::string hex_text(uint64_t v)
{
	if (!v)
		return "0";
	char buf[24];
	std::snprintf(buf, sizeof(buf), "%#llx", static_cast<unsigned long long>(v));
	return buf;
}

#define NAME(x) {x, #x}

const Names kIoctls = {
	NAME(VFIO_GET_API_VERSION), NAME(VFIO_CHECK_EXTENSION), NAME(VFIO_SET_IOMMU), NAME(VFIO_GROUP_GET_STATUS),
	NAME(VFIO_GROUP_SET_CONTAINER), NAME(VFIO_GROUP_UNSET_CONTAINER), NAME(VFIO_GROUP_GET_DEVICE_FD),
	NAME(VFIO_DEVICE_GET_INFO), NAME(VFIO_DEVICE_GET_REGION_INFO), NAME(VFIO_DEVICE_GET_IRQ_INFO),
	NAME(VFIO_DEVICE_SET_IRQS), NAME(VFIO_DEVICE_RESET), NAME(VFIO_DEVICE_GET_PCI_HOT_RESET_INFO),
	NAME(VFIO_DEVICE_PCI_HOT_RESET), NAME(VFIO_DEVICE_IOEVENTFD), NAME(VFIO_DEVICE_BIND_IOMMUFD),
	NAME(VFIO_DEVICE_ATTACH_IOMMUFD_PT), NAME(VFIO_DEVICE_DETACH_IOMMUFD_PT), NAME(VFIO_DEVICE_PCI_DMABUF_REVOKE),
	NAME(VFIO_DEVICE_FEATURE), NAME(VFIO_MIG_GET_PRECOPY_INFO), NAME(VFIO_IOMMU_GET_INFO), NAME(VFIO_IOMMU_MAP_DMA),
	NAME(VFIO_IOMMU_UNMAP_DMA), NAME(VFIO_IOMMU_ENABLE), NAME(VFIO_IOMMU_DISABLE), NAME(VFIO_IOMMU_DIRTY_PAGES),
	NAME(IOMMU_DESTROY), NAME(IOMMU_IOAS_ALLOC), NAME(IOMMU_IOAS_IOVA_RANGES), NAME(IOMMU_IOAS_ALLOW_IOVAS),
	NAME(IOMMU_IOAS_MAP), NAME(IOMMU_IOAS_COPY), NAME(IOMMU_IOAS_UNMAP), NAME(IOMMU_OPTION), NAME(IOMMU_VFIO_IOAS),
	NAME(IOMMU_HWPT_ALLOC), NAME(IOMMU_GET_HW_INFO), NAME(IOMMU_HWPT_INVALIDATE), NAME(IOMMU_FAULT_QUEUE_ALLOC),
	NAME(IOMMU_IOAS_MAP_FILE), NAME(DMA_BUF_IOCTL_SYNC), NAME(DMA_BUF_SET_NAME_A), NAME(DMA_BUF_SET_NAME_B),
	NAME(DMA_BUF_IOCTL_EXPORT_SYNC_FILE), NAME(DMA_BUF_IOCTL_IMPORT_SYNC_FILE),
};

const Names kFeatures = {
	NAME(VFIO_DEVICE_FEATURE_PCI_VF_TOKEN), NAME(VFIO_DEVICE_FEATURE_MIGRATION),
	NAME(VFIO_DEVICE_FEATURE_MIG_DEVICE_STATE), NAME(VFIO_DEVICE_FEATURE_LOW_POWER_ENTRY),
	NAME(VFIO_DEVICE_FEATURE_LOW_POWER_ENTRY_WITH_WAKEUP), NAME(VFIO_DEVICE_FEATURE_LOW_POWER_EXIT),
	NAME(VFIO_DEVICE_FEATURE_DMA_LOGGING_START), NAME(VFIO_DEVICE_FEATURE_DMA_LOGGING_STOP),
	NAME(VFIO_DEVICE_FEATURE_DMA_LOGGING_REPORT), NAME(VFIO_DEVICE_FEATURE_MIG_DATA_SIZE),
	NAME(VFIO_DEVICE_FEATURE_BUS_MASTER), NAME(VFIO_DEVICE_FEATURE_DMA_BUF), NAME(VFIO_DEVICE_FEATURE_MIG_PRECOPY_INFOv2),
	NAME(VFIO_DEVICE_FEATURE_DMA_BUF_REVOKE), NAME(VFIO_DEVICE_FEATURE_DMA_BUF_MEMATTR),
};

const Names kFeatureFlags = {NAME(VFIO_DEVICE_FEATURE_GET), NAME(VFIO_DEVICE_FEATURE_SET),
			     NAME(VFIO_DEVICE_FEATURE_PROBE)};
const Names kGroupFlags = {NAME(VFIO_GROUP_FLAGS_VIABLE), NAME(VFIO_GROUP_FLAGS_CONTAINER_SET)};
const Names kDeviceFlags = {NAME(VFIO_DEVICE_FLAGS_RESET), NAME(VFIO_DEVICE_FLAGS_PCI), NAME(VFIO_DEVICE_FLAGS_CAPS)};
const Names kRegionFlags = {NAME(VFIO_REGION_INFO_FLAG_READ), NAME(VFIO_REGION_INFO_FLAG_WRITE),
			    NAME(VFIO_REGION_INFO_FLAG_MMAP), NAME(VFIO_REGION_INFO_FLAG_CAPS)};
const Names kIrqInfoFlags = {NAME(VFIO_IRQ_INFO_EVENTFD), NAME(VFIO_IRQ_INFO_MASKABLE),
			     NAME(VFIO_IRQ_INFO_AUTOMASKED), NAME(VFIO_IRQ_INFO_NORESIZE)};
const Names kIrqSetFlags = {NAME(VFIO_IRQ_SET_DATA_NONE),     NAME(VFIO_IRQ_SET_DATA_BOOL),
			    NAME(VFIO_IRQ_SET_DATA_EVENTFD),  NAME(VFIO_IRQ_SET_ACTION_MASK),
			    NAME(VFIO_IRQ_SET_ACTION_UNMASK), NAME(VFIO_IRQ_SET_ACTION_TRIGGER)};
const Names kDmaMapFlags = {NAME(VFIO_DMA_MAP_FLAG_READ), NAME(VFIO_DMA_MAP_FLAG_WRITE), NAME(VFIO_DMA_MAP_FLAG_VADDR)};
const Names kDmaUnmapFlags = {NAME(VFIO_DMA_UNMAP_FLAG_GET_DIRTY_BITMAP), NAME(VFIO_DMA_UNMAP_FLAG_ALL),
			      NAME(VFIO_DMA_UNMAP_FLAG_VADDR)};
const Names kIommus = {NAME(VFIO_TYPE1_IOMMU), NAME(VFIO_TYPE1v2_IOMMU), NAME(VFIO_NOIOMMU_IOMMU)};
const Names kRegions = {{VFIO_PCI_BAR0_REGION_INDEX, "BAR0"}, {VFIO_PCI_BAR1_REGION_INDEX, "BAR1"},
			{VFIO_PCI_BAR2_REGION_INDEX, "BAR2"}, {VFIO_PCI_BAR3_REGION_INDEX, "BAR3"},
			{VFIO_PCI_BAR4_REGION_INDEX, "BAR4"}, {VFIO_PCI_BAR5_REGION_INDEX, "BAR5"},
			{VFIO_PCI_ROM_REGION_INDEX, "ROM"},   {VFIO_PCI_CONFIG_REGION_INDEX, "CONFIG"},
			{VFIO_PCI_VGA_REGION_INDEX, "VGA"}};
const Names kIrqs = {{VFIO_PCI_INTX_IRQ_INDEX, "INTX"}, {VFIO_PCI_MSI_IRQ_INDEX, "MSI"},
		     {VFIO_PCI_MSIX_IRQ_INDEX, "MSIX"}, {VFIO_PCI_ERR_IRQ_INDEX, "ERR"},
		     {VFIO_PCI_REQ_IRQ_INDEX, "REQ"}};
const Names kProt = {NAME(PROT_READ), NAME(PROT_WRITE), NAME(PROT_EXEC)};
const Names kMapFlags = {NAME(MAP_SHARED),    NAME(MAP_PRIVATE),         NAME(MAP_FIXED),    NAME(MAP_ANONYMOUS),
			 NAME(MAP_NORESERVE), NAME(MAP_POPULATE),        NAME(MAP_LOCKED),   NAME(MAP_HUGETLB),
			 NAME(MAP_FIXED_NOREPLACE), NAME(MAP_SHARED_VALIDATE)};
const Names kOpenFlags = {NAME(O_CREAT),   NAME(O_EXCL),     NAME(O_NOCTTY),    NAME(O_TRUNC), NAME(O_APPEND),
			  NAME(O_NONBLOCK), NAME(O_DSYNC),   NAME(O_DIRECTORY), NAME(O_NOFOLLOW),
			  NAME(O_CLOEXEC), NAME(O_PATH)};
const Names kSyncFlags = {NAME(DMA_BUF_SYNC_READ), NAME(DMA_BUF_SYNC_WRITE), NAME(DMA_BUF_SYNC_END)};

#undef NAME

const char *lookup(uint64_t value, const Names &names)
{
	for (const auto &[v, n] : names)
		if (v == value)
			return n;
	return nullptr;
}

std::string enum_text(uint64_t value, const Names &names)
{
	const char *n = lookup(value, names);
	return n ? std::string(n) : std::to_string(value);
}

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

TraceArg pointer(uintptr_t arg) { return {"arg", hex_text(arg), json(hex_text(arg))}; }

TraceArg feature_arg(uintptr_t arg)
{
	auto f = read_struct<vfio_device_feature>(arg);
	if (!f)
		return pointer(arg);
	uint32_t index = f->flags & VFIO_DEVICE_FEATURE_MASK;
	std::string flags = flag_names(f->flags & ~VFIO_DEVICE_FEATURE_MASK, kFeatureFlags);
	const char *feature = lookup(index, kFeatures);
	flags += std::string("|") + (feature ? feature : std::to_string(index));
	Fields out;
	out.num("argsz", f->argsz).raw("flags", flags, flags);
	uintptr_t data = arg + sizeof(vfio_device_feature);
	bool payload = f->argsz > sizeof(vfio_device_feature) && !(f->flags & VFIO_DEVICE_FEATURE_PROBE);
	if (payload && index == VFIO_DEVICE_FEATURE_DMA_BUF) {
		if (auto d = read_struct<vfio_device_feature_dma_buf>(data)) {
			out.named("region_index", d->region_index, kRegions)
				.raw("open_flags", open_flags_arg("", static_cast<int>(d->open_flags)).text,
				     open_flags_arg("", static_cast<int>(d->open_flags)).json)
				.hex("flags", d->flags)
				.num("nr_ranges", d->nr_ranges);
			std::string text = "[";
			json ranges = json::array();
			uintptr_t at = data + sizeof(vfio_device_feature_dma_buf);
			for (uint32_t i = 0; i < d->nr_ranges && i < 16; i++) {
				auto r = read_struct<vfio_region_dma_range>(at + i * sizeof(vfio_region_dma_range));
				if (!r)
					break;
				text += std::string(i ? ", " : "") + "{offset=" + hex_text(r->offset) + ", length=" + hex_text(r->length) + "}";
				ranges.push_back({{"offset", r->offset}, {"length", r->length}});
			}
			out.raw("dma_ranges", text + (d->nr_ranges > 16 ? ", ...]" : "]"), ranges);
		}
	} else if (payload && index == VFIO_DEVICE_FEATURE_DMA_BUF_REVOKE) {
		if (auto d = read_struct<vfio_device_feature_dma_buf_revoke>(data))
			out.sint("dmabuf_fd", d->dmabuf_fd);
	} else if (payload && index == VFIO_DEVICE_FEATURE_DMA_BUF_MEMATTR) {
		if (auto d = read_struct<vfio_device_feature_dma_buf_memattr>(data))
			out.sint("dmabuf_fd", d->dmabuf_fd)
				.named("memattr", d->memattr,
				       {{VFIO_DEVICE_FEATURE_DMA_BUF_MEMATTR_NC, "NC"},
					{VFIO_DEVICE_FEATURE_DMA_BUF_MEMATTR_WC, "WC"}});
	}
	return out.done();
}

/* Commands whose argument is a value, not a pointer. */
std::optional<TraceArg> value_arg(unsigned long request, uintptr_t arg)
{
	switch (request) {
	case VFIO_CHECK_EXTENSION:
	case VFIO_SET_IOMMU: {
		std::string t = enum_text(arg, kIommus);
		return TraceArg{"arg", t, json(t)};
	}
	case VFIO_GET_API_VERSION:
	case VFIO_GROUP_UNSET_CONTAINER:
	case VFIO_DEVICE_RESET:
	case VFIO_IOMMU_ENABLE:
	case VFIO_IOMMU_DISABLE:
		return TraceArg{"arg", "0", json(nullptr)};
	default:
		return std::nullopt;
	}
}

TraceArg pointer_arg(unsigned long request, uintptr_t arg)
{
	switch (request) {
	case VFIO_GROUP_GET_STATUS:
		if (auto s = read_struct<vfio_group_status>(arg))
			return Fields().num("argsz", s->argsz).flags("flags", s->flags, kGroupFlags).done();
		break;
	case VFIO_GROUP_SET_CONTAINER:
		if (auto fd = read_struct<int32_t>(arg))
			return {"arg", "[" + std::to_string(*fd) + "]", json(*fd)};
		break;
	case VFIO_GROUP_GET_DEVICE_FD:
	case DMA_BUF_SET_NAME_A:
	case DMA_BUF_SET_NAME_B:
		if (auto s = copy_string_from_user(reinterpret_cast<const char *>(arg), 256))
			return text_arg("arg", *s);
		break;
	case VFIO_DEVICE_GET_INFO:
		if (auto s = read_struct<vfio_device_info>(arg))
			return Fields()
				.num("argsz", s->argsz)
				.flags("flags", s->flags, kDeviceFlags)
				.num("num_regions", s->num_regions)
				.num("num_irqs", s->num_irqs)
				.num("cap_offset", s->cap_offset)
				.done();
		break;
	case VFIO_DEVICE_GET_REGION_INFO:
		if (auto s = read_struct<vfio_region_info>(arg))
			return Fields()
				.num("argsz", s->argsz)
				.flags("flags", s->flags, kRegionFlags)
				.named("index", s->index, kRegions)
				.num("cap_offset", s->cap_offset)
				.hex("size", s->size)
				.hex("offset", s->offset)
				.done();
		break;
	case VFIO_DEVICE_GET_IRQ_INFO:
		if (auto s = read_struct<vfio_irq_info>(arg))
			return Fields()
				.num("argsz", s->argsz)
				.flags("flags", s->flags, kIrqInfoFlags)
				.named("index", s->index, kIrqs)
				.num("count", s->count)
				.done();
		break;
	case VFIO_DEVICE_SET_IRQS:
		if (auto s = read_struct<vfio_irq_set>(arg))
			return Fields()
				.num("argsz", s->argsz)
				.flags("flags", s->flags, kIrqSetFlags)
				.named("index", s->index, kIrqs)
				.num("start", s->start)
				.num("count", s->count)
				.done();
		break;
	case VFIO_DEVICE_FEATURE:
		return feature_arg(arg);
	case VFIO_DEVICE_BIND_IOMMUFD:
		if (auto s = read_struct<vfio_device_bind_iommufd>(arg))
			return Fields()
				.num("argsz", s->argsz)
				.hex("flags", s->flags)
				.sint("iommufd", s->iommufd)
				.num("out_devid", s->out_devid)
				.done();
		break;
	case VFIO_DEVICE_ATTACH_IOMMUFD_PT:
	case VFIO_DEVICE_DETACH_IOMMUFD_PT:
		if (auto s = read_struct<vfio_device_attach_iommufd_pt>(arg))
			return Fields().num("argsz", s->argsz).hex("flags", s->flags).num("pt_id", s->pt_id).done();
		break;
	case VFIO_IOMMU_MAP_DMA:
		if (auto s = read_struct<vfio_iommu_type1_dma_map>(arg))
			return Fields()
				.num("argsz", s->argsz)
				.flags("flags", s->flags, kDmaMapFlags)
				.hex("vaddr", s->vaddr)
				.hex("iova", s->iova)
				.hex("size", s->size)
				.done();
		break;
	case VFIO_IOMMU_UNMAP_DMA:
		if (auto s = read_struct<vfio_iommu_type1_dma_unmap>(arg))
			return Fields()
				.num("argsz", s->argsz)
				.flags("flags", s->flags, kDmaUnmapFlags)
				.hex("iova", s->iova)
				.hex("size", s->size)
				.done();
		break;
	case IOMMU_IOAS_ALLOC:
		if (auto s = read_struct<iommu_ioas_alloc>(arg))
			return Fields().num("size", s->size).hex("flags", s->flags).num("out_ioas_id", s->out_ioas_id).done();
		break;
	case IOMMU_IOAS_MAP:
		if (auto s = read_struct<iommu_ioas_map>(arg))
			return Fields()
				.num("size", s->size)
				.hex("flags", s->flags)
				.num("ioas_id", s->ioas_id)
				.hex("user_va", s->user_va)
				.hex("length", s->length)
				.hex("iova", s->iova)
				.done();
		break;
	case IOMMU_IOAS_UNMAP:
		if (auto s = read_struct<iommu_ioas_unmap>(arg))
			return Fields()
				.num("size", s->size)
				.num("ioas_id", s->ioas_id)
				.hex("iova", s->iova)
				.hex("length", s->length)
				.done();
		break;
	case IOMMU_DESTROY:
		if (auto s = read_struct<iommu_destroy>(arg))
			return Fields().num("size", s->size).num("id", s->id).done();
		break;
	case DMA_BUF_IOCTL_SYNC:
		if (auto s = read_struct<dma_buf_sync>(arg))
			return Fields().flags("flags", s->flags, kSyncFlags).done();
		break;
	default:
		break;
	}
	return pointer(arg);
}

} /* namespace */

std::string flag_names(uint64_t value, const Names &names)
{
	std::string out;
	uint64_t left = value;
	for (const auto &[bit, name] : names)
		if (bit && (left & bit) == bit) {
			out += (out.empty() ? "" : "|") + std::string(name);
			left &= ~bit;
		}
	if (left)
		out += (out.empty() ? "" : "|") + hex_text(left);
	return out.empty() ? "0" : out;
}

std::string ioctl_name(unsigned long request)
{
	if (const char *n = lookup(request, kIoctls))
		return n;
	return "_IOC(" + hex_text(_IOC_DIR(request)) + ", " + hex_text(_IOC_TYPE(request)) + ", " + hex_text(_IOC_NR(request)) + ", " +
	       hex_text(_IOC_SIZE(request)) + ")";
}

TraceArg decode_ioctl_arg(unsigned long request, uintptr_t arg, long result)
{
	if (auto v = value_arg(request, arg))
		return *v;
	/* EFAULT: the kernel could not read it either. */
	if (result == -EFAULT)
		return pointer(arg);
	return pointer_arg(request, arg);
}

TraceArg fd_arg(const char *name, int fd, const std::string &what)
{
	json j = {{"fd", fd}};
	if (!what.empty())
		j["path"] = what;
	return {name, what.empty() ? std::to_string(fd) : std::to_string(fd) + "<" + what + ">", j};
}

TraceArg number_arg(const char *name, long long value) { return {name, std::to_string(value), json(value)}; }

TraceArg hex_arg(const char *name, unsigned long long value) { return {name, hex_text(value), json(value)}; }

TraceArg address_arg(const char *name, uintptr_t value)
{
	return {name, value ? hex_text(value) : "NULL", json(value)};
}

TraceArg text_arg(const char *name, const std::string &value)
{
	std::string quoted = "\"";
	for (char c : value) {
		if (c == '"' || c == '\\')
			quoted += '\\';
		if (static_cast<unsigned char>(c) < 0x20) {
			char esc[8];
			std::snprintf(esc, sizeof(esc), "\\x%02x", static_cast<unsigned char>(c));
			quoted += esc;
		} else {
			quoted += c;
		}
	}
	return {name, quoted + "\"", json(value)};
}

TraceArg open_flags_arg(const char *name, int flags)
{
	static const std::array<const char *, 3> modes{"O_RDONLY", "O_WRONLY", "O_RDWR"};
	int mode = flags & O_ACCMODE;
	std::string text = mode < 3 ? modes[static_cast<size_t>(mode)] : "O_ACCMODE";
	if (int rest = flags & ~O_ACCMODE)
		text += "|" + flag_names(static_cast<unsigned>(rest), kOpenFlags);
	return {name, text, json(text)};
}

TraceArg mmap_prot_arg(const char *name, int prot)
{
	std::string text = prot ? flag_names(static_cast<unsigned>(prot), kProt) : "PROT_NONE";
	return {name, text, json(text)};
}

TraceArg mmap_flags_arg(const char *name, int flags)
{
	/* MAP_SHARED_VALIDATE is SHARED|PRIVATE: name it before its bits. */
	Names ordered = kMapFlags;
	std::rotate(ordered.begin(), ordered.end() - 1, ordered.end());
	std::string text = flag_names(static_cast<unsigned>(flags), ordered);
	return {name, text, json(text)};
}

TraceArg region_offset_arg(const char *name, unsigned long long offset)
{
	uint64_t index = offset >> VFIO_PCI_OFFSET_SHIFT;
	uint64_t within = offset & VFIO_PCI_OFFSET_MASK;
	std::string region = enum_text(index, kRegions);
	return {name, hex_text(offset) + " /* " + region + "+" + hex_text(within) + " */",
		json{{"offset", offset}, {"region", region}, {"region_offset", within}}};
}

std::string format_text(const TraceEvent &e)
{
	std::string line = e.call + "(";
	for (size_t i = 0; i < e.args.size(); i++)
		line += (i ? ", " : "") + e.args[i].text;
	line += ") = ";
	if (e.result < 0 && e.result > -4096) {
		int code = static_cast<int>(-e.result);
		line += "-1 " + errno_name(code) + " (" + std::strerror(code) + ")";
	} else if (e.hex_result) {
		line += hex_text(static_cast<unsigned long>(e.result));
	} else {
		line += std::to_string(e.result);
	}
	return line;
}

json format_json(const TraceEvent &e)
{
	json args = json::object();
	for (const TraceArg &a : e.args)
		args[a.name] = a.json;
	json j = {{"call", e.call}, {"args", args}};
	if (e.result < 0 && e.result > -4096) {
		j["result"] = -1;
		j["errno"] = errno_name(static_cast<int>(-e.result));
	} else {
		j["result"] = e.result;
	}
	return j;
}

} /* namespace softvfio::shim */
