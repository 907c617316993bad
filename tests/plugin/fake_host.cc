/* SPDX-License-Identifier: MIT */
/*
 * A device host that breaks the protocol on purpose (plugin_protocol_test):
 * it answers Create (saying it serves the first BAR asked for), then
 * answers the first Read as its mode says. The
 * mode comes where a real host gets the plugin's path.
 */
#include <cstring>
#include <string>
#include <sys/socket.h>
#include <unistd.h>

#include "plugin/wire.h"

using softvfio::plugin::wire::Message;
using softvfio::plugin::wire::Op;

namespace {

void send_message(const Message &m, const std::string &payload = "")
{
	std::string packet(reinterpret_cast<const char *>(&m), sizeof(m));
	packet += payload;
	(void)::send(softvfio::plugin::wire::kHostFd, packet.data(), packet.size(), MSG_NOSIGNAL);
}

} /* namespace */

int main(int argc, char **argv)
{
	const std::string mode = argc > 1 ? argv[1] : "";
	for (;;) {
		Message m{};
		if (::recv(softvfio::plugin::wire::kHostFd, &m, sizeof(m), 0) < static_cast<ssize_t>(sizeof(m)))
			return 0;
		if (m.op == Op::Create) {
			if (mode == "create-fails") {
				send_message({Op::Failed, 0, 0, 0, 0}, "create\nreturned NULL");
				continue;
			}
			/* The BARs it takes: the first asked for, as a host of
			 * a plugin served per BAR; or, on purpose, BARs it was
			 * not asked for, or no word at all. */
			uint64_t serves = m.width & -m.width;
			if (mode == "serves-unasked")
				serves = m.width | 0x20;
			if (mode != "no-serves") {
				send_message({Op::Serves, 0, serves, 0, 0});
				Message reply{};
				if (::recv(softvfio::plugin::wire::kHostFd, &reply, sizeof(reply), 0) <
				    static_cast<ssize_t>(sizeof(reply)) || reply.op != Op::Reply)
					return 0;
			}
			send_message({Op::Done, 0, 0, 0, 0});
			continue;
		}
		if (m.op != Op::Read || m.a == 0) {   /* offset 0 behaves */
			send_message({Op::Done, 0, 0, 0, 0x600d});
			continue;
		}
		if (mode == "short") {
			(void)::send(softvfio::plugin::wire::kHostFd, "abcd", 4, MSG_NOSIGNAL);
		} else if (mode == "unknown") {
			send_message({static_cast<Op>(200), 0, 0, 0, 0});
		} else if (mode == "big-dma") {
			send_message({Op::DmaRead, 0, 0x1000, uint64_t(1) << 30, 0});
		} else if (mode == "dma-read-with-payload") {
			send_message({Op::DmaRead, 0, 0x1000, 4, 0}, "xxxx");
		} else if (mode == "wrong-answer") {
			send_message({Op::ProbeOk, 0, 0, 0, 0});
		} else if (mode == "exit") {
			return 3;
		}
	}
}
