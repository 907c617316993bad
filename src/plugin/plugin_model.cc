/* SPDX-License-Identifier: MIT */
#include "plugin/plugin_model.h"

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <optional>
#include <span>
#include <variant>

#include <softvfio/device_plugin.h>

#include "pci/register_mirror.h"
#include "plugin/device_host.h"

namespace softvfio::plugin {

namespace {

using wire::Message;
using wire::Op;

uint64_t all_ones(unsigned width)
{
	return width >= 8 ? ~uint64_t(0) : (uint64_t(1) << (8 * width)) - 1;
}

/* Lines a plugin may log per instance: a plugin logging in a loop must not
 * flood the session's stderr. */
constexpr unsigned kMaxLogLines = 100;

/* A plugin's text, printable and on one line. */
std::string printable(std::span<const uint8_t> bytes)
{
	std::string text;
	for (uint8_t c : bytes.first(std::min<size_t>(bytes.size(), 512)))
		text += (c >= 0x20 && c < 0x7f) ? static_cast<char>(c) : '?';
	return text;
}

uint32_t lowest_bit(uint32_t mask)
{
	return mask & -mask;
}

/* One plugin instance: the connection to its device host, shared by the
 * models of the BARs it serves. */
class PluginInstance final : private RequestHandler
{
public:
	/* `asked` holds the contexts of the BARs this instance is asked to
	 * serve, by BAR index (null for the others, at least one set). */
	PluginInstance(std::string plugin, std::unique_ptr<DeviceHost> host,
		       const std::array<DeviceContext *, wire::kBars> &asked, CallGate *gate)
		: plugin_(std::move(plugin)), host_(std::move(host)), asked_(asked), gate_(gate)
	{
		for (unsigned i = 0; i < wire::kBars; ++i)
			if (asked_[i])
				asked_mask_ |= 1u << i;
		/* Function-wide requests (DMA, interrupts, steps) go through the
		 * first BAR's context, which every instance serves. */
		first_ = static_cast<unsigned>(__builtin_ctz(asked_mask_));
	}

	/* Create the plugin's instance; false (and the reason printed) when
	 * it could not be. Afterwards served() says which BARs it took. */
	bool create()
	{
		std::string sizes(wire::kBars * sizeof(uint64_t), '\0');
		for (unsigned i = 0; i < wire::kBars; ++i) {
			const uint64_t size = asked_[i] ? asked_[i]->bar_size() : 0;
			std::memcpy(sizes.data() + i * sizeof(uint64_t), &size, sizeof(size));
		}
		auto answer = host_->call({Op::Create, asked_mask_, 0, 0, 0}, this, nullptr, sizes);
		if (auto *why = std::get_if<std::string>(&answer)) {
			report("cannot create the device: " + *why);
			return false;
		}
		const HostAnswer &a = std::get<HostAnswer>(answer);
		if (a.op == Op::Failed) {
			const size_t nl = a.payload.find('\n');
			report("cannot create the device: " + a.payload.substr(0, nl) + ": " +
			       (nl == std::string::npos ? "" : a.payload.substr(nl + 1)));
			return false;
		}
		if (a.op != Op::Done) {
			(void)host_->kill();
			report("cannot create the device: protocol error: an answer that is not Done");
			return false;
		}
		if (!served_) {
			(void)host_->kill();
			report("cannot create the device: protocol error: the host never said which BARs it serves");
			return false;
		}
		return true;
	}

	uint32_t served() const { return served_; }
	unsigned first_bar() const { return first_; }

	uint64_t read(unsigned bar, uint64_t offset, unsigned width)
	{
		auto value = call({Op::Read, width, offset, 0, bar}, "read");
		return value ? *value & all_ones(width) : all_ones(width);
	}

	void write(unsigned bar, uint64_t offset, unsigned width, uint64_t value)
	{
		(void)call({Op::Write, width, offset, value & all_ones(width), bar}, "write");
	}

	void reset()
	{
		/* A failed device stays failed through a reset: all ones,
		 * its mirrors included. */
		if (failed_)
			mirror_all_ones();
		else
			(void)call({Op::Reset, 0, 0, 0, 0}, "reset");
	}

