/* SPDX-License-Identifier: MIT */
/*
 * VFIO_DEVICE_FEATURE: the header (GET/SET/PROBE and the feature index)
 * and each feature's payload after it. A PROBE carries none, and none is
 * read past argsz. Features 13 and 14 are named as series v3/v4 number
 * them (DMA_BUF_REVOKE, DMA_BUF_MEMATTR); under a v2 profile 13 is MEMATTR
 * (vfio_feature.h), which the trace cannot tell from the call.
 */
#include <softvfio/uapi/vfio.h>

#include "shim/trace_decode_util.h"

namespace softvfio::shim::trace_detail {

namespace {

#define NAME SOFTVFIO_TRACE_NAME

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
const Names kMigrationFlags = {NAME(VFIO_MIGRATION_STOP_COPY), NAME(VFIO_MIGRATION_P2P), NAME(VFIO_MIGRATION_PRE_COPY)};
const Names kMigStates = {NAME(VFIO_DEVICE_STATE_ERROR),     NAME(VFIO_DEVICE_STATE_STOP),
			  NAME(VFIO_DEVICE_STATE_RUNNING),   NAME(VFIO_DEVICE_STATE_STOP_COPY),
			  NAME(VFIO_DEVICE_STATE_RESUMING),  NAME(VFIO_DEVICE_STATE_RUNNING_P2P),
			  NAME(VFIO_DEVICE_STATE_PRE_COPY),  NAME(VFIO_DEVICE_STATE_PRE_COPY_P2P)};
const Names kBusMasterOps = {NAME(VFIO_DEVICE_FEATURE_CLEAR_MASTER), NAME(VFIO_DEVICE_FEATURE_SET_MASTER)};
const Names kMemattrs = {{VFIO_DEVICE_FEATURE_DMA_BUF_MEMATTR_NC, "NC"}, {VFIO_DEVICE_FEATURE_DMA_BUF_MEMATTR_WC, "WC"}};

#undef NAME

void dma_buf_payload(Fields &out, uintptr_t data)
{
	auto d = read_struct<vfio_device_feature_dma_buf>(data);
	if (!d)
		return;
	TraceArg open_flags = open_flags_arg("open_flags", static_cast<int>(d->open_flags));
	out.named("region_index", d->region_index, kRegions)
		.raw("open_flags", open_flags.text, open_flags.json)
		.hex("flags", d->flags)
		.num("nr_ranges", d->nr_ranges);
	/* The kernel reads nr_ranges ranges whatever argsz says. */
	List ranges;
	uintptr_t at = data + sizeof(vfio_device_feature_dma_buf);
	for (uint32_t i = 0; i < d->nr_ranges && i < kListMax; i++) {
		auto r = read_struct<vfio_region_dma_range>(at + i * sizeof(vfio_region_dma_range));
		if (!r)
			break;
		ranges.add(Fields().hex("offset", r->offset).hex("length", r->length).done());
	}
	auto list = ranges.done("dma_ranges", ranges.size() < d->nr_ranges);
	out.raw("dma_ranges", list.text, list.json);
}

void dma_logging_payload(Fields &out, uintptr_t data)
{
	auto c = read_struct<vfio_device_feature_dma_logging_control>(data);
	if (!c)
		return;
	out.hex("page_size", c->page_size).num("num_ranges", c->num_ranges);
	List ranges;
	for (uint32_t i = 0; i < c->num_ranges && i < kListMax; i++) {
		auto r = read_struct<vfio_device_feature_dma_logging_range>(
			c->ranges + i * sizeof(vfio_device_feature_dma_logging_range));
		if (!r)
			break;
		ranges.add(Fields().hex("iova", r->iova).hex("length", r->length).done());
	}
	auto list = ranges.done("ranges", ranges.size() < c->num_ranges);
	out.raw("ranges", list.text, list.json);
}

/* The payload of feature `index`, as many bytes of it as argsz holds. */
void payload(Fields &out, uint32_t index, uintptr_t data, uint32_t room)
{
	auto fits = [&](size_t size) { return room >= size; };
	switch (index) {
	case VFIO_DEVICE_FEATURE_PCI_VF_TOKEN: {
		/* A 16-byte UUID, shown as one. */
		unsigned char uuid[16];
		if (!fits(sizeof(uuid)) || !copy_from_user(uuid, user_ptr(data), sizeof(uuid)))
			return;
		char text[40];
		std::snprintf(text, sizeof(text), "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
			      uuid[0], uuid[1], uuid[2], uuid[3], uuid[4], uuid[5], uuid[6], uuid[7], uuid[8], uuid[9],
			      uuid[10], uuid[11], uuid[12], uuid[13], uuid[14], uuid[15]);
		out.raw("uuid", text, text);
		return;
	}
	case VFIO_DEVICE_FEATURE_MIGRATION:
		if (auto m = read_struct<vfio_device_feature_migration>(data); m && fits(sizeof(*m)))
			out.flags("flags", m->flags, kMigrationFlags);
		return;
	case VFIO_DEVICE_FEATURE_MIG_DEVICE_STATE:
		if (auto m = read_struct<vfio_device_feature_mig_state>(data); m && fits(sizeof(*m)))
			out.named("device_state", m->device_state, kMigStates).sint("data_fd", m->data_fd);
		return;
	case VFIO_DEVICE_FEATURE_LOW_POWER_ENTRY_WITH_WAKEUP:
		if (auto w = read_struct<vfio_device_low_power_entry_with_wakeup>(data); w && fits(sizeof(*w)))
			out.sint("wakeup_eventfd", w->wakeup_eventfd);
		return;
	case VFIO_DEVICE_FEATURE_DMA_LOGGING_START:
		if (fits(sizeof(vfio_device_feature_dma_logging_control)))
			dma_logging_payload(out, data);
		return;
	case VFIO_DEVICE_FEATURE_DMA_LOGGING_REPORT:
		if (auto r = read_struct<vfio_device_feature_dma_logging_report>(data); r && fits(sizeof(*r)))
			out.hex("iova", r->iova).hex("length", r->length).hex("page_size", r->page_size).hex("bitmap", r->bitmap);
		return;
	case VFIO_DEVICE_FEATURE_MIG_DATA_SIZE:
		if (auto s = read_struct<vfio_device_feature_mig_data_size>(data); s && fits(sizeof(*s)))
			out.hex("stop_copy_length", s->stop_copy_length);
		return;
	case VFIO_DEVICE_FEATURE_BUS_MASTER:
		if (auto b = read_struct<vfio_device_feature_bus_master>(data); b && fits(sizeof(*b)))
			out.named("op", b->op, kBusMasterOps);
		return;
	case VFIO_DEVICE_FEATURE_DMA_BUF:
		if (fits(sizeof(vfio_device_feature_dma_buf)))
			dma_buf_payload(out, data);
		return;
	case VFIO_DEVICE_FEATURE_DMA_BUF_REVOKE:
		if (auto d = read_struct<vfio_device_feature_dma_buf_revoke>(data); d && fits(sizeof(*d)))
			out.sint("dmabuf_fd", d->dmabuf_fd);
		return;
	case VFIO_DEVICE_FEATURE_DMA_BUF_MEMATTR:
		if (auto d = read_struct<vfio_device_feature_dma_buf_memattr>(data); d && fits(sizeof(*d)))
			out.sint("dmabuf_fd", d->dmabuf_fd).named("memattr", d->memattr, kMemattrs);
		return;
	default:
		/* LOW_POWER_ENTRY, LOW_POWER_EXIT, DMA_LOGGING_STOP and
		 * MIG_PRECOPY_INFOv2 have no payload. */
		return;
	}
}

} /* namespace */

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
	if (f->argsz > sizeof(vfio_device_feature) && !(f->flags & VFIO_DEVICE_FEATURE_PROBE))
		payload(out, index, arg + sizeof(vfio_device_feature), f->argsz - sizeof(vfio_device_feature));
	return out.done();
}

} /* namespace softvfio::shim::trace_detail */
