/* SPDX-License-Identifier: MIT */
/*
 * Man pages from the command's tree: softvfio(1) for the command and
 * softvfio-SUB(1) for each subcommand, in man(7) macros.
 */
#pragma once

#include <string>

#include "cli/docgen/command_model.h"
#include "cli/docgen/manual_text.h"

namespace softvfio::cli::docgen {

/* What goes in every page's title line. */
struct PageStamp {
	std::string version;   /* "0.1.0" */
	std::string date;      /* "2026-12-06" */
};

/* softvfio(1) for the whole tree `top` (its subcommands listed, its own
 * options described). */
std::string top_man_page(const CommandDoc &top, const ManualText &text, const PageStamp &stamp);

/* softvfio-SUB(1) for `sub`, one of top's subcommands. */
std::string sub_man_page(const CommandDoc &top, const CommandDoc &sub, const ManualText &text, const PageStamp &stamp);

} /* namespace softvfio::cli::docgen */
