/* SPDX-License-Identifier: MIT */
/*
 * Fabricated sysfs trees for `softvfio record`'s tests: a temporary
 * directory with bus/pci/devices/<bdf>/ holding the files a test writes,
 * and config bytes built register by register.
 */
#pragma once

#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <stdlib.h>

namespace softvfio::test {

/* Config space bytes, little-endian registers. */
struct ConfigBytes {
	std::vector<uint8_t> bytes;

	explicit ConfigBytes(size_t size = 256) : bytes(size) {}
	ConfigBytes &w8(size_t off, uint8_t v)
	{
		bytes.at(off) = v;
		return *this;
	}
	ConfigBytes &w16(size_t off, uint16_t v) { return w8(off, v & 0xff).w8(off + 1, v >> 8); }
	ConfigBytes &w32(size_t off, uint32_t v) { return w16(off, v & 0xffff).w16(off + 2, v >> 16); }
	/* A type-0 header: IDs, class, revision, pin. */
	static ConfigBytes header(uint16_t vendor, uint16_t device, uint32_t class_code, size_t size = 256)
	{
		ConfigBytes c(size);
		c.w16(0x00, vendor).w16(0x02, device).w32(0x08, class_code << 8 | 0x01);
		return c;
	}
	/* Links a capability at `at` into the chain after `prev` (0: first). */
	ConfigBytes &cap(uint8_t prev, uint8_t at, uint8_t id)
	{
		w16(0x06, bytes[0x06] | 0x10);   /* status: capability list */
		w8(prev ? prev + 1 : 0x34, at);
		return w8(at, id).w8(at + 1, 0);
	}
};

/* One resource line as the kernel prints it. */
inline std::string resource_line(uint64_t start, uint64_t end, uint64_t flags)
{
	char buf[80];
	std::snprintf(buf, sizeof(buf), "0x%016llx 0x%016llx 0x%016llx\n", static_cast<unsigned long long>(start),
		      static_cast<unsigned long long>(end), static_cast<unsigned long long>(flags));
	return buf;
}

/* `lines` then unused lines up to the kernel's 13 (BARs, ROM, VF BARs). */
inline std::string resource_file(std::vector<std::string> lines)
{
	while (lines.size() < 13)
		lines.push_back(resource_line(0, 0, 0));
	std::string out;
	for (const auto &l : lines)
		out += l;
	return out;
}

class FakeSysfs
{
public:
	FakeSysfs()
	{
		char tmpl[] = "/tmp/softvfio-record-XXXXXX";
		root_ = ::mkdtemp(tmpl) ? tmpl : "";
	}
	~FakeSysfs()
	{
		std::error_code ec;
		if (!root_.empty())
			std::filesystem::remove_all(root_, ec);
	}
	FakeSysfs(const FakeSysfs &) = delete;
	FakeSysfs &operator=(const FakeSysfs &) = delete;

	const std::string &root() const { return root_; }
	std::string dir(const std::string &bdf) const { return root_ + "/bus/pci/devices/" + bdf; }

	/* Writes `name` in the function's directory (made if needed). */
	void file(const std::string &bdf, const std::string &name, const std::string &content) const
	{
		std::filesystem::create_directories(dir(bdf));
		std::ofstream(dir(bdf) + "/" + name, std::ios::binary) << content;
	}
	void config(const std::string &bdf, const ConfigBytes &cfg) const
	{
		file(bdf, "config", std::string(cfg.bytes.begin(), cfg.bytes.end()));
	}

private:
	std::string root_;
};

} /* namespace softvfio::test */
