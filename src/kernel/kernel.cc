/* SPDX-License-Identifier: MIT */
/*
 * Kernel: device registry and the fd entry points (open, close, dup, ioctl,
 * read, write, lseek). Objects it does not own go to the real syscalls.
 */
#include <softvfio/kernel.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <fcntl.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "base/host_process.h"
#include "base/memfd.h"
#include "base/user_copy.h"
#include "dmabuf/deferred_release.h"
#include "dmabuf/sync_file.h"
#include "kernel/kernel_impl.h"
#include "kernel/kernel_sriov.h"
#include "pci/pci_function.h"
#include "vfio/device_file.h"

namespace softvfio {

namespace {

/* Bus addresses for auto-assigned BARs: each device gets its own window. */
constexpr uint64_t kBusWindowBase = 0x0000'0100'0000'0000ull;
constexpr uint64_t kBusWindowSize = 0x0000'0010'0000'0000ull;

bool parse_bdf(std::string_view bdf, unsigned &dom, unsigned &bus, unsigned &dev, unsigned &fn)
{
	std::string s(bdf);
	char tail;
	if (std::sscanf(s.c_str(), "%4x:%2x:%2x.%1x%c", &dom, &bus, &dev, &fn, &tail) != 4)
		return false;
	return s.size() == 12 && dev < 32 && fn < 8;
}

std::string format_bdf(unsigned dom, unsigned bus, unsigned dev, unsigned fn)
{
	char buf[16];
	std::snprintf(buf, sizeof(buf), "%04x:%02x:%02x.%x", dom, bus, dev, fn);
	return buf;
}

/* A trapped access through one of this process's register mappings (the
 * in-process model's, mm/local_traps.h): what Kernel::register_access
 * does for the calling process, on this Kernel's own. */
long local_register_access(void *owner, uintptr_t address, unsigned width, bool write, uint64_t *value)
{
	auto *impl = static_cast<Kernel::Impl *>(owner);
	auto r = impl->main.mm.register_access(address, width, *value, write);
	if (!r)
		return -r.error();
	if (!write)
		*value = *r;
	return 0;
}

/*
 * This process's memory as a read or write of a model file reaches it in
 * process: what the session's RegisterCopyHost is for a client
 * (session/remote_process.h). A buffer in one of this Kernel's register
 * mappings (laid PROT_NONE and trapped, mm/local_traps.h) faults in the
 * guard's copy; Linux's copy_to_user/copy_from_user fault there too and
 * vfio's fault handler lets them through to the device. So a page the
 * guarded copy cannot reach is made as register accesses through the Mm
 * (Mm::register_copy: protection, the VMA's state, the device file's or
 * the DMABUF's checks); anything that is no live register VMA of the
 * process stays EFAULT, never a signal.
 *
 * Around read, write, pread, pwrite and ioctl of a model file. A register
 * access takes mmap_lock, the buffer's resv and memory_lock; a copy made
 * while the thread holds one of those (base/tracked_mutex.h counts them)
 * is refused by Mm::register_copy with EFAULT before any access, so a
 * handler's copy under such a lock keeps the guard's plain EFAULT, and
 * the copies handlers make before they lock (nearly all) reach the
 * registers (docs/trap.md).
 */
class LocalRegisterCopies final : public HostProcessView
{
public:
	explicit LocalRegisterCopies(mm::Mm &mm) : HostProcessView(self_process()), mm_(mm) {}

