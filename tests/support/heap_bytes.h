/* SPDX-License-Identifier: MIT */
/*
 * Heap bytes the program holds right now (allocated and not yet freed),
 * counted exactly: a test compares it before and after a workload to find
 * memory a kernel kept. The allocator's own figures (mallinfo) do not do:
 * they count chunks sitting in per-thread caches and the arenas that
 * threads bring, which come and go with scheduling.
 *
 * Under AddressSanitizer or ThreadSanitizer the sanitizer's allocator
 * counts; otherwise heap_bytes.cc replaces the global operator new and
 * delete of the executable it is linked into (C++ allocations only: what
 * the model allocates with malloc directly is not counted).
 */
#pragma once

#include <cstddef>

namespace softvfio::test {

size_t heap_bytes();

} /* namespace softvfio::test */