	void power_state(unsigned state) { (void)call({Op::Power, 0, 0, state, 0}, "power_state"); }
	void deferred(uint64_t cookie) { (void)call({Op::Deferred, 0, 0, cookie, 0}, "deferred"); }

private:
	std::optional<uint64_t> call(const Message &m, const char *what)
	{
		if (failed_)
			return std::nullopt;
		auto answer = host_->call(m, this, gate_);
		if (auto *why = std::get_if<std::string>(&answer)) {
			fail(std::string("in ") + what + ": " + *why);
			return std::nullopt;
		}
		const HostAnswer &a = std::get<HostAnswer>(answer);
		if (a.op != Op::Done) {
			(void)host_->kill();
			fail(std::string("in ") + what + ": protocol error: an answer that is not Done");
			return std::nullopt;
		}
		return static_cast<uint64_t>(a.result);
	}

	void fail(const std::string &why)
	{
		failed_ = true;
		mirror_all_ones();
		report(why + "; the device is failed: its registers read all ones, writes are dropped");
	}

	/* A failed device's registers read all ones, and so must the mirror
	 * of every read the plugin declared, in every BAR the instance
	 * serves: processes read those without asking (register_mirror.h). */
	void mirror_all_ones()
	{
		const uint64_t ones = ~uint64_t(0);
		for (unsigned bar = 0; bar < wire::kBars; ++bar) {
			DeviceContext *context = served_context(bar);
			if (!context)
				continue;
			for (const pci::MirroredRead &r : pci::mirrored_reads(pci::plugin_mirror_model(plugin_, bar))) {
				const unsigned width = r.widths & 8 ? 8 : r.widths & 4 ? 4 : r.widths & 2 ? 2 : 1;
				(void)context->mirror(r.offset, &ones, width);
			}
		}
	}

	/* "bar 0", or "bars 0, 2" for an instance serving several. */
	std::string bars_text() const
	{
		const uint32_t mask = served_ ? served_ : 1u << first_;
		std::string text = (mask & (mask - 1)) ? "bars " : "bar ";
		for (unsigned i = 0, n = 0; i < wire::kBars; ++i)
			if (mask >> i & 1)
				text += (n++ ? ", " : "") + std::to_string(i);
		return text;
	}

	void report(const std::string &text)
	{
		std::fprintf(stderr, "softvfio: plugin %s (%s): %s\n", plugin_.c_str(), bars_text().c_str(),
			     text.c_str());
		std::fflush(stderr);
	}

	/* The context of BAR `bar` when this instance serves it; the host's
	 * word for the BAR is untrusted. */
	DeviceContext *served_context(uint64_t bar) const
	{
		return bar < wire::kBars && (served_ >> bar & 1) ? asked_[bar] : nullptr;
	}

	/* What the host says it serves, once, during Create: all the BARs it
	 * was asked for, or the first of them (a plugin served per BAR). */
	int64_t serves(const Message &r, std::string &protocol_error)
	{
		if (served_) {
			protocol_error = "a second Serves";
			return 0;
		}
		if (r.a != asked_mask_ && r.a != lowest_bit(asked_mask_)) {
			protocol_error = "Serves " + std::to_string(r.a) + " when asked for BARs " +
					 std::to_string(asked_mask_);
			return 0;
		}
		served_ = static_cast<uint32_t>(r.a);
		return 0;
	}

