/* SPDX-License-Identifier: MIT */
#include "cli/usage.h"

#include <regex>
#include <string_view>
#include <vector>

#include "cli/app.h"

namespace softvfio::cli {

namespace {

/* The subcommands a user can type (not the hidden `complete`). */
std::string visible_commands(const CLI::App &app)
{
	std::vector<std::string_view> names;
	for (const CLI::App *sub : app.get_subcommands([](const CLI::App *s) { return !s->get_group().empty(); }))
		names.push_back(sub->get_name());
	return join_names(names);
}

/* The subcommand being parsed when the error came, if any. */
const CLI::App *failed_subcommand(const CLI::App &app)
{
	for (const CLI::App *sub : app.get_subcommands([](const CLI::App *s) { return s->parsed(); }))
		return sub;
	return nullptr;
}

/* The words for what went wrong; empty: CLI11's own text is clear. */
std::string in_words(const CLI::App &app, const CLI::Error &e)
{
	const std::string what = e.what();
	const bool no_command = failed_subcommand(app) == nullptr;
	if (dynamic_cast<const CLI::RequiredError *>(&e) && no_command) {
		/* require_subcommand(1): the word that was no command is
		 * left over. */
		std::string unknown_option;
		for (const std::string &word : app.remaining(true)) {
			if (!word.empty() && word[0] != '-')
				return "'" + word + "' is not a softvfio command (commands: " + visible_commands(app) + ")";
			if (unknown_option.empty())
				unknown_option = word;
		}
		/* Options other than --help and --version belong to a command. */
		std::string before = unknown_option.empty() ? "" : "unknown option '" + unknown_option + "'; ";
		return before + "a command is required (commands: " + visible_commands(app) + ")";
	}
	std::smatch m;
	static const std::regex at_most("^(\\S+): At Most ([0-9]+) required but received ([0-9]+)$");
	if (std::regex_match(what, m, at_most)) {
		std::string allowed = m[2] == "1" ? "one value: give it once" : "at most " + m[2].str() + " values";
		return m[1].str() + " was given " + m[3].str() + " times, but it takes " + allowed;
	}
	static const std::regex no_value("^(\\S+): [0-9]+ required (\\S+) missing$");
	if (std::regex_match(what, m, no_value))
		return m[1].str() + " needs a value (" + m[2].str() + ")";
	static const std::regex excludes("^(\\S+) excludes (\\S+)$");
	if (std::regex_match(what, m, excludes))
		return m[1].str() + " and " + m[2].str() + " cannot be used together: give one of them";
	return {};
}

} /* namespace */

std::string ProgramUsageFormatter::make_usage(const CLI::App *app, std::string name) const
{
	std::string usage = CLI::Formatter::make_usage(app, std::move(name));
	if (!runs_program(app->get_name()))
		return usage;
	/* CLI11 ends the line with std::endl. */
	if (!usage.empty() && usage.back() == '\n')
		usage.pop_back();
	return usage + " [--] PROGRAM [ARGS...]\n";
}

std::string usage_error_text(const CLI::App *app, const CLI::Error &e)
{
	const CLI::App *sub = failed_subcommand(*app);
	std::string command = app->get_name() + (sub ? " " + sub->get_name() : std::string());
	std::string words = in_words(*app, e);
	return command + ": " + (words.empty() ? std::string(e.what()) : words) + "\nRun '" + command +
	       " --help' for more information.\n";
}

} /* namespace softvfio::cli */
