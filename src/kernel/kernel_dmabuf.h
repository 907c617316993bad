/* SPDX-License-Identifier: MIT */
/* Kernel internals for DMABUF introspection. */
#pragma once

#include <vector>

#include <softvfio/introspection.h>

#include "mm/types.h"

namespace softvfio {

/* Set MappingInfo::buffer_id of the VMAs that map a live DMABUF of
 * `domain`. Files are matched by identity against live buffers, never
 * dereferenced (a snapshot's file may be gone by now). */
void fill_buffer_ids(const void *domain, const std::vector<mm::VmaSnapshot> &vmas, std::vector<MappingInfo> &out);

} /* namespace softvfio */
