/* SPDX-License-Identifier: MIT */
/*
 * softvfio-device-host: the process a plugin runs in.
 *
 *   softvfio-device-host PLUGIN.so      (its end of the socket pair on fd 3)
 *
 * The kernel starts one per plugin instance (and one per check of a plugin
 * file; an instance serves one register BAR, or with ABI 1.2 every BAR of
 * its function that names the plugin) and talks to it in wire.h's
 * messages. This process loads the plugin, answers each call with the
 * plugin's callback and turns the plugin's host functions into requests
 * to the kernel. It has nothing of the kernel's: a plugin that crashes,
 * loops or scribbles over memory here costs its own device, nothing else
 * (docs/device-models.md).
 */
#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <unistd.h>
#include <variant>
#include <vector>

#include "plugin/host_loader.h"
#include "plugin/wire.h"

namespace softvfio::plugin {

namespace {

using wire::Message;
using wire::Op;

const int kFd = wire::kHostFd;

std::vector<uint8_t> g_packet(wire::kMaxPacket);
/* The host functions are valid only while a callback runs on the thread
 * that serves the kernel: a plugin thread of its own calling them would
 * interleave with the conversation. */
thread_local bool t_in_callback = false;

[[noreturn]] void lost_kernel()
{
	/* The kernel is gone or broke the protocol: nothing to serve. */
	::_exit(1);
}

void send_message(const Message &m, const void *payload = nullptr, size_t len = 0)
{
	std::memcpy(g_packet.data(), &m, sizeof(m));
	if (len)
		std::memcpy(g_packet.data() + sizeof(m), payload, len);
	while (::send(kFd, g_packet.data(), sizeof(m) + len, MSG_NOSIGNAL) < 0)
		if (errno != EINTR)
			lost_kernel();
}

struct Instance {
	softvfio_plugin table{};
	softvfio_plugin_host host{};
	void *device = nullptr;
	/* read_bar/write_bar (ABI 1.2): the instance serves every BAR the
	 * kernel asks for, each access naming its BAR. */
	bool by_bar = false;
};
Instance *g_instance = nullptr;

/* The kernel closed its end: the device is gone. Its instance is destroyed
 * unless the plugin is in a callback (then the kernel went away under it). */
[[noreturn]] void end_of_kernel()
{
	if (g_instance && g_instance->device && !t_in_callback)
		g_instance->table.destroy(g_instance->device);
	::_exit(0);
}

/* One packet; its payload stays in g_packet until the next receive. */
size_t receive(Message &m)
{
	ssize_t n;
	while ((n = ::recv(kFd, g_packet.data(), g_packet.size(), 0)) < 0)
		if (errno != EINTR)
			lost_kernel();
	if (n < static_cast<ssize_t>(sizeof(Message)))
		end_of_kernel();
	std::memcpy(&m, g_packet.data(), sizeof(m));
	return static_cast<size_t>(n) - sizeof(Message);
}

/* A request and the kernel's reply. */
int64_t request(const Message &m, const void *payload = nullptr, size_t len = 0, void *reply = nullptr,
		size_t reply_len = 0)
{
	send_message(m, payload, len);
	Message r{};
	const size_t got = receive(r);
	if (r.op != Op::Reply)
		lost_kernel();
	if (reply && r.result == 0) {
		if (got != reply_len)
			lost_kernel();
		std::memcpy(reply, g_packet.data() + sizeof(Message), reply_len);
	}
	return r.result;
}

/* --- the host functions a plugin calls --- */

int host_dma_read(void *, uint64_t iova, void *dst, size_t len)
{
	if (!t_in_callback)
		return -EPERM;
	if (len > wire::kMaxDma || (len && !dst))
		return -EINVAL;
	auto *out = static_cast<uint8_t *>(dst);
	for (size_t done = 0; done < len;) {
		const size_t chunk = std::min(len - done, wire::kMaxPayload);
		const int64_t r = request({Op::DmaRead, 0, iova + done, chunk, 0}, nullptr, 0, out + done, chunk);
		if (r)
			return static_cast<int>(r);
		done += chunk;
	}
	return 0;
}

int host_dma_write(void *, uint64_t iova, const void *src, size_t len)
{
	if (!t_in_callback)
		return -EPERM;
	if (len > wire::kMaxDma || (len && !src))
		return -EINVAL;
	const auto *in = static_cast<const uint8_t *>(src);
	for (size_t done = 0; done < len;) {
		const size_t chunk = std::min(len - done, wire::kMaxPayload);
		const int64_t r = request({Op::DmaWrite, 0, iova + done, 0, 0}, in + done, chunk);
		if (r)
			return static_cast<int>(r);
		done += chunk;
	}
	return 0;
}

int host_irq_enabled(void *, uint32_t kind)
{
	if (!t_in_callback)
		return -EPERM;
	return static_cast<int>(request({Op::IrqEnabled, kind, 0, 0, 0}));
}

int host_raise_irq(void *, uint32_t kind, uint32_t vector)
{
	if (!t_in_callback)
		return -EPERM;
	return static_cast<int>(request({Op::RaiseIrq, kind, 0, vector, 0}));
}

int host_set_intx(void *, int level)
{
	if (!t_in_callback)
		return -EPERM;
	return static_cast<int>(request({Op::SetIntx, 0, 0, level ? 1u : 0u, 0}));
}

bool serves(uint32_t bar)
{
	return g_instance && bar < wire::kBars && (g_instance->host.bar_mask >> bar & 1);
}

int host_mirror_bar(void *, uint32_t bar, uint64_t offset, const void *src, size_t len)
{
	if (!t_in_callback)
		return -EPERM;
	if (len > wire::kMaxPayload || (len && !src) || !serves(bar))
		return -EINVAL;
	return static_cast<int>(request({Op::Mirror, bar, offset, 0, 0}, src, len));
}

/* Without a BAR: the instance's first one, the only one it had before
 * ABI 1.2. */
int host_mirror(void *opaque, uint64_t offset, const void *src, size_t len)
{
	return host_mirror_bar(opaque, g_instance ? g_instance->host.bar : 0, offset, src, len);
}

int host_mirror_store(void *, uint32_t bar, uint64_t offset, uint32_t width, uint64_t value)
{
	if (!t_in_callback)
		return -EPERM;
	if ((width != 1 && width != 2 && width != 4 && width != 8) || offset % width)
		return -EINVAL;
	return static_cast<int>(request({Op::MirrorStore, width, offset, value, bar}));
}

int host_schedule(void *, uint64_t delay_ns, uint64_t cookie)
{
	if (!t_in_callback)
		return -EPERM;
	return static_cast<int>(request({Op::Schedule, 0, delay_ns, cookie, 0}));
}

void host_log(void *, uint32_t level, const char *message)
{
	if (!t_in_callback || !message)
		return;
	const size_t len = ::strnlen(message, 1024);
	(void)request({Op::Log, level, 0, 0, 0}, message, len);
}

void send_failed(const std::string &field, const std::string &problem)
{
	std::string text = field + '\n' + problem;
	text.resize(std::min(text.size(), wire::kMaxPayload));
	send_message({Op::Failed, 0, 0, 0, 0}, text.data(), text.size());
}

/* Load the plugin for a Probe or a Create; false when it cannot be (the
 * kernel has been told why). */
bool load(const char *path, Instance &instance)
{
	auto loaded = load_plugin(path);
	if (auto *p = std::get_if<LoadProblem>(&loaded)) {
		send_failed(p->field, p->problem);
		return false;
	}
	instance.table = std::get<softvfio_plugin>(loaded);
	return true;
}

void probe(const char *path)
{
	Instance instance;
	if (!load(path, instance))
		return;
	const softvfio_plugin &t = instance.table;
	if (t.mirrored_read_count > SOFTVFIO_MAX_MIRRORED_READS) {
		send_failed("mirrored_read_count", std::to_string(t.mirrored_read_count) + " is more than the " +
							   std::to_string(SOFTVFIO_MAX_MIRRORED_READS) + " a plugin may declare");
		return;
	}
	if (t.mirrored_read_count && !t.mirrored_reads) {
		send_failed("mirrored_reads", "is NULL with mirrored_read_count " + std::to_string(t.mirrored_read_count));
		return;
	}
	std::string payload(t.mirrored_read_count * sizeof(softvfio_mirrored_read), '\0');
	if (!payload.empty())
		std::memcpy(payload.data(), t.mirrored_reads, payload.size());
	const char *text = t.description;
	const size_t len = text ? ::strnlen(text, wire::kMaxPayload + 1) : 0;
	if (len + payload.size() > wire::kMaxPayload) {
		send_failed("description", "longer than " + std::to_string(wire::kMaxPayload - payload.size()) + " bytes");
		return;
	}
	payload.append(text ? text : "", len);
	send_message({Op::ProbeOk, 0, t.min_bar_size, 0, static_cast<int64_t>(t.mirrored_read_count)}, payload.data(),
		     payload.size());
}

void create(const char *path, Instance &instance, const Message &m, size_t payload_len)
{
	/* The kernel's word, read before any request reuses the packet. */
	const uint32_t asked = m.width;
	uint64_t sizes[wire::kBars];
	if (!asked || asked >> wire::kBars || payload_len != sizeof(sizes))
		lost_kernel();
	std::memcpy(sizes, g_packet.data() + sizeof(Message), sizeof(sizes));
	if (!load(path, instance))
		return;
	instance.by_bar = instance.table.read_bar && instance.table.write_bar;
	const uint32_t first = static_cast<uint32_t>(__builtin_ctz(asked));
	/* A plugin without read_bar/write_bar cannot tell one BAR's access
	 * from another's: it takes the first BAR, and the kernel starts
	 * another instance for the rest. */
	const uint32_t served = instance.by_bar ? asked : 1u << first;
	if (request({Op::Serves, 0, served, 0, 0}) != 0)
		lost_kernel();
	softvfio_plugin_host &h = instance.host;
	h.abi_version = SOFTVFIO_PLUGIN_ABI_VERSION;
	h.size = sizeof(h);
	h.bar = first;
	h.bar_size = sizes[first];
	h.bar_mask = served;
	for (unsigned i = 0; i < wire::kBars; ++i)
		h.bar_sizes[i] = (served >> i & 1) ? sizes[i] : 0;
	h.mirror_bar = host_mirror_bar;
	h.dma_read = host_dma_read;
	h.dma_write = host_dma_write;
	h.irq_enabled = host_irq_enabled;
	h.raise_irq = host_raise_irq;
	h.set_intx = host_set_intx;
	h.mirror = host_mirror;
	h.schedule = host_schedule;
	h.log = host_log;
	h.mirror_store = host_mirror_store;
	t_in_callback = true;
	instance.device = instance.table.create(&h);
	t_in_callback = false;
	if (!instance.device) {
		send_failed("create", "returned NULL");
		return;
	}
	send_message({Op::Done, 0, 0, 0, 0});
}

/* One call on a created instance; the value for Done. */
uint64_t dispatch(Instance &in, const Message &m)
{
	const softvfio_plugin &t = in.table;
	uint64_t value = 0;
	const uint32_t bar = static_cast<uint32_t>(m.result);
	if ((m.op == Op::Read || m.op == Op::Write) &&
	    (m.result < 0 || m.result >= int64_t(wire::kBars) || !serves(bar)))
		lost_kernel();
	t_in_callback = true;
	switch (m.op) {
	case Op::Read:
		value = in.by_bar ? t.read_bar(in.device, bar, m.a, m.width) : t.read(in.device, m.a, m.width);
		break;
	case Op::Write:
		if (in.by_bar)
			t.write_bar(in.device, bar, m.a, m.width, m.b);
		else
			t.write(in.device, m.a, m.width, m.b);
		break;
	case Op::Reset: t.reset(in.device); break;
	case Op::Power:
		if (t.power_state)
			t.power_state(in.device, static_cast<uint32_t>(m.b));
		break;
	case Op::Deferred:
		if (t.deferred)
			t.deferred(in.device, m.b);
		break;
	default: lost_kernel();
	}
	t_in_callback = false;
	return value;
}

[[noreturn]] void serve(const char *path)
{
	Instance instance;
	g_instance = &instance;
	for (;;) {
		Message m{};
		const size_t payload_len = receive(m);
		if (m.op == Op::Probe) {
			probe(path);
			continue;
		}
		if (m.op == Op::Create) {
			if (instance.device)
				lost_kernel();
			create(path, instance, m, payload_len);
			continue;
		}
		if (!instance.device)
			lost_kernel();
		const uint64_t value = dispatch(instance, m);
		send_message({Op::Done, 0, 0, 0, static_cast<int64_t>(value)});
	}
}

} /* namespace */

} /* namespace softvfio::plugin */

int main(int argc, char **argv)
{
	if (argc != 2) {
		std::fprintf(stderr, "usage: softvfio-device-host PLUGIN.so (started by softvfio, fd 3 its socket)\n");
		return 2;
	}
	/* Dies with the kernel that started it, even if the socket's other
	 * end lives on in a process the kernel forked. */
	::prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (::getppid() == 1)
		return 1;
	softvfio::plugin::serve(argv[1]);
}
