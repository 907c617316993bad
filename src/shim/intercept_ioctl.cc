/* SPDX-License-Identifier: MIT */
/*
 * ioctl: VFIO, iommufd and dma-buf commands on emulated fds go to the
 * session kernel; everything else to the C library. Only command types ';' (VFIO,
 * iommufd) and 'b' (dma-buf) make the shim look at an fd it has not
 * classified yet, so FIONREAD, TCGETS and friends on ordinary fds cost one
 * load.
 */
#include <cstdarg>
#include <sys/ioctl.h>

#include "shim/real.h"
#include "shim/state.h"
#include "shim/trace.h"

using namespace softvfio;
using namespace softvfio::shim;

#define SHIM_EXPORT extern "C" __attribute__((visibility("default")))

SHIM_EXPORT int ioctl(int fd, unsigned long req, ...)
{
	va_list ap;
	va_start(ap, req);
	void *arg = va_arg(ap, void *);
	va_end(ap);
	if (in_model())
		return REAL(ioctl)(fd, req, arg);
	KernelCalls *k = kernel_if_created();
	if (!k)
		return REAL(ioctl)(fd, req, arg);
	unsigned type = _IOC_TYPE(req);
	FdKind kind = type == ';' || type == 'b' ? classify(fd) : fd_cache().get(fd).kind;
	if (kind != FdKind::Ours || !same_process())
		return REAL(ioctl)(fd, req, arg);
	/* The fds a call makes for the program (a device fd, a dma-buf) are
	 * real already, at the kernel's numbers, and known to the fd cache
	 * (Connection's fd observer). */
	const uint32_t key = fd_cache().get(fd).word;
	/* A remembered answer touches only this process's memory: no fork
	 * gate, no model scope (it calls nothing the shim interposes). */
	TraceStart t0 = trace_start();
	long r;
	if (!k->ioctl_from_memo(fd, key, req, reinterpret_cast<uintptr_t>(arg), r))
		r = model_call([&] { return k->ioctl(fd, key, req, reinterpret_cast<uintptr_t>(arg)); }, -ENOMEM);
	if (r == Kernel::kForeign)
		return REAL(ioctl)(fd, req, arg);
	if (tracing())
		trace_ioctl(fd, req, reinterpret_cast<uintptr_t>(arg), r, t0);
	return syscall_result<int>(r);
}
