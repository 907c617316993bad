/* SPDX-License-Identifier: MIT */
#include "trap/diagnostic.h"

#include <unistd.h>

namespace softvfio::trap {

namespace {
constexpr char kHexDigits[] = "0123456789abcdef";
}

void Diagnostic::clear()
{
	used_ = 0;
	text_[0] = '\0';
}

void Diagnostic::write_line(int fd) const noexcept
{
	(void)!::write(fd, text_, used_);
	(void)!::write(fd, "\n", 1);
}

Diagnostic &Diagnostic::append(const char *s)
{
	while (*s != '\0' && used_ + 1 < sizeof(text_))
		text_[used_++] = *s++;
	text_[used_] = '\0';
	return *this;
}

Diagnostic &Diagnostic::append_hex(uint64_t value)
{
	char digits[19] = "0x";
	char reversed[16];
	unsigned n = 0;
	do {
		reversed[n++] = kHexDigits[value & 0xf];
		value >>= 4;
	} while (value != 0);
	for (unsigned i = 0; i < n; i++)
		digits[2 + i] = reversed[n - 1 - i];
	digits[2 + n] = '\0';
	return append(digits);
}

Diagnostic &Diagnostic::append_bytes(const uint8_t *bytes, size_t count)
{
	for (size_t i = 0; i < count; i++) {
		char byte[4] = {kHexDigits[bytes[i] >> 4], kHexDigits[bytes[i] & 0xf], ' ', '\0'};
		if (i + 1 == count)
			byte[2] = '\0';
		append(byte);
	}
	return *this;
}

} /* namespace softvfio::trap */
