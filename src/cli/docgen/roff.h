/* SPDX-License-Identifier: MIT */
/* Escaping text for roff (man(7)) source. */
#pragma once

#include <string>
#include <string_view>

namespace softvfio::cli::docgen {

/* Prose: backslashes escaped, a '-' that starts a word (an option) or
 * follows another made a real minus so it can be copied, and a line that
 * would start with '.' or '\'' (a request) made text. */
std::string roff_text(std::string_view text);

/* Literal text (a command line, an option name): every '-' a minus. */
std::string roff_literal(std::string_view text);

/* `text` in bold, or italic, within a line. */
std::string roff_bold(std::string_view text);
std::string roff_italic(std::string_view text);

} /* namespace softvfio::cli::docgen */
