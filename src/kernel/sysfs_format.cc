/* SPDX-License-Identifier: MIT */
#include "kernel/sysfs_format.h"

#include <algorithm>
#include <cinttypes>
#include <cstdio>
#include <cstdlib>

namespace softvfio::sysfs {

namespace {

/* linux/ioport.h */
constexpr uint64_t kIoresourceIo = 0x00000100;
constexpr uint64_t kIoresourceMem = 0x00000200;
constexpr uint64_t kIoresourcePrefetch = 0x00002000;
constexpr uint64_t kIoresourceReadonly = 0x00004000;
constexpr uint64_t kIoresourceSizealign = 0x00040000;
constexpr uint64_t kIoresourceMem64 = 0x00100000;
constexpr uint64_t kIoresourceRomEnable = 0x00000001;

/* PCI_BASE_ADDRESS_* low bits */
constexpr uint64_t kBarIoSpace = 0x1;
constexpr uint64_t kBarMemType64 = 0x4;
constexpr uint64_t kBarMemPrefetch = 0x8;

} /* namespace */

std::string hex_attr(uint32_t value, int width)
{
	char buf[32];
	std::snprintf(buf, sizeof(buf), "0x%0*x\n", width, value);
	return buf;
}

std::string resource_line(uint64_t start, uint64_t end, uint64_t flags)
{
	char buf[80];
	std::snprintf(buf, sizeof(buf), "0x%016" PRIx64 " 0x%016" PRIx64 " 0x%016" PRIx64 "\n", start, end, flags);
	return buf;
}

std::string reserved_region_line(uint64_t start, uint64_t end, const char *type)
{
	char buf[80];
	std::snprintf(buf, sizeof(buf), "0x%016" PRIx64 " 0x%016" PRIx64 " %s\n", start, end, type);
	return buf;
}

uint64_t bar_flags(const pci::Bar &bar)
{
	switch (bar.kind) {
	case BarKind::Io:
		return kIoresourceIo | kIoresourceSizealign | kBarIoSpace;
	case BarKind::Mem32:
	case BarKind::Mem64: {
		uint64_t f = kIoresourceMem | kIoresourceSizealign;
		if (bar.kind == BarKind::Mem64)
			f |= kIoresourceMem64 | kBarMemType64;
		if (bar.prefetchable)
			f |= kIoresourcePrefetch | kBarMemPrefetch;
		return f;
	}
	default:
		return 0;
	}
}

uint64_t rom_flags(bool enabled)
{
	return kIoresourceMem | kIoresourcePrefetch | kIoresourceReadonly | kIoresourceSizealign |
	       (enabled ? kIoresourceRomEnable : 0);
}

std::string modalias(uint16_t vendor, uint16_t device, uint16_t subvendor, uint16_t subdevice, uint32_t class_code)
{
	char buf[96];
	std::snprintf(buf, sizeof(buf), "pci:v%08Xd%08Xsv%08Xsd%08Xbc%02Xsc%02Xi%02X", vendor, device, subvendor,
		      subdevice, (class_code >> 16) & 0xff, (class_code >> 8) & 0xff, class_code & 0xff);
	return buf;
}

std::string pci_uevent(const std::string &driver, uint32_t class_code, uint16_t vendor, uint16_t device,
		       uint16_t subvendor, uint16_t subdevice, const std::string &bdf)
{
	char buf[256];
	std::snprintf(buf, sizeof(buf), "PCI_CLASS=%X\nPCI_ID=%04X:%04X\nPCI_SUBSYS_ID=%04X:%04X\nPCI_SLOT_NAME=%s\n",
		      class_code, vendor, device, subvendor, subdevice, bdf.c_str());
	std::string out = driver.empty() ? "" : "DRIVER=" + driver + "\n";
	return out + buf + "MODALIAS=" + modalias(vendor, device, subvendor, subdevice, class_code) + "\n";
}

/* The most significant chunk is as wide as the bits it holds, the rest
 * are 8 digits. */
std::string cpu_mask(const std::vector<unsigned> &cpus, unsigned nbits)
{
	if (!nbits)
		nbits = 1;
	unsigned chunks = (nbits + 31) / 32;
	std::string out;
	for (unsigned c = chunks; c-- > 0;) {
		uint32_t word = 0;
		for (unsigned cpu : cpus)
			if (cpu / 32 == c && cpu < nbits)
				word |= uint32_t(1) << (cpu % 32);
		unsigned bits = c == chunks - 1 && nbits % 32 ? nbits % 32 : 32;
		char buf[16];
		std::snprintf(buf, sizeof(buf), "%0*x", static_cast<int>((bits + 3) / 4), word);
		if (!out.empty())
			out += ",";
		out += buf;
	}
	return out + "\n";
}

std::string cpu_list(const std::vector<unsigned> &cpus)
{
	std::vector<unsigned> sorted = cpus;
	std::sort(sorted.begin(), sorted.end());
	std::string out;
	for (size_t i = 0; i < sorted.size();) {
		size_t j = i;
		while (j + 1 < sorted.size() && sorted[j + 1] == sorted[j] + 1)
			j++;
		if (!out.empty())
			out += ",";
		out += std::to_string(sorted[i]);
		if (j > i)
			out += "-" + std::to_string(sorted[j]);
		i = j + 1;
	}
	return out + "\n";
}

std::vector<unsigned> parse_cpu_list(const std::string &text)
{
	std::vector<unsigned> out;
	const char *p = text.c_str();
	while (*p && *p != '\n') {
		char *end;
		unsigned long lo = std::strtoul(p, &end, 10);
		unsigned long hi = lo;
		if (end == p)
			break;
		p = end;
		if (*p == '-') {
			hi = std::strtoul(p + 1, &end, 10);
			p = end;
		}
		for (unsigned long c = lo; c <= hi; c++)
			out.push_back(static_cast<unsigned>(c));
		if (*p == ',')
			p++;
	}
	return out;
}

} /* namespace softvfio::sysfs */
