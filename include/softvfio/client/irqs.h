/* SPDX-License-Identifier: MIT */
/*
 * client::Irqs: one eventfd per vector of an interrupt index (INTx, MSI,
 * MSI-X, ERR, REQ), wired with VFIO_DEVICE_SET_IRQS; the index is disabled
 * and the eventfds closed on destruction.
 */
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include <softvfio/client/fwd.h>
#include <softvfio/client/result.h>
#include <softvfio/client/uapi_values.h>

namespace softvfio::client {

/* vfio-pci's interrupt indexes. */
enum class IrqIndex : uint32_t { Intx = 0, Msi = 1, Msix = 2, Err = 3, Req = 4 };

struct IrqInfo {
	IrqIndex index = IrqIndex::Intx;
	uint32_t flags = 0;     /* VFIO_IRQ_INFO_* */
	uint32_t count = 0;     /* vectors */
};

class Irqs
{
public:
	Irqs() = default;
	Irqs(Irqs &&other) noexcept;
	Irqs &operator=(Irqs &&other) noexcept;
	Irqs(const Irqs &) = delete;
	Irqs &operator=(const Irqs &) = delete;
	~Irqs();

	IrqIndex index() const { return index_; }
	size_t count() const { return fds_.size(); }
	/* The eventfd of `vector` (for poll/epoll), or kNoFd. */
	int fd(unsigned vector) const { return vector < fds_.size() ? fds_[vector] : kNoFd; }

	/* Fire `vector` from userspace (SET_IRQS DATA_NONE|ACTION_TRIGGER):
	 * a loopback test needs no device. Errors: EINVAL (bad vector), and
	 * SET_IRQS's (ENODEV: device closed). */
	Result<void> trigger(unsigned vector);
	/* How many times `vector` fired since the last call, without
	 * blocking (eventfd read; 0 if none). Errors: EINVAL (bad vector). */
	Result<uint64_t> consume(unsigned vector);

	/* Disable the index now and close the eventfds; SET_IRQS's errno. */
	Result<void> disable();

	/* Internal: built by Device::enable_irqs. */
	Irqs(std::shared_ptr<detail::DeviceHandle> device, IrqIndex index, std::vector<int> fds);

private:
	void close_fds();

	std::shared_ptr<detail::DeviceHandle> device_;
	IrqIndex index_ = IrqIndex::Intx;
	std::vector<int> fds_;
};

} /* namespace softvfio::client */
