/* SPDX-License-Identifier: MIT */
#include "plugin/plugin_model.h"

#include <algorithm>
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

class PluginModel final : public DeviceModel, private RequestHandler
{
public:
	PluginModel(std::string plugin, DeviceContext &context, std::unique_ptr<DeviceHost> host, CallGate *gate)
		: plugin_(std::move(plugin)), context_(context), host_(std::move(host)), gate_(gate)
	{
	}

	/* Create the plugin's instance; false (and the reason printed) when
	 * it could not be. */
	bool create()
	{
		auto answer = host_->call({Op::Create, context_.bar_index(), context_.bar_size(), 0, 0}, this);
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
			report("cannot create the device: protocol error: an answer that is not Done");
			return false;
		}
		return true;
	}

	uint64_t read(uint64_t offset, unsigned width) override
	{
		auto value = call({Op::Read, width, offset, 0, 0}, "read");
		return value ? *value & all_ones(width) : all_ones(width);
	}

	void write(uint64_t offset, unsigned width, uint64_t value) override
	{
		(void)call({Op::Write, width, offset, value & all_ones(width), 0}, "write");
	}

	void reset() override
	{
		/* A failed device stays failed through a reset: all ones,
		 * its mirror included. */
		if (failed_)
			mirror_all_ones();
		else
			(void)call({Op::Reset, 0, 0, 0, 0}, "reset");
	}

	void power_state_changed(unsigned state) override
	{
		(void)call({Op::Power, 0, 0, state, 0}, "power_state");
	}

	void run_deferred(uint64_t cookie) override { (void)call({Op::Deferred, 0, 0, cookie, 0}, "deferred"); }

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
	 * of every read the plugin declared: processes read those without
	 * asking (register_mirror.h). */
	void mirror_all_ones()
	{
		const uint64_t ones = ~uint64_t(0);
		for (const pci::MirroredRead &r :
		     pci::mirrored_reads(pci::plugin_mirror_model(plugin_, context_.bar_index()))) {
			const unsigned width = r.widths & 8 ? 8 : r.widths & 4 ? 4 : r.widths & 2 ? 2 : 1;
			(void)context_.mirror(r.offset, &ones, width);
		}
	}

	void report(const std::string &text)
	{
		std::fprintf(stderr, "softvfio: plugin %s (bar %u): %s\n", plugin_.c_str(), context_.bar_index(),
			     text.c_str());
		std::fflush(stderr);
	}

	int64_t handle(const Message &r, std::span<const uint8_t> payload, std::vector<uint8_t> &reply,
		       std::string &protocol_error) override
	{
		switch (r.op) {
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
			const int rc = context_.dma_read(r.a, reply.data(), reply.size());
			if (rc)
				reply.clear();
			return rc;
		}
		case Op::DmaWrite:
			return context_.dma_write(r.a, payload.data(), payload.size());
		case Op::IrqEnabled:
			if (r.width == SOFTVFIO_IRQ_MSI)
				return context_.msi_enabled() ? 1 : 0;
			if (r.width == SOFTVFIO_IRQ_MSIX)
				return context_.msix_enabled() ? 1 : 0;
			return -EINVAL;
		case Op::RaiseIrq:
			if (r.b > UINT32_MAX)
				return -EINVAL;
			if (r.width == SOFTVFIO_IRQ_MSI)
				return context_.raise_msi(static_cast<unsigned>(r.b));
			if (r.width == SOFTVFIO_IRQ_MSIX)
				return context_.raise_msix(static_cast<unsigned>(r.b));
			return -EINVAL;
		case Op::SetIntx:
			context_.set_intx(r.b != 0);
			return 0;
		case Op::Mirror:
			return context_.mirror(r.a, payload.data(), payload.size());
		case Op::MirrorStore: {
			/* One aligned store, of a register the plugin serves. */
			const unsigned w = r.width;
			if ((w != 1 && w != 2 && w != 4 && w != 8) || r.a % w || r.result != context_.bar_index())
				return -EINVAL;
			const uint64_t value = r.b;
			return context_.mirror(r.a, &value, w);
		}
		case Op::Schedule:
			return context_.schedule(std::chrono::nanoseconds(
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
	DeviceContext &context_;
	std::unique_ptr<DeviceHost> host_;
	CallGate *gate_;
	bool failed_ = false;
	unsigned log_lines_ = 0;
};

} /* namespace */

std::unique_ptr<DeviceModel> make_plugin_model(const std::string &plugin, DeviceContext &context,
					       CallGate *gate)
{
	auto host = DeviceHost::start(plugin);
	if (!host) {
		std::fprintf(stderr, "softvfio: plugin %s: cannot start its device host %s: %s\n", plugin.c_str(),
			     device_host_path().c_str(), std::strerror(host.error()));
		return nullptr;
	}
	auto model = std::make_unique<PluginModel>(plugin, context, std::move(*host), gate);
	if (!model->create())
		return nullptr;
	return model;
}

} /* namespace softvfio::plugin */
