/* SPDX-License-Identifier: MIT */
/*
 * ioctl: VFIO, iommufd and dma-buf commands on emulated fds go to the
 * model; everything else to the C library. Only command types ';' (VFIO,
 * iommufd) and 'b' (dma-buf) make the shim look at an fd it has not
 * classified yet, so FIONREAD, TCGETS and friends on ordinary fds cost one
 * load.
 */
#include <cstdarg>
#include <cstring>
#include <sys/ioctl.h>

#include <softvfio/uapi/dma-buf.h>
#include <softvfio/uapi/iommufd.h>
#include <softvfio/uapi/vfio.h>

#include "shim/maps_mailbox.h"
#include "shim/real.h"
#include "shim/state.h"
#include "shim/trace.h"

using namespace softvfio;
using namespace softvfio::shim;

#define SHIM_EXPORT extern "C" __attribute__((visibility("default")))

namespace {

/* An fd the model made for the program, stored at `offset` in the ioctl's
 * struct: moved down like the kernel's lowest free number. */
void hand_out_in_struct(void *arg, size_t offset)
{
	int fd;
	std::memcpy(&fd, static_cast<char *>(arg) + offset, sizeof(fd));
	if (fd < 0)
		return;
	int low = hand_out(fd, fd_cache().get(fd).kind == FdKind::Ours ? FdKind::Ours : FdKind::Foreign);
	std::memcpy(static_cast<char *>(arg) + offset, &low, sizeof(low));
}

/* New fds a successful model ioctl created for the program. */
long hand_out_new_fds(Kernel *k, unsigned long req, void *arg, long r)
{
	switch (req) {
	case VFIO_GROUP_GET_DEVICE_FD: {
		int fd = hand_out(static_cast<int>(r), FdKind::Ours);
		note_set(fd, "anon_inode:[vfio-device]");
		return fd;
	}
	case DMA_BUF_IOCTL_EXPORT_SYNC_FILE:
		hand_out_in_struct(arg, offsetof(struct dma_buf_export_sync_file, fd));
		return r;
	case IOMMU_FAULT_QUEUE_ALLOC:
		hand_out_in_struct(arg, offsetof(struct iommu_fault_alloc, out_fault_fd));
		return r;
	default:
		break;
	}
	/* Any other result that is a model-made fd (VFIO_DEVICE_FEATURE's
	 * DMA_BUF export among them). */
	if (r >= internal_fd_base() && fd_cache().get(static_cast<int>(r)).kind == FdKind::Internal) {
		bool ours = model_call([&] { return k->owns_fd(static_cast<int>(r)); }, false);
		return hand_out(static_cast<int>(r), ours ? FdKind::Ours : FdKind::Foreign);
	}
	return r;
}

} /* namespace */

SHIM_EXPORT int ioctl(int fd, unsigned long req, ...)
{
	va_list ap;
	va_start(ap, req);
	void *arg = va_arg(ap, void *);
	va_end(ap);
	if (in_model())
		return REAL(ioctl)(fd, req, arg);
	Kernel *k = kernel_if_created();
	if (!k)
		return REAL(ioctl)(fd, req, arg);
	mailbox_poll();
	unsigned type = _IOC_TYPE(req);
	FdKind kind = type == ';' || type == 'b' ? classify(fd) : fd_cache().get(fd).kind;
	if (kind != FdKind::Ours || !same_process())
		return REAL(ioctl)(fd, req, arg);
	long r = model_call([&] { return k->ioctl(fd, req, reinterpret_cast<uintptr_t>(arg)); }, -ENOMEM);
	sysfs_changed();
	if (r >= 0)
		r = hand_out_new_fds(k, req, arg, r);
	if (tracing())
		trace_ioctl(fd, req, reinterpret_cast<uintptr_t>(arg), r);
	return syscall_result<int>(r);
}
