/* SPDX-License-Identifier: MIT */
/*
 * PciFunction: construction, the public entry points, config space side
 * effects and BAR accesses. Interrupt delivery is in interrupts.cc, the PCI
 * core's power and reset handling in power_reset.cc.
 */
#include "pci/pci_function_impl.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <unistd.h>

#include "base/memfd.h"
#include "pci/bar_setup.h"
#include "pci/description_util.h"
#include "pci/regs.h"

namespace softvfio::pci {

namespace {

uint32_t config_size_for(const DeviceDescription &desc)
{
	return desc.is_express() ? regs::kConfigSizeExpress : regs::kConfigSizeConventional;
}

} /* namespace */

PciFunction::Impl::Impl(const DeviceDescription &d) : desc(d), cfg(config_size_for(d)) {}

PciFunction::Impl::~Impl() = default;

PciFunction::Impl::Locked::~Locked()
{
	if (impl_.deferred.empty())
		return;
	auto irqs = std::exchange(impl_.deferred, {});
	InterruptSink *target = impl_.sink;
	if (!target)
		return;
	++impl_.delivering;
	lock_.unlock();
	for (const auto &[kind, vector] : irqs)
		target->raise(kind, vector);
	lock_.lock();
	if (--impl_.delivering == 0)
		impl_.idle.notify_all();
}

Result<void> PciFunction::Impl::init(uint64_t bus_address_base)
{
	ConfigLayout layout = build_config_space(desc, cfg);
	caps = layout.caps;
	cap_list = std::move(layout.list);
	cfg.capture_defaults();

	SVFIO_TRY(assign_bus_addresses(desc, bus_address_base, bars, rom_bar));
	auto fd = create_memfd("softvfio-bar", bar_memfd_size(bars));
	if (!fd)
		return err(fd.error());
	mem = std::move(*fd);

	if (desc.rom_size)
		rom = build_rom_image(desc);
	model_gate = make_model_gate();
	std::array<DeviceContext *, 6> contexts{};
	for (unsigned i = 0; i < 6; ++i) {
		if (desc.bars[i].kind == BarKind::None ||
		    desc.bars[i].contents != BarContents::Registers)
			continue;
		hosts[i] = make_bar_context(i);
		contexts[i] = hosts[i].get();
	}
	{
		/* Held as for every model call: the gate lets it go. */
		std::lock_guard lock(mu);
		SVFIO_TRY(make_register_models(desc, contexts, model_gate.get(), models));
	}
	msix_init_table();

	/* What firmware left: BARs and ROM programmed, command, line. */
	write_bar_registers(cfg, bars, rom_bar);
	cfg.set_word(regs::kCommand, desc.command);
	cfg.set_byte(regs::kInterruptLine, desc.interrupt_line);
	return {};
}

/* --- config space --- */

uint32_t PciFunction::Impl::config_read(uint32_t offset, unsigned width) const
{
	if (!cfg.valid_access(offset, width))
		return width >= 4 ? 0xffffffffu : (1u << (8 * width)) - 1;
	return cfg.read(offset, width);
}

bool PciFunction::Impl::bus_master() const
{
	return command() & regs::kCommandMaster;
}

void PciFunction::Impl::config_write(uint32_t offset, unsigned width, uint32_t value)
{
	using namespace regs;
	if (!cfg.valid_access(offset, width))
		return;
	const uint16_t old_msi = caps.msi ? cfg.word(caps.msi + kMsiFlags) : 0;
	const uint16_t old_msix = caps.msix ? cfg.word(caps.msix + kMsixFlags) : 0;
	const uint16_t old_pm = caps.pm ? cfg.word(caps.pm + kPmCtrl) : 0;

	cfg.write(offset, width, value);

	if (touches(offset, width, kCommand, 2))
		update_intx();
	if (caps.msi)
		after_msi_write(offset, width, old_msi);
	if (caps.msix && touches(offset, width, caps.msix + kMsixFlags, 2))
		after_msix_write(offset, width, old_msix);
	if (caps.pm && touches(offset, width, caps.pm + kPmCtrl, 2))
		after_pm_ctrl_write(old_pm);

	/* Initiate FLR: bit 15 of DEVCTL, write-only, reads 0 (it is not in
	 * the write mask, so it never lands in the register). */
	const uint32_t flr_byte = caps.express + kExpDevCtl + 1u;
	if (caps.express && desc.express->flr && touches(offset, width, flr_byte, 1) &&
	    ((value >> (8 * (flr_byte - offset))) & 0x80))
		function_reset();
}

void PciFunction::Impl::after_msi_write(uint32_t offset, unsigned width, uint16_t old_flags)
{
	using namespace regs;
	const uint16_t at = caps.msi;
	const MsiLayout l = msi_layout(desc.msi->address64, desc.msi->per_vector_mask);
	if (touches(offset, width, at + kMsiFlags, 2)) {
		/* Multiple Message Enable above what is capable: clamp, as QEMU. */
		uint16_t flags = cfg.word(at + kMsiFlags);
		const unsigned capable = (flags & kMsiFlagsQmask) >> 1;
		if (((flags & kMsiFlagsQsize) >> 4) > capable) {
			flags = static_cast<uint16_t>((flags & ~kMsiFlagsQsize) | (capable << 4));
			cfg.set_word(at + kMsiFlags, flags);
		}
		/* A function using MSI stops driving INTx. */
		if ((flags & kMsiFlagsEnable) && !(old_flags & kMsiFlagsEnable))
			set_intx(false);
		msi_deliver_pending();
	}
	if (l.mask && touches(offset, width, at + l.mask, 4))
		msi_deliver_pending();
}

void PciFunction::Impl::after_msix_write(uint32_t, unsigned, uint16_t old_flags)
{
	using namespace regs;
	const uint16_t flags = cfg.word(caps.msix + kMsixFlags);
	if ((flags & kMsixFlagsEnable) && !(old_flags & kMsixFlagsEnable))
		set_intx(false);
	msix_deliver_pending();
}

/* PM_CTRL power state field: only supported transitions take effect. From
 * D3hot the only way out is D0, and with NoSoftRst- that resets the
 * function (config back to power-on values, internal state cleared). */
void PciFunction::Impl::after_pm_ctrl_write(uint16_t old_ctrl)
{
	using namespace regs;
	const uint16_t reg = caps.pm + kPmCtrl;
	const uint16_t ctrl = cfg.word(reg);
	const unsigned from = old_ctrl & kPmCtrlStateMask;
	const unsigned to = ctrl & kPmCtrlStateMask;
	if (from == to)
		return;
	bool allowed = to == 0 || (from != 3 && to > from);
	if ((to == 1 && !desc.pm->d1) || (to == 2 && !desc.pm->d2))
		allowed = false;
	if (!allowed) {
		cfg.set_word(reg, static_cast<uint16_t>((ctrl & ~kPmCtrlStateMask) | from));
		return;
	}
	if (from == 3 && to == 0 && !desc.pm->no_soft_reset)
		function_reset();
	notify_power_state(static_cast<PowerState>(to));
}

/* --- BAR memory --- */

Result<void> PciFunction::Impl::mem_read(uint64_t file_offset, void *dst, size_t len) const
{
	auto *out = static_cast<uint8_t *>(dst);
	while (len) {
		ssize_t n = ::pread(mem.get(), out, len, static_cast<off_t>(file_offset));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return err(errno);
		if (n == 0) {   /* past the end of the file: reads as zeros */
			std::memset(out, 0, len);
			return {};
		}
		out += n;
		file_offset += static_cast<uint64_t>(n);
		len -= static_cast<size_t>(n);
	}
	return {};
}

Result<void> PciFunction::Impl::mem_write(uint64_t file_offset, const void *src, size_t len) const
{
	const auto *in = static_cast<const uint8_t *>(src);
	while (len) {
		ssize_t n = ::pwrite(mem.get(), in, len, static_cast<off_t>(file_offset));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return err(errno);
		in += n;
		file_offset += static_cast<uint64_t>(n);
		len -= static_cast<size_t>(n);
	}
	return {};
}

namespace {

/* The access widths a register model sees for a transaction of `len`
 * bytes at `offset`: one access when it is naturally aligned 1/2/4/8,
 * else the largest aligned pieces of at most 4 bytes. */
unsigned next_width(uint64_t offset, size_t len, bool whole)
{
	if (whole)
		return static_cast<unsigned>(len);
	for (unsigned w : {4u, 2u})
		if (len >= w && !(offset % w))
			return w;
	return 1;
}

} /* namespace */

/* Exactly one of dst (a read) and src (a write) is set. */
void PciFunction::Impl::model_access(unsigned index, uint64_t offset, size_t len, void *dst,
				     const void *src)
{
	wait_model_idle();
	DeviceModel &model = *models[index];
	auto *out = static_cast<uint8_t *>(dst);
	const auto *in = static_cast<const uint8_t *>(src);
	const bool whole = (len == 1 || len == 2 || len == 4 || len == 8) && !(offset % len);
	for (size_t done = 0; done < len;) {
		const unsigned w = next_width(offset + done, len - done, whole);
		uint64_t v = 0;
		if (in) {
			std::memcpy(&v, in + done, w);
			model.write(offset + done, w, v);
		} else {
			v = model.read(offset + done, w);
			std::memcpy(out + done, &v, w);
		}
		done += w;
	}
}

/* RAM writes; the MSI-X PBA is read only, the table is watched. */
Result<void> PciFunction::Impl::ram_write(unsigned index, uint64_t offset, const void *src,
					  size_t len)
{
	const uint64_t file_offset = region_offset(index) + offset;
	if (!desc.msix || (desc.msix->table_bar != index && desc.msix->pba_bar != index))
		return mem_write(file_offset, src, len);

	const uint64_t pba = msix_pba_offset();
	const uint64_t pba_len = (desc.msix->vectors + 63) / 64 * 8;
	std::vector<uint8_t> pba_bytes(pba_len);
	SVFIO_TRY(mem_read(pba, pba_bytes.data(), pba_len));
	SVFIO_TRY(mem_write(file_offset, src, len));
	SVFIO_TRY(mem_write(pba, pba_bytes.data(), pba_len));

	const uint64_t table = msix_table_offset(0);
	if (desc_util::ranges_overlap(file_offset, len, table, uint64_t(desc.msix->vectors) * 16))
		msix_deliver_pending();
	return {};
}

int PciFunction::Impl::dma_read(uint64_t address, void *dst, size_t len)
{
	if (!bus_master())
		return -EPERM;
	if (!dma)
		return -ENODEV;
	auto done = dma->dma_read(address, dst, len);
	return done ? 0 : -done.error();
}

int PciFunction::Impl::dma_write(uint64_t address, const void *src, size_t len)
{
	if (!bus_master())
		return -EPERM;
	if (!dma)
		return -ENODEV;
	auto done = dma->dma_write(address, src, len);
	return done ? 0 : -done.error();
}

/* --- public entry points --- */

PciFunction::PciFunction(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

PciFunction::~PciFunction() = default;

Result<std::unique_ptr<PciFunction>> PciFunction::create(const DeviceDescription &desc,
							 uint64_t bus_address_base)
{
	if (validate_device_description(desc, desc.source.empty() ? desc.name : desc.source))
		return err(EINVAL);
	auto impl = std::make_unique<Impl>(desc);
	SVFIO_TRY(impl->init(bus_address_base));
	return std::unique_ptr<PciFunction>(new PciFunction(std::move(impl)));
}

const DeviceDescription &PciFunction::description() const
{
	return impl_->desc;
}

uint32_t PciFunction::config_size() const
{
	return impl_->cfg.size();
}

uint32_t PciFunction::config_read(uint32_t offset, unsigned width)
{
	Impl::Locked lock(*impl_);
	return impl_->config_read(offset, width);
}

void PciFunction::config_write(uint32_t offset, unsigned width, uint32_t value)
{
	Impl::Locked lock(*impl_);
	impl_->config_write(offset, width, value);
}

std::vector<CapabilityInfo> PciFunction::capabilities() const
{
	return impl_->cap_list;
}

uint16_t PciFunction::find_capability(uint8_t id) const
{
	for (const CapabilityInfo &cap : impl_->cap_list)
		if (!cap.extended && cap.id == id)
			return cap.offset;
	return 0;
}

uint16_t PciFunction::find_ext_capability(uint16_t id) const
{
	for (const CapabilityInfo &cap : impl_->cap_list)
		if (cap.extended && cap.id == id)
			return cap.offset;
	return 0;
}

const Bar &PciFunction::bar(unsigned index) const
{
	static const Bar kNone;
	return index < 6 ? impl_->bars[index] : kNone;
}

int PciFunction::memory_fd() const
{
	return impl_->mem.get();
}

bool PciFunction::memory_decode_enabled()
{
	Impl::Locked lock(*impl_);
	return (impl_->command() & regs::kCommandMemory) && impl_->power_state() == PowerState::D0;
}

namespace {

bool in_bar(const Bar &bar, uint64_t offset, size_t len)
{
	return bar.kind != BarKind::None && offset <= bar.size && len <= bar.size - offset;
}

} /* namespace */

bool PciFunction::bar_has_registers(unsigned index) const
{
	return index < 6 && impl_->models[index] != nullptr;
}

Result<void> PciFunction::bar_read(unsigned index, uint64_t offset, void *dst, size_t len)
{
	if (index >= 6 || !in_bar(impl_->bars[index], offset, len))
		return err(EINVAL);
	Impl::Locked lock(*impl_);
	if (impl_->models[index]) {
		impl_->model_access(index, offset, len, dst, nullptr);
		return {};
	}
	return impl_->mem_read(region_offset(index) + offset, dst, len);
}

Result<void> PciFunction::bar_write(unsigned index, uint64_t offset, const void *src, size_t len)
{
	if (index >= 6 || !in_bar(impl_->bars[index], offset, len))
		return err(EINVAL);
	Impl::Locked lock(*impl_);
	if (impl_->models[index]) {
		impl_->model_access(index, offset, len, nullptr, src);
		return {};
	}
	return impl_->ram_write(index, offset, src, len);
}

std::span<const uint8_t> PciFunction::rom() const
{
	return impl_->rom;
}

const Bar &PciFunction::rom_bar() const
{
	return impl_->rom_bar;
}

bool PciFunction::wait_device_idle(std::chrono::nanoseconds timeout)
{
	/* No Locked guard: the steps waited for take the function's lock. */
	return impl_->device_thread.wait_idle(timeout);
}

void PciFunction::set_interrupt_sink(InterruptSink *sink)
{
	std::unique_lock<std::mutex> lock(impl_->mu);
	impl_->idle.wait(lock, [this] { return impl_->delivering == 0; });
	impl_->sink = sink;
}

void PciFunction::set_dma_port(DmaPort *port)
{
	std::lock_guard<std::mutex> lock(impl_->mu);
	impl_->dma = port;
}

} /* namespace softvfio::pci */
