/* SPDX-License-Identifier: MIT */
/*
 * The one-line message a failed emulation leaves for the caller to print
 * before raising SIGBUS, built without allocation or stdio so that a signal
 * handler can produce it.
 */
#pragma once

#include <cstddef>
#include <cstdint>

namespace softvfio::trap {

class Diagnostic
{
public:
	const char *text() const { return text_; }
	size_t size() const { return used_; }
	void clear();
	/* The text and a newline to `fd` (async-signal-safe: a fault
	 * handler's last word on an instruction it could not emulate). */
	void write_line(int fd) const noexcept;

	/* Appending silently truncates at the buffer's end. */
	Diagnostic &append(const char *s);
	Diagnostic &append_hex(uint64_t value);   /* 0x1f */
	Diagnostic &append_bytes(const uint8_t *bytes, size_t count); /* 0f 38 f0 07 */

private:
	char text_[256] = {};
	size_t used_ = 0;
};

} /* namespace softvfio::trap */
