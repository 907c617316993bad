/* SPDX-License-Identifier: MIT */
#include "shim/proc_maps.h"

#include <algorithm>
#include <cinttypes>
#include <cstdio>
#include <sys/mman.h>

namespace softvfio::shim {

namespace {

/* seq_setwidth(m, 25 + sizeof(void *) * 6 - 1): a path starts after the
 * header padded to this width and one more space. */
constexpr size_t kPathColumn = 25 + 8 * 6 - 1;

bool parse_hex(std::string_view &s, uint64_t &v)
{
	size_t n = 0;
	v = 0;
	while (n < s.size()) {
		char c = s[n];
		unsigned d;
		if (c >= '0' && c <= '9')
			d = static_cast<unsigned>(c - '0');
		else if (c >= 'a' && c <= 'f')
			d = static_cast<unsigned>(c - 'a' + 10);
		else
			break;
		v = v * 16 + d;
		n++;
	}
	s.remove_prefix(n);
	return n > 0;
}

bool parse_dec(std::string_view &s, uint64_t &v)
{
	size_t n = 0;
	v = 0;
	while (n < s.size() && s[n] >= '0' && s[n] <= '9')
		v = v * 10 + static_cast<uint64_t>(s[n++] - '0');
	s.remove_prefix(n);
	return n > 0;
}

bool expect(std::string_view &s, char c)
{
	if (s.empty() || s[0] != c)
		return false;
	s.remove_prefix(1);
	return true;
}

struct Line {
	MapsVma vma;
	std::string text;    /* the original, with '\n' */
};

} /* namespace */

std::string format_maps_line(const MapsVma &v)
{
	char head[160];
	int n = std::snprintf(head, sizeof(head), "%08" PRIxPTR "-%08" PRIxPTR " %c%c%c%c %08" PRIx64 " %02x:%02x %" PRIu64 " ",
			      v.start, v.end, v.prot & PROT_READ ? 'r' : '-', v.prot & PROT_WRITE ? 'w' : '-',
			      v.prot & PROT_EXEC ? 'x' : '-', v.shared ? 's' : 'p', v.offset, v.dev_major, v.dev_minor,
			      v.ino);
	std::string line(head, n > 0 ? static_cast<size_t>(n) : 0);
	if (!v.path.empty()) {
		if (line.size() < kPathColumn)
			line.append(kPathColumn - line.size(), ' ');
		line += ' ';
		line += v.path;
	}
	line += '\n';
	return line;
}

bool parse_maps_line(std::string_view s, MapsVma &out)
{
	uint64_t start, end, offset, major, minor, ino;
	if (!parse_hex(s, start) || !expect(s, '-') || !parse_hex(s, end) || !expect(s, ' ') || s.size() < 4)
		return false;
	out.prot = (s[0] == 'r' ? PROT_READ : 0) | (s[1] == 'w' ? PROT_WRITE : 0) | (s[2] == 'x' ? PROT_EXEC : 0);
	out.shared = s[3] == 's';
	s.remove_prefix(4);
	if (!expect(s, ' ') || !parse_hex(s, offset) || !expect(s, ' ') || !parse_hex(s, major) || !expect(s, ':') ||
	    !parse_hex(s, minor) || !expect(s, ' ') || !parse_dec(s, ino))
		return false;
	while (!s.empty() && s[0] == ' ')
		s.remove_prefix(1);
	out.start = start;
	out.end = end;
	out.offset = offset;
	out.dev_major = static_cast<unsigned>(major);
	out.dev_minor = static_cast<unsigned>(minor);
	out.ino = ino;
	out.path = std::string(s);
	return true;
}

std::string rewrite_maps(std::string_view real, std::vector<MapsVma> emulated,
			 const std::vector<std::pair<uintptr_t, uintptr_t>> &hidden)
{
	/* Hidden ranges cut host lines like emulated VMAs, with no line of
	 * their own (an empty path marks them until the end). */
	for (auto [lo, hi] : hidden) {
		MapsVma h;
		h.start = lo;
		h.end = hi;
		h.ino = UINT64_MAX;
		emulated.push_back(h);
	}
	std::sort(emulated.begin(), emulated.end(), [](const MapsVma &a, const MapsVma &b) { return a.start < b.start; });
	std::vector<Line> out;
	size_t at = 0;
	while (at < real.size()) {
		size_t nl = real.find('\n', at);
		size_t len = (nl == std::string_view::npos ? real.size() : nl) - at;
		std::string_view text = real.substr(at, len);
		at += len + 1;
		Line line;
		if (!parse_maps_line(text, line.vma)) {
			/* Not a maps line: keep it where it is. */
			line.vma.start = out.empty() ? 0 : out.back().vma.start;
			line.text = std::string(text) + '\n';
			out.push_back(std::move(line));
			continue;
		}
		/* The parts of the host line no emulated VMA covers. */
		uintptr_t lo = line.vma.start;
		bool whole = true;
		for (const auto &e : emulated) {
			if (e.end <= lo || e.start >= line.vma.end)
				continue;
			whole = false;
			if (e.start > lo) {
				MapsVma part = line.vma;
				part.start = lo;
				part.end = e.start;
				part.offset += part.ino == 0 ? 0 : lo - line.vma.start;
				out.push_back({part, format_maps_line(part)});
			}
			lo = std::max(lo, static_cast<uintptr_t>(e.end));
		}
		if (whole) {
			line.text = std::string(text) + '\n';
			out.push_back(std::move(line));
		} else if (lo < line.vma.end) {
			MapsVma part = line.vma;
			part.offset += part.ino == 0 ? 0 : lo - line.vma.start;
			part.start = lo;
			out.push_back({part, format_maps_line(part)});
		}
	}
	for (const auto &e : emulated)
		if (e.ino != UINT64_MAX)
			out.push_back({e, format_maps_line(e)});
	std::stable_sort(out.begin(), out.end(), [](const Line &a, const Line &b) { return a.vma.start < b.vma.start; });
	std::string text;
	for (const auto &l : out)
		text += l.text;
	return text;
}

} /* namespace softvfio::shim */
