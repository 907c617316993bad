/* SPDX-License-Identifier: MIT */
/*
 * The test's end of blocking_plugin.c: two FIFOs in a directory of their
 * own, named to the plugin's device host by $SOFTVFIO_TEST_GATE_DIR (set
 * here, before any host starts; hosts inherit the environment).
 */
#pragma once

#include <cstdlib>
#include <fcntl.h>
#include <poll.h>
#include <string>
#include <sys/stat.h>
#include <unistd.h>

namespace softvfio::test {

class BlockingGate
{
public:
	BlockingGate()
	{
		char tmpl[] = "/tmp/softvfio-gate-XXXXXX";
		if (::mkdtemp(tmpl)) {
			dir_ = tmpl;
			ok_ = ::mkfifo((dir_ + "/entered").c_str(), 0600) == 0 &&
			      ::mkfifo((dir_ + "/release").c_str(), 0600) == 0 &&
			      ::setenv("SOFTVFIO_TEST_GATE_DIR", dir_.c_str(), 1) == 0;
		}
	}
	~BlockingGate()
	{
		if (dir_.empty())
			return;
		::unlink((dir_ + "/entered").c_str());
		::unlink((dir_ + "/release").c_str());
		::rmdir(dir_.c_str());
	}
	BlockingGate(const BlockingGate &) = delete;
	BlockingGate &operator=(const BlockingGate &) = delete;

	bool ok() const { return ok_; }

	/* True once the plugin is inside its blocking read (it wrote its byte
	 * to `entered`); false when it never got there (a bound, not a
	 * synchronisation: 30 s). */
	bool wait_entered()
	{
		const int fd = ::open((dir_ + "/entered").c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
		if (fd < 0)
			return false;
		bool entered = false;
		for (;;) {
			pollfd p{fd, POLLIN, 0};
			const int n = ::poll(&p, 1, 30000);
			if (n <= 0)
				break;
			char byte;
			const ssize_t r = ::read(fd, &byte, 1);
			if (r == 1) {
				entered = true;
				break;
			}
			if (r == 0 || (r < 0 && errno != EAGAIN))
				break;
		}
		::close(fd);
		return entered;
	}

	/* Let the blocked read return (it then answers 0x5107). */
	bool release()
	{
		const int fd = ::open((dir_ + "/release").c_str(), O_WRONLY | O_CLOEXEC);
		if (fd < 0)
			return false;
		const bool ok = ::write(fd, "x", 1) == 1;
		::close(fd);
		return ok;
	}

private:
	std::string dir_;
	bool ok_ = false;
};

} /* namespace softvfio::test */
