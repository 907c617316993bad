/* SPDX-License-Identifier: MIT */
/* /proc/self/maps lines, for the offset column and path: the mm tests ask
 * by any address inside the mapping. */
#pragma once

#include <cstdint>
#include <optional>

#include "support/proc_maps.h"

namespace softvfio::mm::test {

using softvfio::test::MapsLine;

/* The line of the real mapping containing `addr`. */
inline std::optional<MapsLine> maps_line(uintptr_t addr)
{
	return softvfio::test::maps_line_containing(addr);
}

} /* namespace softvfio::mm::test */