	/* Not "self": HostScope makes only another process current, and the
	 * user copies must come here. */
	bool is_self() const override { return false; }
	Result<void> read_memory(void *dst, uintptr_t src, size_t n) override
	{
		return copy(static_cast<unsigned char *>(dst), src, n, false);
	}
	Result<void> write_memory(uintptr_t dst, const void *src, size_t n) override
	{
		return copy(static_cast<unsigned char *>(const_cast<void *>(src)), dst, n, true);
	}
	/* This view ends with the call; what lasts is this process, which
	 * current_remote_host_ref() names as null. */
	std::shared_ptr<HostProcess> lasting_ref() override { return nullptr; }

private:
	/* The guard's copy of the whole buffer first (plain memory costs
	 * what it did); only when it faults, page by page up to the first
	 * page it cannot reach, the rest through the registers. Redoing the
	 * pages of plain memory before the fault copies the same bytes again;
	 * a register page is never half made by the guard, since it is laid
	 * PROT_NONE and its first byte faults. */
	Result<void> copy(unsigned char *local, uintptr_t user, size_t n, bool store)
	{
		/* The guard's own copies, here and in any copy the model makes
		 * inside a register access (under the device's locks): no
		 * register access nests in another. */
		HostScope plain(self_process());
		return mm_.copy_through_registers(user, local, n, store, [&](unsigned char *l, uintptr_t u, size_t k) {
			return copy_user_prefix(l, u, k, store);
		});
	}

