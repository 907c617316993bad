/* SPDX-License-Identifier: MIT */
/*
 * Permanent revocation of a DMABUF (docs/semantics.md §2.5, §4.7):
 * series-v4's feature 13 and series-v2's device ioctl 122.
 */
#include <cerrno>
#include <shared_mutex>

#include <softvfio/uapi/vfio.h>

#include "base/user_copy.h"
#include "mm/zap_fence.h"
#include "dmabuf/dma_buf.h"
#include "vfio/pci/device.h"
#include "vfio/pci/dmabuf_ops.h"
#include "vfio/pci/feature_check.h"

namespace softvfio::vfio {

namespace {

/* Steps common to both entry points once the fd is known: dma_buf_get,
 * this device's buffer (an atomic read of the owner: the caller's open
 * device fd keeps its own buffers from being cleaned up meanwhile), then
 * under memory_lock: EBADFD when already PERM, else revoke for good (may
 * block on importers). The dma-buf reference is put after unlocking. */
long revoke_fd(VfioPciDevice &dev, CallContext &ctx, int fd)
{
	auto buf = dmabuf::dma_buf_get(ctx.fds, fd);
	if (!buf)
		return -buf.error();
	if ((*buf)->owner() != static_cast<dmabuf::Exporter *>(&dev))
		return -ENODEV;
	std::unique_lock guard(dev.memory_lock());
	if ((*buf)->status() == dmabuf::Status::PermRevoked)
		return -EBADFD;
	(*buf)->set_status_locked(dmabuf::Status::PermRevoked);
	/* Also when the buffer was TEMP already: that zap may still be on
	 * its way to the processes of another call, which holds no lock now
	 * but has not returned either. */
	mm::zap_fence();
	return 0;
}

} /* namespace */

long dma_buf_revoke_feature(VfioPciDevice &dev, CallContext &ctx, uint32_t flags, void *payload,
			    size_t payload_argsz)
{
	/* The !CONFIG_VFIO_PCI_DMABUF stub. */
	if (!dev.setup().dmabuf_config)
		return -ENOTTY;
	if (!dev.setup().dmabuf_support)
		return -EOPNOTSUPP;
	vfio_device_feature_dma_buf_revoke req{};
	int ret = check_feature(flags, payload_argsz, VFIO_DEVICE_FEATURE_SET, sizeof(req));
	if (ret != 1)
		return ret;
	if (!copy_from_user(&req, payload, sizeof(req)))
		return -EFAULT;
	return revoke_fd(dev, ctx, req.dmabuf_fd);
}

/* v2's order [I]: the struct, argsz, then the driver function (the stub
 * without CONFIG_VFIO_PCI_DMABUF, EOPNOTSUPP without DMABUF support). */
long dma_buf_revoke_ioctl(VfioPciDevice &dev, CallContext &ctx, uintptr_t arg)
{
	vfio_pci_dmabuf_revoke req{};
	if (!copy_from_user(&req, user_ptr(arg), sizeof(req)))
		return -EFAULT;
	if (req.argsz < sizeof(req))
		return -EINVAL;
	if (!dev.setup().dmabuf_config)
		return -ENOTTY;
	if (!dev.setup().dmabuf_support)
		return -EOPNOTSUPP;
	return revoke_fd(dev, ctx, req.dmabuf_fd);
}

} /* namespace softvfio::vfio */
