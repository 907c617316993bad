/* SPDX-License-Identifier: MIT */
#include "cli/elf_probe.h"

#include <cstring>
#include <elf.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <softvfio/base/unique_fd.h>

namespace softvfio::cli {

namespace {

/* The file, mapped read-only. */
class Image
{
public:
	explicit Image(const std::string &path)
	{
		UniqueFD fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
		struct stat st;
		if (!fd || ::fstat(fd.get(), &st) < 0 || st.st_size < static_cast<off_t>(sizeof(Elf64_Ehdr)))
			return;
		void *p = ::mmap(nullptr, static_cast<size_t>(st.st_size), PROT_READ, MAP_PRIVATE, fd.get(), 0);
		if (p == MAP_FAILED)
			return;
		data_ = static_cast<const unsigned char *>(p);
		size_ = static_cast<size_t>(st.st_size);
	}
	~Image()
	{
		if (data_)
			::munmap(const_cast<unsigned char *>(data_), size_);
	}
	Image(const Image &) = delete;
	Image &operator=(const Image &) = delete;

	/* A T at `off`, if the file has it. */
	template<typename T>
	const T *at(uint64_t off, uint64_t count = 1) const
	{
		if (!data_ || off > size_ || count > (size_ - off) / sizeof(T))
			return nullptr;
		return reinterpret_cast<const T *>(data_ + off);
	}
	/* A NUL-terminated string at `off`, if it ends inside the file. */
	const char *str(uint64_t off) const
	{
		if (!data_ || off >= size_ || !std::memchr(data_ + off, 0, size_ - off))
			return nullptr;
		return reinterpret_cast<const char *>(data_ + off);
	}

private:
	const unsigned char *data_ = nullptr;
	size_t size_ = 0;
};

bool is_runtime(const std::string &name, const char *base)
{
	return name.rfind(base, 0) == 0;
}

void scan_symbols(const Image &img, const Elf64_Shdr &symtab, const Elf64_Shdr &strtab, ElfFacts &facts)
{
	if (symtab.sh_entsize != sizeof(Elf64_Sym))
		return;
	uint64_t n = symtab.sh_size / sizeof(Elf64_Sym);
	const auto *syms = img.at<Elf64_Sym>(symtab.sh_offset, n);
	if (!syms)
		return;
	for (uint64_t i = 0; i < n; i++) {
		if (syms[i].st_shndx == SHN_UNDEF || !syms[i].st_name)
			continue;
		const char *name = img.str(strtab.sh_offset + syms[i].st_name);
		if (!name)
			continue;
		if (std::strcmp(name, "__asan_init") == 0)
			facts.defines_asan_init = true;
		else if (std::strcmp(name, "__tsan_init") == 0)
			facts.defines_tsan_init = true;
	}
}

} /* namespace */

std::optional<ElfFacts> probe_elf(const std::string &path)
{
	Image img(path);
	const auto *eh = img.at<Elf64_Ehdr>(0);
	if (!eh || std::memcmp(eh->e_ident, ELFMAG, SELFMAG) != 0 || eh->e_ident[EI_CLASS] != ELFCLASS64 ||
	    eh->e_ident[EI_DATA] != ELFDATA2LSB)
		return std::nullopt;
	ElfFacts facts;
	if (const auto *ph = img.at<Elf64_Phdr>(eh->e_phoff, eh->e_phnum); ph && eh->e_phentsize == sizeof(Elf64_Phdr))
		for (unsigned i = 0; i < eh->e_phnum; i++)
			facts.dynamic |= ph[i].p_type == PT_INTERP;
	const auto *sh = img.at<Elf64_Shdr>(eh->e_shoff, eh->e_shnum);
	if (!sh || eh->e_shentsize != sizeof(Elf64_Shdr))
		return facts;
	for (unsigned i = 0; i < eh->e_shnum; i++) {
		const Elf64_Shdr &s = sh[i];
		if (s.sh_link >= eh->e_shnum)
			continue;
		const Elf64_Shdr &link = sh[s.sh_link];
		if (s.sh_type == SHT_DYNAMIC && s.sh_entsize == sizeof(Elf64_Dyn)) {
			uint64_t n = s.sh_size / sizeof(Elf64_Dyn);
			const auto *dyn = img.at<Elf64_Dyn>(s.sh_offset, n);
			for (uint64_t j = 0; dyn && j < n && dyn[j].d_tag != DT_NULL; j++) {
				if (dyn[j].d_tag != DT_NEEDED)
					continue;
				const char *name = img.str(link.sh_offset + dyn[j].d_un.d_val);
				if (!name)
					continue;
				facts.needed.emplace_back(name);
				if (is_runtime(name, "libasan.so"))
					facts.asan_needed = name;
				else if (is_runtime(name, "libtsan.so"))
					facts.tsan_needed = name;
			}
		} else if (s.sh_type == SHT_SYMTAB || s.sh_type == SHT_DYNSYM) {
			scan_symbols(img, s, link, facts);
		}
	}
	return facts;
}

std::string script_interpreter(const std::string &path)
{
	UniqueFD fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
	if (!fd)
		return {};
	char buf[256];
	ssize_t n = ::read(fd.get(), buf, sizeof(buf) - 1);
	if (n < 3 || buf[0] != '#' || buf[1] != '!')
		return {};
	buf[n] = '\0';
	const char *p = buf + 2;
	while (*p == ' ' || *p == '\t')
		p++;
	const char *end = p;
	while (*end && *end != ' ' && *end != '\t' && *end != '\n')
		end++;
	return std::string(p, end);
}

} /* namespace softvfio::cli */