	mm::Mm &mm_;
};

/* A read, write or ioctl of a model file in process, with a buffer in a
 * register mapping copied through the registers. The session kernel sets
 * its own view of the client around the same calls (session/dispatch.cc). */
template<typename Body>
long with_register_copies(Kernel::Impl &impl, Body &&body)
{
	if (current_remote_host() || !impl.in_process())
		return body();
	LocalRegisterCopies copies(impl.current().mm);
	HostScope scope(copies);
	return body();
}

/* FIOCLEX and friends act on the real stand-in whatever its kind. */
bool is_generic_vfs_ioctl(unsigned long cmd)
{
	return cmd == FIOCLEX || cmd == FIONCLEX || cmd == FIONBIO || cmd == FIOASYNC;
}

} /* namespace */

Kernel::Impl::Impl(const KernelOptions &opts)
	: options(opts), open_files(std::make_shared<vfs::OpenFiles>()),
	  main(self_process_ref(), vfs::local_fd_space(), open_files,
	       vfs::FdTable::Options{.verify_identity = opts.verify_fd_identity},
	       mm::HugeOrders{opts.pmd_order, opts.pud_order},
	       mm::make_local_host(mm::RegisterPort{&local_register_access, this})),
	  vfio(std::make_shared<vfio::VfioCore>(
		  vfio::AccessConfig{opts.access.group, opts.access.noiommu, opts.access.cdev, opts.access.iommufd},
		  main.context()))
{
}

std::unique_ptr<Process> Kernel::Impl::make_process(std::shared_ptr<HostProcess> process,
						    std::shared_ptr<vfs::FdSpace> space, std::unique_ptr<mm::Host> host)
{
	return std::make_unique<Process>(std::move(process), std::move(space), open_files,
					 vfs::FdTable::Options{.verify_identity = options.verify_fd_identity},
					 mm::HugeOrders{options.pmd_order, options.pud_order}, std::move(host));
}

std::shared_ptr<vfio::VfioPciDevice> Kernel::Impl::find_device(std::string_view bdf)
{
	std::lock_guard guard(devices_lock);
	auto it = devices.find(bdf);
	return it == devices.end() ? nullptr : it->second.device;
}

Kernel::Kernel(KernelOptions options) : impl_(std::make_unique<Impl>(options)) {}

/* Releases queued on the release thread may still refer to this Kernel's
 * devices: let them run first. */
Kernel::~Kernel()
{
	dmabuf::flush_deferred_releases();
}

/* Under devices_lock; the sysfs view is refreshed after it is released. */
Result<std::string> add_device_locked(Kernel::Impl &impl, const DeviceDescription &desc,
				      const DeviceOptions &options, const VirtfnOf *physfn)
{
	std::string bdf = options.bdf;
	unsigned dom, bus, dev, fn;
	if (bdf.empty()) {
		do
			bdf = format_bdf(impl.options.domain, 0, impl.next_slot++, 0);
		while (impl.devices.count(bdf));
	} else if (!parse_bdf(bdf, dom, bus, dev, fn)) {
		return err(EINVAL);
	}
	if (impl.devices.count(bdf))
		return err(EEXIST);
	parse_bdf(bdf, dom, bus, dev, fn);

	unsigned index = impl.next_vfio_index;
	auto function = pci::PciFunction::create(desc, kBusWindowBase + index * kBusWindowSize);
	if (!function)
		return err(function.error());
	/* A PF's VF BAR apertures: the upper half of its window. */
	assign_vf_bar_apertures(**function, kBusWindowBase + index * kBusWindowSize + kBusWindowSize / 2);

	/* Functions that can be bus-reset share a set with their bus. */
	std::string set_key = desc.bus_reset ? bdf.substr(0, 7) : bdf;
	auto &set = impl.dev_sets[set_key];
	if (!set)
		set = std::make_shared<vfio::DeviceSet>();

	vfio::DeviceSetup setup;
	setup.bdf = bdf;
	setup.vfio_index = index;
	setup.iommu_group = options.iommu_group.value_or(impl.next_group);
	setup.profile = &profile(options.profile);
	/* A VF's memory decode follows its PF (pdev->no_command_memory). */
	setup.no_command_memory = options.no_command_memory || desc.virtual_function;
	if (physfn)
		setup.physfn = physfn->device;
	setup.dmabuf_config = options.dmabuf_config;
	setup.dmabuf_support = options.dmabuf_support;
	setup.zap_bars_on_revoke = options.zap_bars_on_revoke;
	setup.map_and_fault_on_temp = options.map_and_fault_on_temp;
	setup.dev_set = set;
	setup.domain = &impl;
	auto device = vfio::VfioPciDevice::create(std::move(*function), std::move(setup));
	if (!device)
		return err(device.error());

	set->add(*device);
	impl.next_vfio_index++;
	if (!options.iommu_group)
		impl.next_group++;
	DeviceEntry &entry = impl.devices[bdf];
	entry.device = *device;
	entry.description = desc.name;
	entry.options = options;
	if (physfn) {
		/* vfio_pci_bus_notifier(): the PF's driver captures its VFs. */
		entry.physfn = physfn->bdf;
		entry.driver_override = "vfio-pci";
		impl.vfio->bind(*device);
		return bdf;
	}
	/* A new device comes up bound to vfio-pci. */
	impl.vfio->add_device(*device);
	return bdf;
}

Result<std::string> Kernel::add_device(const DeviceDescription &desc, const DeviceOptions &options)
{
	Result<std::string> bdf = err(EINVAL);
	{
		std::lock_guard guard(impl_->devices_lock);
		bdf = add_device_locked(*impl_, desc, options);
	}
	if (bdf)
		impl_->refresh_sysfs();
	return bdf;
}

std::vector<std::string> Kernel::devices() const
{
	std::lock_guard guard(impl_->devices_lock);
	std::vector<std::string> out;
	for (auto &[bdf, entry] : impl_->devices)
		out.push_back(bdf);
	return out;
}

long Kernel::open_device(std::string_view bdf)
{
	auto device = impl_->find_device(bdf);
	if (!device || !impl_->vfio->bound(*device))
		return -ENODEV;
	Process &caller = impl_->current();
	auto standin = caller.fds.reserve(vfs::StandinSpec{.name = "vfio-device"});
	if (!standin)
		return -standin.error();
	auto file = vfio::DeviceFile::open(device, caller.context(), "anon_inode:[vfio-device]");
	if (!file)
		return -file.error();
	return to_syscall(caller.fds.install(std::move(*file), std::move(*standin)));
}

long Kernel::close(int fd)
{
	long r = to_syscall(impl_->current().fds.close(fd));
	/* It may have been a sync_file's last fd: release its other end. */
	dmabuf::sync_file_prune();
	return r;
}

long Kernel::dup(int fd)
{
	return fcntl_dupfd(fd, 0, false);
}

long Kernel::dup2(int oldfd, int newfd)
{
	if (oldfd == newfd) {
		auto file = impl_->file(oldfd);
		return file ? newfd : -file.error();
	}
	return dup3(oldfd, newfd, 0);
}

long Kernel::dup3(int oldfd, int newfd, int flags)
{
	if (oldfd == newfd)
		return -EINVAL;
	return to_syscall(impl_->current().fds.dup3(oldfd, newfd, flags));
}

long Kernel::fcntl_dupfd(int fd, int min_fd, bool cloexec)
{
	return to_syscall(impl_->current().fds.dup(fd, min_fd, cloexec));
}

long Kernel::ioctl(int fd, unsigned long cmd, uintptr_t arg)
{
	auto file = impl_->file(fd);
	if (!file)
		return -file.error();
	if (!*file || is_generic_vfs_ioctl(cmd)) {
		if (!impl_->in_process())
			return kForeign;
		long r = ::ioctl(fd, cmd, arg);
		return r < 0 ? -errno : r;
	}
	/* ioctl numbers are 32 bits in the kernel. */
	return with_register_copies(*impl_, [&] { return (*file)->ioctl(static_cast<unsigned int>(cmd), arg); });
}

long Kernel::pread(int fd, void *buf, size_t count, off_t offset)
{
	auto file = impl_->file(fd);
	if (!file)
		return -file.error();
	if (!*file) {
		if (!impl_->in_process())
			return kForeign;
		ssize_t r = ::pread(fd, buf, count, offset);
		return r < 0 ? -errno : r;
	}
	if (offset < 0)
		return -EINVAL;
	if (!(*file)->readable())
		return -EBADF;
	return with_register_copies(*impl_, [&] { return (*file)->read(buf, count, static_cast<uint64_t>(offset)); });
}

long Kernel::pwrite(int fd, const void *buf, size_t count, off_t offset)
{
	auto file = impl_->file(fd);
	if (!file)
		return -file.error();
	if (!*file) {
		if (!impl_->in_process())
			return kForeign;
		ssize_t r = ::pwrite(fd, buf, count, offset);
		return r < 0 ? -errno : r;
	}
	if (offset < 0)
		return -EINVAL;
	if (!(*file)->writable())
		return -EBADF;
	return with_register_copies(*impl_, [&] { return (*file)->write(buf, count, static_cast<uint64_t>(offset)); });
}

long Kernel::read(int fd, void *buf, size_t count)
{
	auto file = impl_->file(fd);
	if (!file)
		return -file.error();
	if (!*file) {
		if (!impl_->in_process())
			return kForeign;
		ssize_t r = ::read(fd, buf, count);
		return r < 0 ? -errno : r;
	}
	if (!(*file)->readable())
		return -EBADF;
	long r = with_register_copies(*impl_, [&] { return (*file)->read(buf, count, (*file)->pos.load()); });
	if (r > 0)
		(*file)->pos += static_cast<uint64_t>(r);
	return r;
}

long Kernel::write(int fd, const void *buf, size_t count)
{
	auto file = impl_->file(fd);
	if (!file)
		return -file.error();
	if (!*file) {
		if (!impl_->in_process())
			return kForeign;
		ssize_t r = ::write(fd, buf, count);
		return r < 0 ? -errno : r;
	}
	if (!(*file)->writable())
		return -EBADF;
	long r = with_register_copies(*impl_, [&] { return (*file)->write(buf, count, (*file)->pos.load()); });
	if (r > 0)
		(*file)->pos += static_cast<uint64_t>(r);
	return r;
}

long Kernel::lseek(int fd, off_t offset, int whence)
{
	auto file = impl_->file(fd);
	if (!file)
		return -file.error();
	if (!*file) {
		if (!impl_->in_process())
			return kForeign;
		off_t r = ::lseek(fd, offset, whence);
		return r < 0 ? -errno : r;
	}
	return (*file)->llseek(offset, whence);
}

bool Kernel::owns_fd(int fd)
{
	auto file = impl_->file(fd);
	return file && *file;
}

void Kernel::forget_fd(int fd)
{
	impl_->current().fds.forget(fd);
	dmabuf::sync_file_prune();
}

bool Kernel::owns_address(const void *addr, size_t length)
{
	return impl_->current().mm.contains(reinterpret_cast<uintptr_t>(addr), length);
}

Result<bool> Kernel::request_device(std::string_view bdf)
{
	auto device = impl_->find_device(bdf);
	if (!device)
		return err(ENODEV);
	return device->request_release();
}

} /* namespace softvfio */
