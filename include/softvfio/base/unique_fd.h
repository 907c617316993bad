/* SPDX-License-Identifier: MIT */
/*
 * UniqueFD: sole owner of a file descriptor, closed on destruction.
 */
#pragma once

#include <utility>

namespace softvfio {

class UniqueFD
{
public:
	UniqueFD() = default;
	explicit UniqueFD(int fd) : fd_(fd) {}
	UniqueFD(UniqueFD &&other) noexcept : fd_(other.release()) {}
	UniqueFD &operator=(UniqueFD &&other) noexcept
	{
		reset(other.release());
		return *this;
	}
	UniqueFD(const UniqueFD &) = delete;
	UniqueFD &operator=(const UniqueFD &) = delete;
	~UniqueFD() { reset(); }

	int get() const { return fd_; }
	bool isValid() const { return fd_ >= 0; }
	explicit operator bool() const { return isValid(); }

	/* Give up ownership without closing. */
	[[nodiscard]] int release() { return std::exchange(fd_, -1); }
	/* Close the owned fd (if any) and own `fd` instead. */
	void reset(int fd = -1);

private:
	int fd_ = -1;
};

} /* namespace softvfio */
