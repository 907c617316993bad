/* SPDX-License-Identifier: MIT */
#include <softvfio/client/irqs.h>

#include <cerrno>
#include <unistd.h>

#include <softvfio/uapi/vfio.h>

#include "client/device_handle.h"

namespace softvfio::client {

Irqs::Irqs(std::shared_ptr<detail::DeviceHandle> device, IrqIndex index, std::vector<int> fds)
	: device_(std::move(device)), index_(index), fds_(std::move(fds))
{
}

Irqs::Irqs(Irqs &&other) noexcept
	: device_(std::move(other.device_)), index_(other.index_), fds_(std::move(other.fds_))
{
	other.fds_.clear();
}

Irqs &Irqs::operator=(Irqs &&other) noexcept
{
	if (this != &other) {
		(void)disable();
		device_ = std::move(other.device_);
		index_ = other.index_;
		fds_ = std::move(other.fds_);
		other.fds_.clear();
	}
	return *this;
}

Irqs::~Irqs() { (void)disable(); }

void Irqs::close_fds()
{
	for (int fd : fds_)
		::close(fd);
	fds_.clear();
}

Result<void> Irqs::trigger(unsigned vector)
{
	if (vector >= fds_.size() || !device_)
		return fail(EINVAL, "trigger vector " + std::to_string(vector));
	vfio_irq_set set{};
	set.argsz = sizeof(set);
	set.flags = VFIO_IRQ_SET_DATA_NONE | VFIO_IRQ_SET_ACTION_TRIGGER;
	set.index = static_cast<uint32_t>(index_);
	set.start = vector;
	set.count = 1;
	if (auto r = device_->ioctl(VFIO_DEVICE_SET_IRQS, &set, "VFIO_DEVICE_SET_IRQS(trigger)"); !r)
		return r.error();
	return {};
}

Result<uint64_t> Irqs::consume(unsigned vector)
{
	if (vector >= fds_.size())
		return fail(EINVAL, "consume vector " + std::to_string(vector));
	uint64_t count = 0;
	ssize_t n = ::read(fds_[vector], &count, sizeof(count));
	if (n < 0 && errno == EAGAIN)
		return uint64_t{0};
	if (n != static_cast<ssize_t>(sizeof(count)))
		return fail(n < 0 ? errno : EIO, "read eventfd");
	return count;
}

Result<void> Irqs::disable()
{
	if (fds_.empty() || !device_)
		return {};
	vfio_irq_set set{};
	set.argsz = sizeof(set);
	set.flags = VFIO_IRQ_SET_DATA_NONE | VFIO_IRQ_SET_ACTION_TRIGGER;
	set.index = static_cast<uint32_t>(index_);
	auto r = device_->ioctl(VFIO_DEVICE_SET_IRQS, &set, "VFIO_DEVICE_SET_IRQS(disable)");
	close_fds();
	if (!r)
		return r.error();
	return {};
}

} /* namespace softvfio::client */
