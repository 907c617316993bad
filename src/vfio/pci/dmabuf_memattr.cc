/* SPDX-License-Identifier: MIT */
/*
 * DMA_BUF_MEMATTR: the CPU attribute of future mmaps of a DMABUF
 * (docs/semantics.md §2.6, §4.8). series-v4: feature 14, SET only,
 * lock-free, unknown value ENOENT, stub ENOTTY. series-v2: feature 13, GET
 * and SET under memory_lock, unknown value 524, stub ENODEV. Numbers and
 * errnos come from the profile.
 */
#include <cerrno>
#include <shared_mutex>

#include <softvfio/uapi/vfio.h>

#include "base/user_copy.h"
#include "dmabuf/dma_buf.h"
#include "vfio/pci/device.h"
#include "vfio/pci/dmabuf_ops.h"
#include "vfio/pci/feature_check.h"

namespace softvfio::vfio {

namespace {

bool known(uint32_t memattr)
{
	return memattr == VFIO_DEVICE_FEATURE_DMA_BUF_MEMATTR_NC || memattr == VFIO_DEVICE_FEATURE_DMA_BUF_MEMATTR_WC;
}

mm::MemAttr to_mm(uint32_t memattr)
{
	return memattr == VFIO_DEVICE_FEATURE_DMA_BUF_MEMATTR_WC ? mm::MemAttr::WriteCombine : mm::MemAttr::Uncached;
}

uint32_t to_uapi(mm::MemAttr attr)
{
	return attr == mm::MemAttr::WriteCombine ? VFIO_DEVICE_FEATURE_DMA_BUF_MEMATTR_WC
						  : VFIO_DEVICE_FEATURE_DMA_BUF_MEMATTR_NC;
}

/* series-v2: under memory_lock; GET writes the value back [I]. */
long memattr_locked_v2(VfioPciDevice &dev, dmabuf::DmaBuf &buf, uint32_t flags,
		       vfio_device_feature_dma_buf_memattr &req, void *payload)
{
	std::unique_lock guard(dev.memory_lock());
	if (flags & VFIO_DEVICE_FEATURE_SET) {
		if (!known(req.memattr))
			return -dev.profile().memattr_unknown_errno;
		buf.set_memattr(to_mm(req.memattr));
		return 0;
	}
	req.memattr = to_uapi(buf.memattr());
	return copy_to_user(payload, &req, sizeof(req)) ? 0 : -EFAULT;
}

} /* namespace */

long dma_buf_memattr_feature(VfioPciDevice &dev, CallContext &ctx, uint32_t flags, void *payload,
			     size_t payload_argsz)
{
	const Profile &p = dev.profile();
	if (!dev.setup().dmabuf_config)
		return -p.memattr_stub_errno;
	if (!dev.setup().dmabuf_support)
		return -EOPNOTSUPP;
	vfio_device_feature_dma_buf_memattr req{};
	uint32_t ops = VFIO_DEVICE_FEATURE_SET | (p.memattr_get ? VFIO_DEVICE_FEATURE_GET : 0);
	int ret = check_feature(flags, payload_argsz, ops, sizeof(req));
	if (ret != 1)
		return ret;
	if (!copy_from_user(&req, payload, sizeof(req)))
		return -EFAULT;
	auto buf = dmabuf::dma_buf_get(ctx.fds, req.dmabuf_fd);
	if (!buf)
		return -buf.error();
	if ((*buf)->owner() != static_cast<dmabuf::Exporter *>(&dev))
		return -ENODEV;
	if (p.memattr_under_memory_lock)
		return memattr_locked_v2(dev, **buf, flags, req, payload);
	/* v4: no lock and no status check; a revoked buffer still takes it. */
	if (!known(req.memattr))
		return -p.memattr_unknown_errno;
	(*buf)->set_memattr(to_mm(req.memattr));
	return 0;
}

} /* namespace softvfio::vfio */
