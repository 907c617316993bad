/* SPDX-License-Identifier: MIT */
/* The softvfio subcommands and their options. */
#pragma once

#include <string>
#include <vector>

namespace softvfio::cli {

/* Exit codes: 0 success, 1 the operation failed, 2 bad usage, 3 bad input
 * (a device description that does not parse). */
constexpr int kExitOk = 0;
constexpr int kExitFailure = 1;
constexpr int kExitUsage = 2;
constexpr int kExitBadInput = 3;

struct InfoOptions {
	std::string device;     /* preset name or description file; empty: default */
	std::string profile = "series-v4";
	bool json = false;
	bool colour = true;
};

int run_info(const InfoOptions &opts);

struct DemoOptions {
	bool colour = true;
};

int run_demo(const DemoOptions &opts);

struct RunOptions {
	std::vector<std::string> devices;   /* PRESET|FILE[@BDF] */
	std::string profile = "series-v4";
	std::string access;                 /* empty: the model's default */
	std::vector<std::string> command;   /* the program and its arguments */
};

/* Exec's the program on success; returns only on failure. */
int run_program(const RunOptions &opts);


} /* namespace softvfio::cli */
