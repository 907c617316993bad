/* SPDX-License-Identifier: MIT */
/*
 * softvfio-docgen: the man pages and shell completions of softvfio, from
 * the same command definition softvfio parses with (cli/app.h). Run by
 * the build (share/CMakeLists.txt):
 *
 *   softvfio-docgen man DIR VERSION DATE   softvfio.1, softvfio-SUB.1 into DIR
 *   softvfio-docgen bash|zsh|fish FILE     one completion script
 *
 * It refuses (exit 1) a subcommand without a page text, and a way in or a
 * profile the code it completes for would not accept, so neither can drift
 * silently.
 */
#include <cstdio>
#include <fstream>
#include <string>
#include <variant>
#include <vector>

#include <softvfio/device_description.h>
#include <softvfio/profile.h>

#include "base/profile_names.h"
#include "cli/app.h"
#include "cli/docgen/command_model.h"
#include "cli/docgen/completion.h"
#include "cli/docgen/man_page.h"
#include "cli/docgen/manual_text.h"
#include "shim/config.h"

using namespace softvfio;
using namespace softvfio::cli::docgen;

namespace {

bool write_file(const std::string &path, const std::string &text)
{
	std::ofstream out(path, std::ios::binary | std::ios::trunc);
	out << text;
	out.close();
	if (!out) {
		std::fprintf(stderr, "softvfio-docgen: cannot write %s\n", path.c_str());
		return false;
	}
	return true;
}

int write_man_pages(const CommandDoc &top, const std::string &dir, const PageStamp &stamp)
{
	const ManualText *top_text = manual_text("");
	if (!top_text || !write_file(dir + "/" + top.name + ".1", top_man_page(top, *top_text, stamp)))
		return 1;
	for (const auto &sub : top.subcommands) {
		const ManualText *text = manual_text(sub.name);
		if (!text) {
			std::fprintf(stderr, "softvfio-docgen: no page text for '%s' (src/cli/docgen/manual_text.cc)\n",
				     sub.name.c_str());
			return 1;
		}
		if (!write_file(dir + "/" + top.name + "-" + sub.name + ".1", sub_man_page(top, sub, *text, stamp)))
			return 1;
	}
	return 0;
}

/* The lists fixed at build time, each checked against what accepts it. */
bool completion_lists(CompletionLists &lists)
{
	lists.presets = preset_names();
	for (std::string_view name : profile_names()) {
		if (!find_profile(name)) {
			std::fprintf(stderr, "softvfio-docgen: profile '%.*s' is not found by name\n",
				     static_cast<int>(name.size()), name.data());
			return false;
		}
		lists.profiles.emplace_back(name);
	}
	for (std::string_view name : cli::kAccessPathNames) {
		if (std::holds_alternative<shim::ConfigError>(shim::parse_access(name))) {
			std::fprintf(stderr, "softvfio-docgen: --access does not accept '%.*s'\n",
				     static_cast<int>(name.size()), name.data());
			return false;
		}
		lists.access.emplace_back(name);
	}
	return true;
}

int usage()
{
	std::fprintf(stderr, "usage: softvfio-docgen man DIR VERSION DATE | softvfio-docgen bash|zsh|fish FILE\n");
	return 2;
}

} /* namespace */

int main(int argc, char **argv)
{
	std::vector<std::string> args(argv + 1, argv + argc);
	if (args.empty())
		return usage();
	CLI::App app;
	cli::Invocation inv;
	cli::build_app(app, inv);
	CommandDoc top = read_command(app);

	if (args[0] == "man" && args.size() == 4)
		return write_man_pages(top, args[1], PageStamp{args[2], args[3]});
	if (args.size() != 2)
		return usage();
	CompletionLists lists;
	if (!completion_lists(lists))
		return 1;
	if (args[0] == "bash")
		return write_file(args[1], bash_completion(top, lists)) ? 0 : 1;
	if (args[0] == "zsh")
		return write_file(args[1], zsh_completion(top, lists)) ? 0 : 1;
	if (args[0] == "fish")
		return write_file(args[1], fish_completion(top, lists)) ? 0 : 1;
	return usage();
}
