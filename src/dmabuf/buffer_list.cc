/* SPDX-License-Identifier: MIT */
/* Placeholder until the DmaBuf object lands: the list is always empty. */
#include "dmabuf/buffer_list.h"

namespace softvfio::dmabuf {

BufferList::BufferList(Exporter &exporter) : exporter_(exporter) {}
BufferList::~BufferList() = default;
void BufferList::add_locked(const std::shared_ptr<DmaBuf> &buf) { bufs_.push_back(buf); }
void BufferList::remove_locked(DmaBuf *) {}
void BufferList::move_locked(bool) {}
void BufferList::cleanup() {}
size_t BufferList::size() { return 0; }
std::vector<std::shared_ptr<DmaBuf>> BufferList::snapshot() { return {}; }

} /* namespace softvfio::dmabuf */
