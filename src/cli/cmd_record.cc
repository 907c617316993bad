/* SPDX-License-Identifier: MIT */
/*
 * `softvfio record BDF`: a device description of a PCI function from its
 * sysfs directory. Reading (record_sysfs), decoding (record_decode) and
 * writing (record_toml) are separate steps; this file runs them, checks
 * the result parses as a description of the same device, and writes it.
 */
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <unistd.h>

#include <fmt/format.h>

#include <softvfio/device_description.h>

#include "cli/commands.h"
#include "cli/record_decode.h"
#include "cli/record_sysfs.h"
#include "cli/record_toml.h"

namespace softvfio::cli {

namespace {

/* The exit status of a read failure: a BDF naming no device is bad usage,
 * as a --device naming no preset is; sysfs saying something that is no PCI
 * function's is bad input; anything else, a failure. */
int read_error_status(int error)
{
	if (error == ENOENT)
		return kExitUsage;
	if (error == EINVAL)
		return kExitBadInput;
	return kExitFailure;
}

bool write_all(int fd, const std::string &text)
{
	size_t done = 0;
	while (done < text.size()) {
		ssize_t n = ::write(fd, text.data() + done, text.size() - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return false;
		done += static_cast<size_t>(n);
	}
	return true;
}

int write_output(const std::string &path, const std::string &text)
{
	if (path.empty() || path == "-") {
		if (!write_all(STDOUT_FILENO, text)) {
			fmt::print(stderr, "softvfio record: standard output: {}\n", std::strerror(errno));
			return kExitFailure;
		}
		return kExitOk;
	}
	int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		fmt::print(stderr, "softvfio record: {}: {}\n", path, std::strerror(errno));
		return kExitFailure;
	}
	bool ok = write_all(fd, text);
	int e = errno;
	if (::close(fd) != 0 && ok) {
		ok = false;
		e = errno;
	}
	if (!ok) {
		fmt::print(stderr, "softvfio record: {}: {}\n", path, std::strerror(e));
		return kExitFailure;
	}
	return kExitOk;
}

} /* namespace */

int run_record(const RecordOptions &opts)
{
	auto bdf = record::normalize_bdf(opts.bdf);
	if (!bdf) {
		fmt::print(stderr, "softvfio record: '{}' is not a PCI address (DDDD:BB:DD.F, or BB:DD.F in domain 0000)\n",
			   opts.bdf);
		return kExitUsage;
	}
	auto read = record::read_sysfs_function(opts.sysfs_root, *bdf);
	if (auto *e = std::get_if<record::ReadError>(&read)) {
		fmt::print(stderr, "softvfio record: {}\n", e->message);
		return read_error_status(e->error);
	}
	const auto &fn = std::get<record::SysfsFunction>(read);
	for (const std::string &w : fn.warnings)
		fmt::print(stderr, "softvfio record: warning: {}\n", w);

	auto decoded = record::decode_function(fn);
	if (auto *problem = std::get_if<std::string>(&decoded)) {
		fmt::print(stderr, "softvfio record: {}\n", *problem);
		return kExitBadInput;
	}
	const auto &rec = std::get<record::Recording>(decoded);
	const std::string text = record::recording_toml(rec);

	/* What record writes must read back as what it decoded: checked
	 * here, every time, rather than trusted. */
	auto reread = parse_device_description(text, fn.dir);
	if (auto *e = std::get_if<DescriptionError>(&reread)) {
		fmt::print(stderr, "softvfio record: internal error: the recording does not parse: {}\n", e->message());
		return kExitFailure;
	}
	if (!rec.left_out.empty())
		fmt::print(stderr, "softvfio record: {} thing{} the description format cannot express, named in the "
				   "recording's comments\n",
			   rec.left_out.size(), rec.left_out.size() == 1 ? "" : "s");
	return write_output(opts.output, text);
}

} /* namespace softvfio::cli */
