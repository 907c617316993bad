/* SPDX-License-Identifier: MIT */
/*
 * Reading a PCI function's sysfs directory with plain open/read/stat, so
 * that under `softvfio run` the shim serves the emulated files exactly as
 * any other program would see them.
 */
#include "cli/record_sysfs.h"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace softvfio::cli::record {

namespace {

/* Linux's largest config space (PCIe); a read never returns more. */
constexpr size_t kMaxConfig = 4096;
/* Conventional PCI's config space, the smallest Linux shows. */
constexpr size_t kMinConfig = 256;
/* The standard header: less than this is not a PCI function's config. */
constexpr size_t kHeaderSize = 64;

struct FileBytes {
	std::string bytes;
	int error = 0;    /* errno of open or read; 0 on success */
};

/* At most `limit` bytes of `path`, read until EOF like cat. */
FileBytes read_file(const std::string &path, size_t limit)
{
	FileBytes out;
	int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		out.error = errno;
		return out;
	}
	char buf[4096];
	while (out.bytes.size() < limit) {
		ssize_t n = ::read(fd, buf, std::min(sizeof(buf), limit - out.bytes.size()));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			out.error = errno;
			break;
		}
		if (n == 0)
			break;
		out.bytes.append(buf, static_cast<size_t>(n));
	}
	::close(fd);
	return out;
}

std::string errno_text(int e) { return std::strerror(e); }

bool is_hex(std::string_view s, size_t digits)
{
	if (s.size() != digits)
		return false;
	for (char c : s)
		if (!std::isxdigit(static_cast<unsigned char>(c)))
			return false;
	return true;
}

std::vector<std::string> split_words(std::string_view text)
{
	std::vector<std::string> words;
	size_t i = 0;
	while (i < text.size()) {
		while (i < text.size() && std::isspace(static_cast<unsigned char>(text[i])))
			++i;
		size_t start = i;
		while (i < text.size() && !std::isspace(static_cast<unsigned char>(text[i])))
			++i;
		if (i > start)
			words.emplace_back(text.substr(start, i - start));
	}
	return words;
}

void read_config(const std::string &path, SysfsFunction &out, std::optional<ReadError> &problem)
{
	FileBytes file = read_file(path, kMaxConfig);
	if (file.error == ENOENT) {
		problem = ReadError{EINVAL, path + ": missing: " + out.dir + " is not a PCI function's directory"};
		return;
	}
	if (file.error && file.bytes.size() < kHeaderSize) {
		problem = ReadError{file.error, path + ": cannot read: " + errno_text(file.error)};
		return;
	}
	if (file.bytes.size() < kHeaderSize) {
		problem = ReadError{EINVAL, path + ": " + std::to_string(file.bytes.size()) +
						    " bytes, less than the 64-byte standard header"};
		return;
	}
	out.config.assign(file.bytes.begin(), file.bytes.end());
	/* A config space is 256 or 4096 bytes; a shorter file is a copy made
	 * by a reader who saw only the header (cp -r of sysfs without root). */
	struct stat st {};
	out.config_size = std::max<size_t>(::stat(path.c_str(), &st) == 0 && st.st_size > 0
						   ? static_cast<size_t>(st.st_size)
						   : out.config.size(),
					   kMinConfig);
	if (out.config.size() < out.config_size)
		/* Linux gives a reader without CAP_SYS_ADMIN the first 64 bytes
		 * and a short read, however large the file says it is. */
		out.warnings.push_back("config: only " + std::to_string(out.config.size()) + " of " +
				       std::to_string(out.config_size) +
				       " bytes readable (reading past the header needs CAP_SYS_ADMIN; run as "
				       "root for a full recording): capabilities not recorded");
}

/* A number in a sysfs attribute: decimal, or hex without 0x (`base` 16). */
std::optional<uint64_t> read_number(const std::string &path, int base)
{
	FileBytes file = read_file(path, 64);
	if (file.error)
		return std::nullopt;
	const char *text = file.bytes.c_str();
	char *end = nullptr;
	errno = 0;
	uint64_t v = std::strtoull(text, &end, base);
	if (end == text || errno)
		return std::nullopt;
	while (*end && std::isspace(static_cast<unsigned char>(*end)))
		++end;
	if (*end)
		return std::nullopt;
	return v;
}

/* The BDF a link in the function's directory points at ("../0000:01:00.1"). */
std::optional<std::string> link_bdf(const std::string &path)
{
	char target[4096];
	ssize_t n = ::readlink(path.c_str(), target, sizeof(target) - 1);
	if (n <= 0)
		return std::nullopt;
	std::string t(target, static_cast<size_t>(n));
	return normalize_bdf(t.substr(t.rfind('/') + 1));
}

