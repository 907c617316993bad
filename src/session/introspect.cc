/* SPDX-License-Identifier: MIT */
#include "session/introspect.h"

#include <cerrno>
#include <climits>
#include <cstring>
#include <fcntl.h>
#include <set>
#include <string_view>
#include <sys/socket.h>
#include <sys/un.h>
#include <thread>
#include <unistd.h>

#include <softvfio/base/unique_fd.h>
#include <softvfio/device_description.h>

#include "kernel/kernel_impl.h"
#include "kernel/process.h"
#include "session/call.h"
#include "session/client_process.h"
#include "session/session_dir.h"
#include "session/session_kernel.h"

namespace softvfio::session {

using nlohmann::json;

/* --- the document --- */

namespace {

BufferStatus status_from(std::string_view s)
{
	if (s == "TEMP_REVOKED")
		return BufferStatus::TempRevoked;
	if (s == "PERM_REVOKED")
		return BufferStatus::PermRevoked;
	return BufferStatus::Ok;
}

MemoryAttribute attr_from(std::string_view s)
{
	return s == "WC" ? MemoryAttribute::WriteCombine : MemoryAttribute::Uncached;
}

json device_json(const DeviceSnapshot &d)
{
	const DeviceState &s = d.state;
	json bars = json::array();
	for (const BarSnapshot &b : d.bars)
		bars.push_back({{"index", b.index}, {"size", b.size}, {"address", b.address}});
	return {{"bdf", s.bdf},
		{"description", s.description},
		{"vfio_name", s.vfio_name},
		{"profile", s.profile},
		{"iommu_group", s.iommu_group},
		{"open_count", s.open_count},
		{"memory_enabled", s.memory_enabled},
		{"power_state", s.power_state},
		{"buffers", s.buffers},
		{"bars", bars}};
}

DeviceSnapshot device_from(const json &j)
{
	DeviceSnapshot d;
	DeviceState &s = d.state;
	s.bdf = j.at("bdf").get<std::string>();
	s.description = j.value("description", "");
	s.vfio_name = j.value("vfio_name", "");
	s.profile = j.value("profile", "");
	s.iommu_group = j.value("iommu_group", 0u);
	s.open_count = j.value("open_count", 0u);
	s.memory_enabled = j.value("memory_enabled", false);
	s.power_state = j.value("power_state", "");
	s.buffers = j.value("buffers", size_t{0});
	for (const json &b : j.value("bars", json::array()))
		d.bars.push_back({b.at("index").get<unsigned>(), b.at("size").get<uint64_t>(), b.value("address", uint64_t{0})});
	return d;
}

json mapping_json(const MappingInfo &m)
{
	json pt = json::array();
	for (const PageTableEntryInfo &e : m.page_table)
		pt.push_back({{"address", e.address}, {"order", e.order}, {"pfn", e.pfn}, {"attr", to_string(e.attr)}});
	json j = {{"start", m.start},       {"end", m.end},   {"offset", m.offset},
		  {"prot", m.prot},         {"accessible", m.accessible},
		  {"attr", to_string(m.attr)}, {"path", m.path}, {"kind", m.kind},
		  {"page_table", pt}};
	j["buffer_id"] = m.buffer_id ? json(*m.buffer_id) : json(nullptr);
	return j;
}

MappingInfo mapping_from(const json &j)
{
	MappingInfo m;
	m.start = j.at("start").get<uintptr_t>();
	m.end = j.at("end").get<uintptr_t>();
	m.offset = j.value("offset", uint64_t{0});
	m.prot = j.value("prot", 0);
	m.accessible = j.value("accessible", false);
	m.attr = attr_from(j.value("attr", "NC"));
	m.path = j.value("path", "");
	m.kind = j.value("kind", "");
	if (j.contains("buffer_id") && !j["buffer_id"].is_null())
		m.buffer_id = j["buffer_id"].get<uint64_t>();
	for (const json &e : j.value("page_table", json::array()))
		m.page_table.push_back({e.at("address").get<uintptr_t>(), e.at("order").get<unsigned>(),
					e.value("pfn", uint64_t{0}), attr_from(e.value("attr", "NC"))});
	return m;
}

json buffer_json(const BufferInfo &b)
{
	json ranges = json::array();
	for (const BufferRange &r : b.ranges)
		ranges.push_back({{"bar_offset", r.bar_offset}, {"length", r.length}, {"paddr", r.paddr}});
	return {{"id", b.id},
		{"device", b.device},
		{"hidden", b.hidden},
		{"bar", b.bar},
		{"ranges", ranges},
		{"size", b.size},
		{"status", to_string(b.status)},
		{"memattr", to_string(b.memattr)},
		{"name", b.name},
		{"mappings", b.mappings},
		{"attachments", b.attachments},
		{"attached", b.attached}};
}

BufferInfo buffer_from(const json &j)
{
	BufferInfo b;
	b.id = j.at("id").get<uint64_t>();
	b.device = j.value("device", "");
	b.hidden = j.value("hidden", false);
	b.bar = j.value("bar", 0u);
	for (const json &r : j.value("ranges", json::array()))
		b.ranges.push_back({r.at("bar_offset").get<uint64_t>(), r.at("length").get<uint64_t>(),
				    r.value("paddr", uint64_t{0})});
	b.size = j.value("size", uint64_t{0});
	b.status = status_from(j.value("status", "OK"));
	b.memattr = attr_from(j.value("memattr", "NC"));
	b.name = j.value("name", "");
	b.mappings = j.value("mappings", size_t{0});
	b.attachments = j.value("attachments", size_t{0});
	b.attached = j.value("attached", true);
	return b;
}

} /* namespace */

json to_json(const Snapshot &s)
{
	json devices = json::array(), mappings = json::array(), buffers = json::array();
	for (const auto &d : s.devices)
		devices.push_back(device_json(d));
	for (const auto &m : s.mappings)
		mappings.push_back(mapping_json(m));
	for (const auto &b : s.buffers)
		buffers.push_back(buffer_json(b));
	return {{"version", s.version}, {"pid", s.pid},           {"program", s.program},
		{"pmd_order", s.pmd_order}, {"pud_order", s.pud_order}, {"devices", devices},
		{"mappings", mappings}, {"buffers", buffers}};
}

Snapshot snapshot_from_json(const json &j)
{
	Snapshot s;
	s.version = j.at("version").get<int>();
	s.pid = j.value("pid", 0);
	s.program = j.value("program", "");
	s.pmd_order = j.value("pmd_order", 9u);
	s.pud_order = j.value("pud_order", 18u);
	for (const json &d : j.at("devices"))
		s.devices.push_back(device_from(d));
	for (const json &m : j.at("mappings"))
		s.mappings.push_back(mapping_from(m));
	for (const json &b : j.at("buffers"))
		s.buffers.push_back(buffer_from(b));
	return s;
}

/* --- the kernel's side --- */

namespace {

std::string program_of(pid_t pid)
{
	char buf[PATH_MAX];
	std::string link = "/proc/" + std::to_string(pid) + "/exe";
	ssize_t n = ::readlink(link.c_str(), buf, sizeof(buf) - 1);
	return n > 0 ? std::string(buf, static_cast<size_t>(n)) : std::string();
}

/* The memory BARs come from the description, as the device was made. */
DeviceSnapshot device_snapshot(const DeviceState &state)
{
	DeviceSnapshot d{state, {}};
	auto desc = resolve_device(state.description);
	if (auto *dd = std::get_if<DeviceDescription>(&desc))
		for (unsigned i = 0; i < dd->bars.size(); i++) {
			const BarDescription &b = dd->bars[i];
			if (b.size && (b.kind == BarKind::Mem32 || b.kind == BarKind::Mem64))
				d.bars.push_back({i, b.size, b.address});
		}
	return d;
}

/* `sync`: bring the page-table model up to date from the process's
 * pagemap first (a snapshot; the list skips it). */
Snapshot take_snapshot(SessionKernel &session, ClientProcess &cp, bool sync)
{
	Kernel &k = session.kernel();
	Snapshot s;
	s.pid = cp.pid();
	s.program = program_of(s.pid);
	s.pmd_order = session.impl().options.pmd_order;
	s.pud_order = session.impl().options.pud_order;
	/* A buffer reference dropped here may be the last one: its release
	 * reaches other processes, delivered when the scope ends. */
	WorkScope work;
	{
		CurrentProcess current(cp.process());
		s.mappings = k.mappings(sync);
	}
	std::set<uint64_t> mapped;
	for (const MappingInfo &m : s.mappings)
		if (m.buffer_id)
			mapped.insert(*m.buffer_id);
	for (BufferInfo &b : k.buffers())
		if (mapped.count(b.id))
			s.buffers.push_back(std::move(b));
	for (const std::string &bdf : k.devices())
		if (auto state = k.device_state(bdf))
			s.devices.push_back(device_snapshot(*state));
	return s;
}

json process_list(SessionKernel &session)
{
	json list = json::array();
	for (const auto &cp : session.processes()) {
		if (cp->state() == ClientProcess::State::Forking || cp->retired())
			continue;
		Snapshot s = take_snapshot(session, *cp, false);
		list.push_back({{"pid", s.pid}, {"program", s.program}, {"mappings", s.mappings.size()},
				{"buffers", s.buffers.size()}});
	}
	return {{"version", kSnapshotVersion}, {"session", session.name()}, {"kernel", ::getpid()},
		{"processes", list}};
}

void send_all(int conn, const void *data, size_t len)
{
	const char *p = static_cast<const char *>(data);
	while (len) {
		ssize_t n = ::send(conn, p, len, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return;
		p += n;
		len -= static_cast<size_t>(n);
	}
}

/* The session waits for its threads before it goes (thread_started). */
struct SessionThread {
	SessionKernel &session;
	explicit SessionThread(SessionKernel &s) : session(s) { session.thread_started(); }
	~SessionThread() { session.thread_finished(); }
};

void answer(SessionKernel &session, int conn, uint64_t arg, wire::JoinReply reply)
{
	std::string text;
	try {
		if (arg == kQueryProcesses) {
			text = process_list(session).dump();
		} else if (auto cp = session.find(static_cast<pid_t>(arg))) {
			text = to_json(take_snapshot(session, *cp, true)).dump();
		} else {
			reply.error = ESRCH;
		}
	} catch (...) {
		reply.error = ENOMEM;
	}
	send_all(conn, &reply, sizeof(reply));
	if (!reply.error)
		send_all(conn, text.data(), text.size());
}

} /* namespace */

void answer_query(SessionKernel &session, int conn, const wire::JoinRequest &req, wire::JoinReply reply)
{
	int own = ::fcntl(conn, F_DUPFD_CLOEXEC, 0);
	if (own < 0) {
		reply.error = errno;
		send_all(conn, &reply, sizeof(reply));
		return;
	}
	/* A tool that stops reading must not keep the thread for long. */
	struct timeval tv{5, 0};
	::setsockopt(own, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	const uint64_t arg = req.arg;
	try {
		auto guard = std::make_shared<SessionThread>(session);
		std::thread([guard, own, arg, reply] {
			answer(guard->session, own, arg, reply);
			::close(own);
		}).detach();
	} catch (...) {
		reply.error = EAGAIN;
		send_all(own, &reply, sizeof(reply));
		::close(own);
	}
}

/* --- the tool's side --- */

Result<std::string> query_session(const std::string &dir, uint64_t arg, std::chrono::milliseconds timeout)
{
	auto fd = connect_session(dir, timeout);
	if (!fd)
		return err(fd.error());
	wire::JoinRequest req;
	std::memset(&req, 0, sizeof(req));
	req.magic = wire::kMagic;
	req.version = wire::kVersion;
	req.kind = static_cast<uint32_t>(wire::JoinKind::Query);
	req.arg = arg;
	if (::send(fd->get(), &req, sizeof(req), MSG_NOSIGNAL) != static_cast<ssize_t>(sizeof(req)))
		return err(errno);
	std::string in;
	char buf[65536];
	ssize_t n;
	while ((n = ::recv(fd->get(), buf, sizeof(buf), 0)) > 0)
		in.append(buf, static_cast<size_t>(n));
	if (n < 0)
		return err(errno);
	wire::JoinReply reply;
	if (in.size() < sizeof(reply))
		return err(EPROTO);
	std::memcpy(&reply, in.data(), sizeof(reply));
	if (reply.magic != wire::kMagic)
		return err(EPROTO);
	if (reply.error)
		return err(reply.error);
	return in.substr(sizeof(reply));
}

} /* namespace softvfio::session */
