/* SPDX-License-Identifier: MIT */
/*
 * The client's mm table, its questions about register VMAs for a system
 * call's buffer (docs/trap.md, "A file the model does not own as the other
 * side"): does a range overlap a live one, where is a copy bound to stop,
 * where is the next one. Each is asked with the table held (Guard). Built
 * without ThreadSanitizer instrumentation, like mm_table.cc: the session
 * signal's handler changes the table behind the sanitizer's back.
 */
#include "session/client/mm_table.h"

#include <algorithm>

namespace softvfio::session {

bool MmTable::touches_live_registers(uintptr_t addr, size_t length) const noexcept
{
	const uintptr_t end = range_end(addr, length);
	for (size_t i = 0; i < nvma_; i++) {
		const Vma &v = vmas_[i];
		if (v.registers && v.live && v.start < end && addr < v.end)
			return true;
	}
	return false;
}

uintptr_t MmTable::register_barrier(uintptr_t addr, size_t length, int prot) const noexcept
{
	uintptr_t first = range_end(addr, length);
	for (size_t i = 0; i < nvma_; i++) {
		const Vma &v = vmas_[i];
		if (!v.registers || v.end <= addr || v.start >= first)
			continue;
		if (!v.live || (v.prot & prot) != prot)
			first = std::max(v.start, addr);
	}
	return first;
}

uintptr_t MmTable::next_registers(uintptr_t addr, uintptr_t end) const noexcept
{
	uintptr_t first = end;
	for (size_t i = 0; i < nvma_; i++) {
		const Vma &v = vmas_[i];
		if (v.registers && v.start >= addr && v.start < first)
			first = v.start;
	}
	return first;
}

} /* namespace softvfio::session */
