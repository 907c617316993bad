/* SPDX-License-Identifier: MIT */
/*
 * The DeviceContext a register model gets for its BAR, and the function's
 * side of the device thread: what <softvfio/device_model.h> promises a
 * model, on the function's state. Every call here is made with the
 * function's lock held (from a model callback), except run_deferred(),
 * which the device thread calls and which takes it. And the gate a plugin
 * model waits for its host through, with that lock let go.
 */
#include "pci/pci_function_impl.h"

#include <cerrno>

namespace softvfio::pci {

class PciFunction::Impl::BarContext final : public DeviceContext
{
public:
	BarContext(Impl &impl, unsigned index) : impl_(impl), index_(index) {}

	unsigned bar_index() const override { return index_; }
	uint64_t bar_size() const override { return impl_.bars[index_].size; }

	int dma_read(uint64_t iova, void *dst, size_t len) override
	{
		return impl_.dma_read(iova, dst, len);
	}
	int dma_write(uint64_t iova, const void *src, size_t len) override
	{
		return impl_.dma_write(iova, src, len);
	}

	bool msi_enabled() override { return impl_.msi_enabled(); }
	bool msix_enabled() override { return impl_.msix_enabled(); }
	int raise_msi(unsigned vector) override
	{
		if (!impl_.desc.msi)
			return -ENODEV;
		if (vector >= impl_.desc.msi->vectors)
			return -EINVAL;
		impl_.msi_notify(vector);
		return 0;
	}
	int raise_msix(unsigned vector) override
	{
		if (!impl_.desc.msix)
			return -ENODEV;
		if (vector >= impl_.desc.msix->vectors)
			return -EINVAL;
		impl_.msix_notify(vector);
		return 0;
	}
	void set_intx(bool asserted) override { impl_.set_intx(asserted); }

	int mirror(uint64_t offset, const void *src, size_t len) override
	{
		const uint64_t size = bar_size();
		if (offset > size || len > size - offset)
			return -EINVAL;
		/* Best effort: a reader that finds no mirror asks the model. */
		(void)impl_.mirror_write(index_, offset, src, len);
		return 0;
	}

	int schedule(std::chrono::nanoseconds delay, uint64_t cookie) override
	{
		return impl_.device_thread.schedule(delay, index_, cookie);
	}

private:
	Impl &impl_;
	unsigned index_;
};

std::unique_ptr<DeviceContext> PciFunction::Impl::make_bar_context(unsigned index)
{
	return std::make_unique<BarContext>(*this, index);
}

/* A plugin model's wait for its host, with the function's lock let go
 * (call_gate.h). Only the thread making the call touches the model while
 * it is busy: every other caller waits in wait_model_idle(). */
class PciFunction::Impl::ModelGate final : public plugin::CallGate
{
public:
	explicit ModelGate(Impl &impl) : impl_(impl) {}

	void release() override
	{
		impl_.model_busy = true;
		impl_.mu.unlock();
	}
	void reacquire() override
	{
		impl_.mu.lock();
		impl_.model_busy = false;
		impl_.model_idle.notify_all();
	}

private:
	Impl &impl_;
};

std::unique_ptr<plugin::CallGate> PciFunction::Impl::make_model_gate()
{
	return std::make_unique<ModelGate>(*this);
}

void PciFunction::Impl::wait_model_idle()
{
	model_idle.wait(mu, [this] { return !model_busy; });
}

void PciFunction::Impl::run_deferred(unsigned index, uint64_t cookie, uint64_t generation)
{
	Locked lock(*this);
	wait_model_idle();
	/* Scheduled before a reset that has happened since: the model that
	 * asked for it is back in its power-on state and must not see it. */
	if (generation != device_thread.generation() || index >= models.size() || !models[index])
		return;
	models[index]->run_deferred(cookie);
}

void PciFunction::Impl::notify_power_state(PowerState state)
{
	wait_model_idle();
	for (auto &model : models)
		if (model)
			model->power_state_changed(static_cast<unsigned>(state));
}

} /* namespace softvfio::pci */
