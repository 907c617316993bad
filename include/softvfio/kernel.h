/* SPDX-License-Identifier: MIT */
/*
 * softvfio::Kernel: the model's syscall table.
 *
 * Software vfio-pci devices are added to a Kernel, and everything else goes
 * through syscall-shaped entry points that take the raw uAPI structs and
 * answer like the kernel: a value, or -errno. The LD_PRELOAD shim and the
 * client library's in-process backend both sit on exactly these calls, so
 * there is one path and one set of rules.
 *
 * Every fd the Kernel hands out is a real kernel fd standing in for the
 * emulated object; fds and addresses it does not own are passed through to
 * the real system calls, so a Kernel can front a whole program.
 */
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <sys/types.h>
#include <vector>

#include <softvfio/base/result.h>
#include <softvfio/device_description.h>
#include <softvfio/importer.h>
#include <softvfio/introspection.h>
#include <softvfio/profile.h>

namespace softvfio {

struct DeviceOptions {
	/* "dddd:bb:dd.f"; empty: the next free address in the software
	 * devices' own PCI domain (KernelOptions::domain). */
	std::string bdf;
	ProfileId profile = ProfileId::SeriesV4;
	std::optional<unsigned> iommu_group;
	bool no_command_memory = false;
	bool dmabuf_config = true;       /* CONFIG_VFIO_PCI_DMABUF */
	bool dmabuf_support = true;      /* driver provides DMABUF export */
	bool zap_bars_on_revoke = false;
	/* docs/semantics.md §7 item 2: let DMABUF mmap succeed on TEMP
	 * buffers (map and fault). An experiment; never the default. */
	bool map_and_fault_on_temp = false;
};

/* Which device nodes exist: the legacy container and groups
 * (CONFIG_VFIO_GROUP/CONTAINER), no-IOMMU groups and cdevs
 * (CONFIG_VFIO_NOIOMMU, enable_unsafe_noiommu_mode), device cdevs and
 * /dev/iommu (CONFIG_VFIO_DEVICE_CDEV, CONFIG_IOMMUFD). */
struct AccessPaths {
	bool group = true;
	bool noiommu = false;
	bool cdev = true;
	bool iommufd = true;
};

/* A device node or directory the model serves (for stat and readdir). */
struct NodeInfo {
	bool directory = false;
	mode_t mode = 0;          /* type and permission bits, as stat reports */
	unsigned major = 0;
	unsigned minor = 0;
	/* False for a path in the model's namespace (/dev/vfio/..., /dev/iommu)
	 * that this configuration lacks: stat must fail with ENOENT (mode is
	 * then 0). */
	bool exists = true;
	/* The owner. The nodes an administrator hands to the user of VFIO
	 * (a group's, a device's cdev, /dev/iommu: chown in a udev rule)
	 * belong to the user the model runs for; directories and the
	 * container (0666) are root's. */
	uid_t uid = 0;
	gid_t gid = 0;
};

struct KernelOptions {
	unsigned pmd_order = 9;          /* x86-64 with 4 KiB pages */
	unsigned pud_order = 18;
	/* The PCI domain of software devices, chosen so they never collide
	 * with a machine's real devices. */
	uint16_t domain = 0x5f00;
	/* Check a stand-in's identity on every fd lookup (one fstat each). */
	bool verify_fd_identity = false;
	/* Where the sysfs view is rendered; empty: a new directory under
	 * $XDG_RUNTIME_DIR or /tmp (the session kernel puts it in the
	 * session's directory). */
	std::string sysfs_dir;
	/* The ways in that exist, as kernel configuration decides them
	 * (docs/semantics.md §1.1: not part of a profile). A way in that
	 * does not exist has no device nodes (ENOENT). */
	AccessPaths access;
};

/* What a Kernel holds for its own process (the in-process model), counted
 * by the model itself: cheap enough to read after every test case or fuzz
 * input (Kernel::resources()). */
struct KernelResources {
	size_t fds = 0;            /* emulated fd numbers of the Kernel's process */
	size_t mappings = 0;       /* emulated mappings of the Kernel's process */
	size_t files = 0;          /* live emulated open files, any kind and any process */
	size_t buffers = 0;        /* live DMABUFs of its devices, hidden ones included */
	size_t device_files = 0;   /* open device files (the devices' open counts) */
	size_t unbound_devices = 0; /* devices not bound to vfio-pci */
	bool operator==(const KernelResources &) const = default;
};

class Kernel
{
public:
	explicit Kernel(KernelOptions options = {});
	~Kernel();
	Kernel(const Kernel &) = delete;
	Kernel &operator=(const Kernel &) = delete;