	int64_t handle(const Message &r, std::span<const uint8_t> payload, std::vector<uint8_t> &reply,
		       std::string &protocol_error) override
	{
		DeviceContext &first = *asked_[first_];
		switch (r.op) {
		case Op::Serves:
			return serves(r, protocol_error);
		case Op::DmaRead: {
			if (r.b > wire::kMaxPayload) {
				protocol_error = "a DMA read of " + std::to_string(r.b) + " bytes in one request";
				return 0;
			}
			if (!payload.empty()) {
				protocol_error = "a DMA read request carrying " + std::to_string(payload.size()) + " bytes";
				return 0;
			}
			reply.resize(static_cast<size_t>(r.b));
			const int rc = first.dma_read(r.a, reply.data(), reply.size());
			if (rc)
				reply.clear();
			return rc;
		}
		case Op::DmaWrite:
			return first.dma_write(r.a, payload.data(), payload.size());
		case Op::IrqEnabled:
			if (r.width == SOFTVFIO_IRQ_MSI)
				return first.msi_enabled() ? 1 : 0;
			if (r.width == SOFTVFIO_IRQ_MSIX)
				return first.msix_enabled() ? 1 : 0;
			return -EINVAL;
		case Op::RaiseIrq:
			if (r.b > UINT32_MAX)
				return -EINVAL;
			if (r.width == SOFTVFIO_IRQ_MSI)
				return first.raise_msi(static_cast<unsigned>(r.b));
			if (r.width == SOFTVFIO_IRQ_MSIX)
				return first.raise_msix(static_cast<unsigned>(r.b));
			return -EINVAL;
		case Op::SetIntx:
			first.set_intx(r.b != 0);
			return 0;
		case Op::Mirror: {
			DeviceContext *context = served_context(r.width);
			return context ? context->mirror(r.a, payload.data(), payload.size()) : -EINVAL;
		}
		case Op::MirrorStore: {
			/* One aligned store, of a register in a BAR the instance
			 * serves, into that BAR's memory. */
			const unsigned w = r.width;
			DeviceContext *context = r.result < 0 ? nullptr : served_context(static_cast<uint64_t>(r.result));
			if ((w != 1 && w != 2 && w != 4 && w != 8) || r.a % w || !context)
				return -EINVAL;
			const uint64_t value = r.b;
			return context->mirror(r.a, &value, w);
		}
		case Op::Schedule:
			/* Steps come back to the first BAR's model, which forwards
			 * them here like every other BAR's would. */
			return first.schedule(std::chrono::nanoseconds(
						      std::min<uint64_t>(r.a, uint64_t(86400) * 1000000000u)),
					      r.b);
		case Op::Log:
			if (log_lines_ < kMaxLogLines) {
				++log_lines_;
				report(printable(payload));
			}
			return 0;
		default:
			protocol_error = "unknown request " + std::to_string(static_cast<uint32_t>(r.op));
			return 0;
		}
	}

	std::string plugin_;
	std::unique_ptr<DeviceHost> host_;
	std::array<DeviceContext *, wire::kBars> asked_;
	uint32_t asked_mask_ = 0;
	uint32_t served_ = 0;
	unsigned first_ = 0;
	CallGate *gate_;
	bool failed_ = false;
	unsigned log_lines_ = 0;
};

/* The model of one BAR: its accesses, with its index, to the instance;
 * function events only from the instance's first BAR (plugin_model.h). */
class BarModel final : public DeviceModel
{
public:
	BarModel(std::shared_ptr<PluginInstance> instance, unsigned bar)
		: instance_(std::move(instance)), bar_(bar), first_(bar == instance_->first_bar())
	{
	}

	uint64_t read(uint64_t offset, unsigned width) override { return instance_->read(bar_, offset, width); }
	void write(uint64_t offset, unsigned width, uint64_t value) override
	{
		instance_->write(bar_, offset, width, value);
	}
	void reset() override
	{
		if (first_)
			instance_->reset();
	}
	void power_state_changed(unsigned state) override
	{
		if (first_)
			instance_->power_state(state);
	}
	void run_deferred(uint64_t cookie) override { instance_->deferred(cookie); }

private:
	std::shared_ptr<PluginInstance> instance_;
	unsigned bar_;
	bool first_;
};

} /* namespace */

std::vector<std::unique_ptr<DeviceModel>> make_plugin_models(const std::string &plugin,
							      std::span<DeviceContext *const> contexts,
							      CallGate *gate)
{
	std::vector<std::unique_ptr<DeviceModel>> models(contexts.size());
	std::array<DeviceContext *, wire::kBars> left{};
	std::array<size_t, wire::kBars> position{};
	for (size_t i = 0; i < contexts.size(); ++i) {
		const unsigned bar = contexts[i]->bar_index();
		if (bar >= wire::kBars || left[bar])
			return {};
		left[bar] = contexts[i];
		position[bar] = i;
	}
	/* Each instance takes every BAR left or the first of them, so this
	 * ends after at most one instance per BAR. */
	while (std::any_of(left.begin(), left.end(), [](DeviceContext *c) { return c != nullptr; })) {
		auto host = DeviceHost::start(plugin);
		if (!host) {
			std::fprintf(stderr, "softvfio: plugin %s: cannot start its device host %s: %s\n",
				     plugin.c_str(), device_host_path().c_str(), std::strerror(host.error()));
			return {};
		}
		auto instance = std::make_shared<PluginInstance>(plugin, std::move(*host), left, gate);
		if (!instance->create())
			return {};
		for (unsigned bar = 0; bar < wire::kBars; ++bar) {
			if (!(instance->served() >> bar & 1))
				continue;
			models[position[bar]] = std::make_unique<BarModel>(instance, bar);
			left[bar] = nullptr;
		}
	}
	return models;
}

} /* namespace softvfio::plugin */
