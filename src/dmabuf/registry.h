/* SPDX-License-Identifier: MIT */
/*
 * Every live DmaBuf of the process (the dma-buf core's dmabuf_list, which
 * debugfs bufinfo walks): ids for introspection, and the listing of buffers
 * that have already left their device's list.
 */
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

namespace softvfio::dmabuf {

class DmaBuf;

/* Ids are unique for the process's life. */
uint64_t next_buffer_id();
void registry_add(const std::shared_ptr<DmaBuf> &buf);
void registry_remove(uint64_t id);
/* Live buffers of one domain (a Kernel), by id. Buffers being released are
 * left out. */
std::vector<std::shared_ptr<DmaBuf>> registry_list(const void *domain);

} /* namespace softvfio::dmabuf */
