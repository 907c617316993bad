/* SPDX-License-Identifier: MIT */
/*
 * iommufd mappings: IOAS_MAP, IOAS_MAP_FILE (memfd or vfio DMABUF),
 * IOAS_UNMAP and IOAS_COPY, in the kernel's order of checks.
 */
#include <cerrno>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <softvfio/uapi/iommufd.h>

#include "base/host_process.h"
#include "base/memfd.h"
#include "base/user_copy.h"
#include "dmabuf/dma_buf.h"
#include "iommu/iommufd/dmabuf_import.h"
#include "iommu/iommufd/iommufd_commands.h"
#include "vfio/platform.h"

namespace softvfio::vfio {

using C = IommufdCommands;

namespace {

constexpr uint32_t kMapFlags = IOMMU_IOAS_MAP_FIXED_IOVA | IOMMU_IOAS_MAP_WRITEABLE | IOMMU_IOAS_MAP_READABLE;

unsigned prot_of(uint32_t flags)
{
	unsigned prot = 0;
	if (flags & IOMMU_IOAS_MAP_WRITEABLE)
		prot |= kIoWrite;
	if (flags & IOMMU_IOAS_MAP_READABLE)
		prot |= kIoRead;
	return prot;
}

/* The flag and range checks MAP, MAP_FILE and COPY share. */
long common_checks(uint32_t flags, uint64_t a, uint64_t b, uint64_t c = 0)
{
	if (flags & ~kMapFlags)
		return -EOPNOTSUPP;
	if (a >= UINT64_MAX || b >= UINT64_MAX || c >= UINT64_MAX)
		return -EOVERFLOW;
	if (!(flags & (IOMMU_IOAS_MAP_WRITEABLE | IOMMU_IOAS_MAP_READABLE)))
		return -EINVAL;
	return 0;
}

/* iopt_alloc_pages(): a length the page arithmetic can take. */
long length_checks(uint64_t start, uint64_t length)
{
	if (start + length < start)
		return -EOVERFLOW;
	if (length == 0 || length > UINT64_MAX - platform::kPageSize)
		return -EINVAL;
	return 0;
}

/* Our own handle on the caller's file, writable if the file can be
 * reopened so (DMA writes go through it whatever mode the caller has). */
Result<std::shared_ptr<const UniqueFD>> hold_file(int fd)
{
	auto copy = current_host().take_fd(fd);
	if (!copy)
		return err(copy.error());
	auto rw = reopen_fd(copy->get(), O_RDWR | O_CLOEXEC);
	if (rw)
		return std::make_shared<const UniqueFD>(std::move(*rw));
	return std::make_shared<const UniqueFD>(std::move(*copy));
}

/* The source of a MAP_FILE: a vfio DMABUF through the private
 * interconnect, or a plain file (pinned, and checked, when a domain
 * needs its pages). */
Result<AreaSource> file_source(IommufdCtx &c, const iommu_ioas_map_file &cmd)
{
	auto file = c.context().fds.get(cmd.fd);
	if (!file)
		return err(file.error());
	AreaSource src;
	src.length = cmd.length;
	src.prot = prot_of(cmd.flags);
	src.writable = src.prot & kIoWrite;
	if (*file) {
		if ((*file)->kind() != vfs::FileKind::DmaBuf)
			return err(EINVAL);
		auto buf = std::static_pointer_cast<dmabuf::DmaBuf>(*file);
		auto import = DmabufImport::create(buf, cmd.start, cmd.length);
		if (!import)
			return err(import.error());
		src.backing = (*import)->backing();
		src.import = std::move(*import);
		src.align_hint = cmd.start;
		return src;
	}
	if (long r = length_checks(cmd.start, cmd.length); r)
		return err(static_cast<int>(-r));
	auto held = hold_file(cmd.fd);
	if (!held)
		return err(held.error());
	src.backing.kind = IoBacking::Kind::File;
	src.backing.fd = std::move(*held);
	src.backing.file_offset = cmd.start;
	src.align_hint = cmd.start;
	return src;
}

} /* namespace */

long IommufdCommands::map(Ucmd &u)
{
	auto &cmd = u.as<iommu_ioas_map>();
	if (cmd.__reserved)
		return -EOPNOTSUPP;
	if (long r = common_checks(cmd.flags, cmd.iova, cmd.length); r)
		return r;
	auto ioas = C::find_ioas(u.ictx, cmd.ioas_id);
	if (!ioas)
		return -ENOENT;
	if (long r = length_checks(cmd.user_va, cmd.length); r)
		return r;
	AreaSource src;
	src.backing.vaddr = cmd.user_va;
	src.backing.owner = current_remote_host_ref();
	src.length = cmd.length;
	src.prot = prot_of(cmd.flags);
	src.writable = src.prot & kIoWrite;
	src.align_hint = cmd.user_va;
	auto iova = ioas->ioas->map(src, cmd.flags & IOMMU_IOAS_MAP_FIXED_IOVA, cmd.iova);
	if (!iova)
		return -iova.error();
	cmd.iova = *iova;
	return respond(u, sizeof(cmd));
}

long IommufdCommands::map_file(Ucmd &u)
{
	auto &cmd = u.as<iommu_ioas_map_file>();
	if (long r = common_checks(cmd.flags, cmd.iova, cmd.length); r)
		return r;
	auto ioas = C::find_ioas(u.ictx, cmd.ioas_id);
	if (!ioas)
		return -ENOENT;
	auto src = file_source(u.ictx, cmd);
	if (!src)
		return -src.error();
	auto iova = ioas->ioas->map(*src, cmd.flags & IOMMU_IOAS_MAP_FIXED_IOVA, cmd.iova);
	if (!iova)
		return -iova.error();
	cmd.iova = *iova;
	return respond(u, sizeof(cmd));
}

/* iova 0 with length UINT64_MAX is everything (nothing mapped is fine);
 * any other range must hold something, whole areas only. */
long IommufdCommands::unmap(Ucmd &u)
{
	auto &cmd = u.as<iommu_ioas_unmap>();
	auto ioas = C::find_ioas(u.ictx, cmd.ioas_id);
	if (!ioas)
		return -ENOENT;
	std::vector<std::shared_ptr<DmabufImport>> doomed;
	Result<uint64_t> done = err(EINVAL);
	if (cmd.iova == 0 && cmd.length == UINT64_MAX) {
		done = ioas->ioas->unmap(0, UINT64_MAX, doomed);
	} else {
		if (cmd.iova >= UINT64_MAX || cmd.length >= UINT64_MAX)
			return -EOVERFLOW;
		if (!cmd.length)
			return -EINVAL;
		uint64_t last = cmd.iova + (cmd.length - 1);
		if (last < cmd.iova)
			return -EOVERFLOW;
		done = ioas->ioas->unmap(cmd.iova, last, doomed);
		if (done && !*done)
			done = err(ENOENT);
	}
	if (!done)
		return -done.error();
	cmd.length = *done;
	return respond(u, sizeof(cmd));
}

long IommufdCommands::copy(Ucmd &u)
{
	auto &cmd = u.as<iommu_ioas_copy>();
	if (long r = common_checks(cmd.flags, cmd.length, cmd.src_iova, cmd.dst_iova); r)
		return r;
	auto src = C::find_ioas(u.ictx, cmd.src_ioas_id);
	if (!src)
		return -ENOENT;
	auto pieces = src->ioas->pieces(cmd.src_iova, cmd.length);
	if (!pieces)
		return -pieces.error();
	auto dst = C::find_ioas(u.ictx, cmd.dst_ioas_id);
	if (!dst)
		return -ENOENT;
	auto iova = dst->ioas->map_pieces(*pieces, cmd.length, prot_of(cmd.flags),
					 cmd.flags & IOMMU_IOAS_MAP_FIXED_IOVA, cmd.dst_iova);
	if (!iova)
		return -iova.error();
	cmd.dst_iova = *iova;
	return respond(u, sizeof(cmd));
}

} /* namespace softvfio::vfio */