	/* Add a device; returns its BDF. EINVAL for a bad or taken BDF. */
	Result<std::string> add_device(const DeviceDescription &desc, const DeviceOptions &options = {});
	std::vector<std::string> devices() const;

	/* --- entry points: a value, or -errno --- */

	/* The device fd VFIO_GROUP_GET_DEVICE_FD would return (O_RDWR,
	 * close-on-exec): the direct way in for in-process users. */
	long open_device(std::string_view bdf);

	long close(int fd);
	long dup(int fd);
	long dup2(int oldfd, int newfd);
	long dup3(int oldfd, int newfd, int flags);
	long fcntl_dupfd(int fd, int min_fd, bool cloexec);

	long ioctl(int fd, unsigned long cmd, uintptr_t arg);
	long ioctl(int fd, unsigned long cmd, void *arg) { return ioctl(fd, cmd, reinterpret_cast<uintptr_t>(arg)); }

	long read(int fd, void *buf, size_t count);
	long write(int fd, const void *buf, size_t count);
	long pread(int fd, void *buf, size_t count, off_t offset);
	long pwrite(int fd, const void *buf, size_t count, off_t offset);
	long lseek(int fd, off_t offset, int whence);

	/* Returns the address (as a long) or -errno. */
	long mmap(void *addr, size_t length, int prot, int flags, int fd, off_t offset);
	long munmap(void *addr, size_t length);
	long mremap(void *old_addr, size_t old_length, size_t new_length, int flags, void *new_addr = nullptr);
	long mprotect(void *addr, size_t length, int prot);
	/* madvise(2) of a range touching emulated mappings: what the kernel
	 * answers for a VM_IO | VM_PFNMAP mapping. */
	long madvise(void *addr, size_t length, int advice);
	/* A load (write false) or store of `width` bytes (1, 2, 4, 8) at
	 * `addr`, in a mapping of device registers, made on the device
	 * model: what a CPU access through the mapping does on hardware.
	 * 0 with the value read in *value (a store takes it from there), or
	 * -EFAULT where the access would raise SIGBUS (not a register
	 * mapping, revoked, memory disabled), -EINVAL for another width. */
	long register_access(void *addr, unsigned width, bool write, uint64_t *value);

	/* --- device nodes and sysfs (the LD_PRELOAD shim's way in) --- */

	/* Returned by open() for a path the model does not serve: the caller
	 * opens it for real. Never a valid fd or -errno. */
	static constexpr long kNotOurs = -100000;
	/* Returned for an fd that is not an emulated one, or an address range
	 * no emulated mapping covers, when the caller is another process (the
	 * session kernel's): that process makes the real call itself. In
	 * process the model makes it. Never a valid result or -errno. */
	static constexpr long kForeign = -100001;

	/* open(2) of /dev/vfio/vfio, /dev/vfio/<group>, /dev/vfio/noiommu-<n>,
	 * /dev/vfio/devices/vfio<n>, /dev/iommu: the new fd, -errno as the
	 * kernel gives it (ENOENT for a node this configuration lacks, EBUSY
	 * for a group already open, ...), or kNotOurs. */
	long open(const char *path, int flags);
	/* stat(2) of a node or of /dev/vfio, /dev/vfio/devices: what the
	 * kernel would report (exists == false: ENOENT), or nothing for a path
	 * outside the model's namespace. Directories are not opened by open():
	 * it answers kNotOurs for them, and list_nodes() gives their entries. */
	std::optional<NodeInfo> node_info(std::string_view path);
	/* The entries of a served directory (/dev/vfio, /dev/vfio/devices). */
	std::vector<std::string> list_nodes(std::string_view dir);

