/* SPDX-License-Identifier: MIT */
#include "cli/docgen/roff.h"

namespace softvfio::cli::docgen {

namespace {

std::string escape(std::string_view text, bool every_minus)
{
	std::string out;
	bool line_start = true;
	char prev = ' ';
	for (char c : text) {
		if (line_start && (c == '.' || c == '\''))
			out += "\\&";
		line_start = c == '\n';
		if (c == '\\')
			out += "\\e";
		else if (c == '-' && (every_minus || prev == ' ' || prev == '-' || prev == '(' || prev == '[' ||
				      prev == '\n' || prev == '|' || prev == '"'))
			out += "\\-";
		else
			out += c;
		prev = c;
	}
	return out;
}

} /* namespace */

std::string roff_text(std::string_view text) { return escape(text, false); }

std::string roff_literal(std::string_view text) { return escape(text, true); }

std::string roff_bold(std::string_view text) { return "\\fB" + roff_literal(text) + "\\fR"; }

std::string roff_italic(std::string_view text) { return "\\fI" + roff_literal(text) + "\\fR"; }

} /* namespace softvfio::cli::docgen */
