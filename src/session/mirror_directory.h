/* SPDX-License-Identifier: MIT */
/*
 * MirrorDirectory: the kernel's side of the register mirror directory
 * (wire/mirror_directory.h). It owns the memfd every client maps, and
 * hands a register VMA the index of the entry holding its BAR's mirrored
 * reads, appending one the first time a promise is seen.
 */
#pragma once

#include <memory>
#include <mutex>
#include <softvfio/base/result.h>
#include <softvfio/base/unique_fd.h>
#include <span>

#include "pci/register_mirror.h"

#include "session/wire/mirror_directory.h"

namespace softvfio::session {

class MirrorDirectory
{
public:
	static Result<std::unique_ptr<MirrorDirectory>> create();
	~MirrorDirectory();
	MirrorDirectory(const MirrorDirectory &) = delete;
	MirrorDirectory &operator=(const MirrorDirectory &) = delete;

	int fd() const { return fd_.get(); }
	/* The entry (index + 1) holding BAR `bar`'s mirrored `reads`; 0
	 * when the directory is full, so the VMA's reads all go to the model. */
	uint32_t entry_for(unsigned bar, std::span<const pci::MirroredRead> reads);

private:
	MirrorDirectory(UniqueFD fd, wire::MirrorDirectory *map) : fd_(std::move(fd)), map_(map) {}

	std::mutex lock_;
	UniqueFD fd_;
	wire::MirrorDirectory *map_;
};

} /* namespace softvfio::session */