	/* A real directory holding the software devices' sysfs view, laid out
	 * like /sys (bus/pci/devices/<bdf> symlinks, devices/..., kernel/
	 * iommu_groups/<n>, class/vfio-dev, module/vfio*): the shim redirects
	 * those paths into it. Created on first use, kept current as devices
	 * are added. */
	std::string sysfs_root();
	/* A write to a sysfs control file of a software device (driver_override,
	 * bind, unbind, drivers_probe, ...): its side effect, and the byte count
	 * or -errno the kernel returns. `path` is the /sys path as the program
	 * used it. */
	long sysfs_write(std::string_view path, const void *buf, size_t count);

	/* Does `fd` stand in for an emulated object? */
	bool owns_fd(int fd);
	/* The program closed `fd`, or put another file at its number, without
	 * going through the model (fclose, dup2 of a real fd over it): drop what
	 * the number stood for, releasing the object if it was the last. Without
	 * verify_fd_identity the model learns of such changes only this way. */
	void forget_fd(int fd);
	/* Does [addr, addr + length) touch an emulated mapping? */
	bool owns_address(const void *addr, size_t length = 1);

	/* --- introspection --- */
	Result<DeviceState> device_state(std::string_view bdf);
	/* Every emulated mapping; with sync_page_tables, the page-table model
	 * first catches up with the pages the program touched. */
	std::vector<MappingInfo> mappings(bool sync_page_tables = true);
	/* Simulate the CPU fault an access at `addr` would take; the entry
	 * inserted, or EFAULT where the access would raise SIGBUS. */
	Result<PageTableEntryInfo> touch(const void *addr);

	/* The host wants the device back (driver unbind): signal its REQ
	 * eventfd. False if none is registered. */
	Result<bool> request_device(std::string_view bdf);

	/* --- DMABUFs (added with the DMABUF system) --- */

	/* Every live DMABUF of this kernel's devices, exported or hidden,
	 * attached or already cleaned up, by id. */
	std::vector<BufferInfo> buffers();
	/* The id of the buffer behind a dma-buf fd: EBADF for a closed fd,
	 * EINVAL for one that is not a dma-buf. */
	Result<uint64_t> buffer_id(int fd);
	/* An in-process importer attaches to a dma-buf fd (dma_buf_get +
	 * dma_buf_dynamic_attach): EBADF / EINVAL as buffer_id(); EOPNOTSUPP
	 * without peer2peer or revocable support; ENODEV while revoked. */
	Result<std::unique_ptr<Attachment>> attach_dma_buf(int fd, Importer &importer);
	/* Wait until buffers whose last reference was dropped under a lock
	 * (kernel: a deferred fput) are released. */
	void flush_deferred_releases();

	/* --- testing aids --- */

	/* The counters above, for leak checks that cost no /proc read. */
	KernelResources resources();
	/* Forget now what the Kernel keeps of objects already gone and would
	 * forget in batches later (the stand-in identities of closed files,
	 * finished sync_files), as Linux's drop_caches frees reclaimable
	 * memory: a heap measured after it holds live objects only. */
	void drop_caches();
	/* Return to the state the Kernel had right after its devices were
	 * added, so that a test or fuzzer can reuse it (building a Kernel and
	 * its devices costs more than most test cases): every emulated fd of
	 * its own process is closed and every emulated mapping unmapped,
	 * deferred releases are run, vfio-pci's module parameters, dynamic
	 * ids, driver overrides and bindings go back to their defaults, and
	 * every device returns to the state add_device() left (config space,
	 * BAR memory zeroed, register models, power state). The sysfs view is
	 * dropped and made again on next use. Ids that are unique for the
	 * process's life (buffer ids) keep counting, as they do across fresh
	 * Kernels. In process only: EBUSY while something outside the Kernel's
	 * own process holds one of its files or buffers (a session's
	 * processes, an importer's Attachment); the Kernel is then unchanged
	 * except for what was closed. tests/kernel/reset_for_reuse_test.cc
	 * holds it to "indistinguishable from a fresh Kernel". */
	Result<void> reset_for_reuse();

	struct Impl;
	/* The internals, for the session kernel that hosts this Kernel. */
	Impl &impl() { return *impl_; }

private:
	std::unique_ptr<Impl> impl_;
};

} /* namespace softvfio */
