/* SPDX-License-Identifier: MIT */
/*
 * The softvfio command as the documentation generators see it: the CLI11
 * App tree of build_app() (cli/app.h) read once into plain values, so the
 * man page and completion writers need not know CLI11, and every one of
 * them reads the same tree `--help` prints.
 */
#pragma once

#include <string>
#include <vector>

#include <CLI/CLI.hpp>

namespace softvfio::cli::docgen {

/* What an option's value is, for completion (from its placeholder,
 * cli/app.h's kValue* names). */
enum class ValueKind {
	None,      /* a flag */
	Device,    /* a preset, or a description file, with @BDF */
	PresetOrFile, /* the same without a place */
	Profile,
	Access,    /* a comma-separated list of ways in */
	File,
	Dir,
	Pid,
	Other,     /* free text: nothing to offer */
};

struct OptionDoc {
	std::vector<std::string> shorts;   /* "-d" */
	std::vector<std::string> longs;    /* "--device" */
	std::string placeholder;           /* "PRESET|FILE[@BDF]"; empty for a flag */
	ValueKind kind = ValueKind::None;
	std::string description;
	std::string default_value;         /* empty: none shown */
	bool repeatable = false;
	std::vector<std::string> excludes; /* long names */
	bool positional = false;           /* then longs holds its one name */
	bool required = false;

	/* Every spelling, shorts first. */
	std::vector<std::string> names() const;
};

struct CommandDoc {
	std::string name;                  /* "run"; the program's own name at the top */
	std::string description;
	std::string footer;
	std::vector<OptionDoc> options;    /* help and version included */
	std::vector<OptionDoc> positionals;
	std::vector<CommandDoc> subcommands; /* shown ones only */
	/* A program and its arguments follow the options (run, trace). */
	bool runs_program = false;
};

/* The tree of `app` (built by build_app), without hidden subcommands. */
CommandDoc read_command(const CLI::App &app);

} /* namespace softvfio::cli::docgen */
