/* SPDX-License-Identifier: MIT */
/*
 * Shell completions from the command's tree. Lists that are fixed when
 * softvfio is built (presets, profiles, ways in) are written into the
 * script; what only a running system knows (the processes of a session,
 * the addresses for --device NAME@BDF) the script asks `softvfio complete`
 * for, running the same softvfio the user typed.
 */
#pragma once

#include <string>
#include <vector>

#include "cli/docgen/command_model.h"

namespace softvfio::cli::docgen {

struct CompletionLists {
	std::vector<std::string> presets;
	std::vector<std::string> profiles;
	std::vector<std::string> access;
};

std::string bash_completion(const CommandDoc &top, const CompletionLists &lists);
std::string zsh_completion(const CommandDoc &top, const CompletionLists &lists);
std::string fish_completion(const CommandDoc &top, const CompletionLists &lists);

/* Words separated by one space. */
std::string space_joined(const std::vector<std::string> &words);

/* The name a completion script uses for a kind of value ("device"); empty
 * for a flag or free text, which have nothing to offer. */
std::string kind_name(ValueKind kind);

} /* namespace softvfio::cli::docgen */
