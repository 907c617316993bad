/* SPDX-License-Identifier: MIT */
/*
 * How the command line talks about itself beyond CLI11's defaults: a usage
 * line that shows where the program goes for run and trace, and usage
 * errors said in words (an unknown command named, with the known ones; an
 * option given twice; two options that exclude each other) instead of
 * CLI11's generic texts ("A subcommand is required", "At Most 1 required
 * but received 2").
 */
#pragma once

#include <string>

#include <CLI/CLI.hpp>

namespace softvfio::cli {

/* CLI11's formatter, with "[--] PROGRAM [ARGS...]" ending the usage line of
 * a subcommand that runs a program (runs_program()). */
class ProgramUsageFormatter : public CLI::Formatter
{
public:
	std::string make_usage(const CLI::App *app, std::string name) const override;
};

/* The text printed for a parse error of `app` (the top-level App, after
 * its parse failed): what went wrong, then where --help is. Installed as
 * the App's failure_message. */
std::string usage_error_text(const CLI::App *app, const CLI::Error &e);

} /* namespace softvfio::cli */
