/* SPDX-License-Identifier: MIT */
#include "cli/docgen/command_model.h"

#include <string_view>

#include "cli/app.h"

namespace softvfio::cli::docgen {

namespace {

/* CLI11 appends its validators' descriptions after a ':'
 * ("SECONDS:NONNEGATIVE"); the placeholder is what comes before. */
std::string placeholder_of(const CLI::Option &opt)
{
	std::string type = opt.get_type_name();
	return type.substr(0, type.find(':'));
}

ValueKind kind_of(const std::string &placeholder, bool flag)
{
	if (flag)
		return ValueKind::None;
	struct Known {
		const char *placeholder;
		ValueKind kind;
	};
	static constexpr Known kKnown[] = {
		{kValueDevice, ValueKind::Device}, {kValuePresetOrFile, ValueKind::PresetOrFile},
		{kValueProfile, ValueKind::Profile},
		{kValueAccess, ValueKind::Access}, {kValueFile, ValueKind::File},
		{kValueDir, ValueKind::Dir},       {kValuePid, ValueKind::Pid},
	};
	for (const Known &k : kKnown)
		if (placeholder == k.placeholder)
			return k.kind;
	return ValueKind::Other;
}

OptionDoc read_option(const CLI::Option &opt)
{
	OptionDoc doc;
	doc.positional = opt.get_positional();
	bool flag = !doc.positional && opt.get_expected_max() == 0;
	if (doc.positional) {
		doc.longs.push_back(opt.get_name());
	} else {
		for (const auto &s : opt.get_snames())
			doc.shorts.push_back("-" + s);
		for (const auto &l : opt.get_lnames())
			doc.longs.push_back("--" + l);
	}
	if (!flag)
		doc.placeholder = placeholder_of(opt);
	doc.kind = kind_of(doc.placeholder, flag);
	doc.description = opt.get_description();
	if (!flag)
		doc.default_value = opt.get_default_str();
	doc.repeatable = !flag && opt.get_expected_max() > 1;
	doc.required = opt.get_required();
	for (const CLI::Option *other : opt.get_excludes())
		if (!other->get_lnames().empty())
			doc.excludes.push_back("--" + other->get_lnames().front());
	return doc;
}

CommandDoc read_one(const CLI::App &app)
{
	CommandDoc doc;
	doc.name = app.get_name();
	doc.description = app.get_description();
	doc.footer = app.get_footer();
	doc.runs_program = runs_program(doc.name);
	for (const CLI::Option *opt : app.get_options()) {
		OptionDoc o = read_option(*opt);
		(o.positional ? doc.positionals : doc.options).push_back(std::move(o));
	}
	return doc;
}

} /* namespace */

std::vector<std::string> OptionDoc::names() const
{
	std::vector<std::string> all = shorts;
	all.insert(all.end(), longs.begin(), longs.end());
	return all;
}

CommandDoc read_command(const CLI::App &app)
{
	CommandDoc doc = read_one(app);
	/* An empty group is how CLI11 hides a subcommand from --help. */
	for (const CLI::App *sub : app.get_subcommands([](const CLI::App *s) { return !s->get_group().empty(); }))
		doc.subcommands.push_back(read_one(*sub));
	return doc;
}

} /* namespace softvfio::cli::docgen */
