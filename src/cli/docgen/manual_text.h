/* SPDX-License-Identifier: MIT */
/*
 * What a man page says that the command line cannot: the longer account
 * of each command, its examples, environment and exit status. Everything
 * about options comes from the App tree instead (command_model.h); a
 * subcommand without an entry here fails the generator, so a new one
 * cannot ship without a page.
 */
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace softvfio::cli::docgen {

struct Example {
	std::string command;   /* one shell line */
	std::string meaning;
};

struct EnvVar {
	std::string name;
	std::string meaning;
};

/* Plain text; the writer escapes it. */
struct ManualText {
	std::string command;                  /* "" for softvfio(1) itself */
	/* Shown after the options in the synopsis ("-- program [args...]"). */
	std::string synopsis_tail;
	std::vector<std::string> description; /* paragraphs */
	std::vector<EnvVar> environment;
	std::vector<Example> examples;
	std::vector<std::string> exit_status; /* paragraphs */
	std::vector<std::string> see_also;    /* "softvfio-serve(1)" */
};

/* The text of `command` ("" for the top page); null when there is none. */
const ManualText *manual_text(std::string_view command);

} /* namespace softvfio::cli::docgen */
