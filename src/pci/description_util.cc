/* SPDX-License-Identifier: MIT */
#include "pci/description_util.h"

#include <array>
#include <cctype>
#include <cstdio>

namespace softvfio::pci::desc_util {

std::string format_hex(uint64_t value)
{
	char text[24];
	std::snprintf(text, sizeof(text), "0x%llx", static_cast<unsigned long long>(value));
	return text;
}

namespace {

struct Unit {
	std::string_view suffix;
	unsigned shift;
};

constexpr std::array<Unit, 5> kUnits = {{
	{"B", 0}, {"KiB", 10}, {"MiB", 20}, {"GiB", 30}, {"TiB", 40},
}};

std::optional<uint64_t> parse_number(std::string_view digits)
{
	unsigned base = 10;
	if (digits.size() > 2 && digits[0] == '0' && (digits[1] == 'x' || digits[1] == 'X')) {
		base = 16;
		digits.remove_prefix(2);
	}
	if (digits.empty())
		return std::nullopt;
	uint64_t value = 0;
	for (char c : digits) {
		unsigned digit;
		if (c >= '0' && c <= '9')
			digit = static_cast<unsigned>(c - '0');
		else if (base == 16 && std::isxdigit(static_cast<unsigned char>(c)))
			digit = static_cast<unsigned>(std::tolower(static_cast<unsigned char>(c)) - 'a' + 10);
		else
			return std::nullopt;
		if (value > (UINT64_MAX - digit) / base)
			return std::nullopt;
		value = value * base + digit;
	}
	return value;
}

} /* namespace */

std::optional<uint64_t> parse_size_string(std::string_view text)
{
	/* Split "<number>[ ]<unit>". After "0x" the number is hex, and a hex
	 * number takes no unit: "0x1B" would be ambiguous. */
	const bool hex = text.size() > 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X');
	size_t i = hex ? 2 : 0;
	while (i < text.size() &&
	       (hex ? std::isxdigit(static_cast<unsigned char>(text[i])) != 0
		    : std::isdigit(static_cast<unsigned char>(text[i])) != 0))
		++i;
	const std::string_view number = text.substr(0, i);
	std::string_view unit = text.substr(i);
	if (!unit.empty() && unit.front() == ' ')
		unit.remove_prefix(1);

	std::optional<uint64_t> value = parse_number(number);
	if (!value)
		return std::nullopt;
	if (unit.empty())
		return value;
	if (hex)
		return std::nullopt;
	for (const Unit &u : kUnits) {
		if (unit != u.suffix)
			continue;
		if (u.shift && *value > (UINT64_MAX >> u.shift))
			return std::nullopt;
		return *value << u.shift;
	}
	return std::nullopt;
}

} /* namespace softvfio::pci::desc_util */