/* physfn on a VF; sriov_* and virtfn0 on a PF. */
void read_sriov(const std::string &sysfs_root, SysfsFunction &out)
{
	out.physfn = link_bdf(out.dir + "/physfn");
	if (out.physfn)
		return;
	struct stat st {};
	if (::stat((out.dir + "/sriov_totalvfs").c_str(), &st) != 0)
		return;
	SriovFiles s;
	s.totalvfs = read_number(out.dir + "/sriov_totalvfs", 10);
	s.numvfs = read_number(out.dir + "/sriov_numvfs", 10);
	s.offset = read_number(out.dir + "/sriov_offset", 10);
	s.stride = read_number(out.dir + "/sriov_stride", 10);
	s.vf_device = read_number(out.dir + "/sriov_vf_device", 16);
	s.vf_total_msix = read_number(out.dir + "/sriov_vf_total_msix", 10);
	out.sriov = s;
	auto vf0 = link_bdf(out.dir + "/virtfn0");
	if (!vf0)
		return;
	out.vf0_bdf = *vf0;
	const std::string path = sysfs_root + "/bus/pci/devices/" + *vf0 + "/config";
	FileBytes config = read_file(path, kMaxConfig);
	if (config.error)
		out.warnings.push_back(path + ": " + errno_text(config.error) + ": the VFs' MSI-X not recorded");
	else
		out.vf0_config.assign(config.bytes.begin(), config.bytes.end());
}

} /* namespace */

std::optional<std::string> normalize_bdf(std::string_view text)
{
	std::string s(text);
	for (char &c : s)
		c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
	/* bb:dd.f, as lspci prints domain 0000 */
	if (s.size() == 7)
		s = "0000:" + s;
	if (s.size() != 12 || s[4] != ':' || s[7] != ':' || s[10] != '.')
		return std::nullopt;
	if (!is_hex(std::string_view(s).substr(0, 4), 4) || !is_hex(std::string_view(s).substr(5, 2), 2) ||
	    !is_hex(std::string_view(s).substr(8, 2), 2))
		return std::nullopt;
	/* device 0..1f, function 0..7 */
	unsigned dev = static_cast<unsigned>(std::stoul(s.substr(8, 2), nullptr, 16));
	if (dev > 0x1f || s[11] < '0' || s[11] > '7')
		return std::nullopt;
	return s;
}

std::optional<std::vector<ResourceLine>> parse_resource(std::string_view text)
{
	std::vector<ResourceLine> lines;
	size_t pos = 0;
	while (pos < text.size()) {
		size_t nl = text.find('\n', pos);
		std::string line(text.substr(pos, nl == std::string_view::npos ? std::string_view::npos : nl - pos));
		pos = nl == std::string_view::npos ? text.size() : nl + 1;
		if (split_words(line).empty())
			continue;
		ResourceLine r;
		char extra = 0;
		if (std::sscanf(line.c_str(), "%" SCNx64 " %" SCNx64 " %" SCNx64 " %c", &r.start, &r.end, &r.flags,
				&extra) != 3)
			return std::nullopt;
		lines.push_back(r);
	}
	return lines;
}

std::variant<SysfsFunction, ReadError> read_sysfs_function(const std::string &sysfs_root, const std::string &bdf)
{
	SysfsFunction out;
	out.bdf = bdf;
	out.dir = sysfs_root + "/bus/pci/devices/" + bdf;
	struct stat st {};
	if (::stat(out.dir.c_str(), &st) != 0) {
		int e = errno;
		if (e == ENOENT)
			return ReadError{ENOENT, out.dir + ": no such PCI device"};
		return ReadError{e, out.dir + ": " + errno_text(e)};
	}
	if (!S_ISDIR(st.st_mode))
		return ReadError{EINVAL, out.dir + ": not a directory"};

	std::optional<ReadError> problem;
	read_config(out.dir + "/config", out, problem);
	if (problem)
		return *problem;

	const std::string resource_path = out.dir + "/resource";
	FileBytes resource = read_file(resource_path, 1 << 16);
	if (resource.error == 0) {
		auto lines = parse_resource(resource.bytes);
		if (!lines)
			return ReadError{EINVAL, resource_path + ": not in the kernel's format (start end flags, in hex)"};
		out.resources = std::move(*lines);
		out.has_resource_file = true;
	} else {
		out.warnings.push_back("resource: " + errno_text(resource.error) + ": BARs and ROM not recorded");
	}

	FileBytes reset = read_file(out.dir + "/reset_method", 4096);
	if (reset.error == 0)
		out.reset_methods = split_words(reset.bytes);
	else if (reset.error != ENOENT)
		out.warnings.push_back("reset_method: " + errno_text(reset.error) + ": reset methods not recorded");

	FileBytes irq = read_file(out.dir + "/irq", 64);
	if (irq.error == 0) {
		char *end = nullptr;
		unsigned long v = std::strtoul(irq.bytes.c_str(), &end, 10);
		if (end != irq.bytes.c_str())
			out.irq = static_cast<unsigned>(v);
	}
	read_sriov(sysfs_root, out);
	return out;
}

} /* namespace softvfio::cli::record */
