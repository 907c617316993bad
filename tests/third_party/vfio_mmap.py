# SPDX-License-Identifier: MIT
"""What a Python program does with VFIO through ctypes and the standard
library alone, run under `softvfio run`: find the device's group in sysfs,
open the container and group, take the device fd with
VFIO_GROUP_GET_DEVICE_FD, map a BAR with mmap.mmap(device_fd, ...), export
a DMABUF of the same page with VFIO_DEVICE_FEATURE and map that too, and
check both mappings and pread show the same bytes.

usage: vfio_mmap.py <bdf> [bar, default 0]; prints PASS/FAIL lines, exits 1 on a failure.
"""
import ctypes
import fcntl
import mmap
import os
import stat
import struct
import sys

# uAPI values (include/softvfio/uapi/vfio*.h, the kernel's).
VFIO_TYPE1v2_IOMMU = 3
VFIO_SET_IOMMU = 0x3B66
VFIO_GROUP_SET_CONTAINER = 0x3B68
VFIO_GROUP_GET_DEVICE_FD = 0x3B6A
VFIO_DEVICE_GET_REGION_INFO = 0x3B6C
VFIO_DEVICE_FEATURE = 0x3B75
VFIO_DEVICE_FEATURE_GET = 1 << 16
VFIO_DEVICE_FEATURE_DMA_BUF = 11

failures = 0


def check(ok, what):
    global failures
    print(("PASS: " if ok else "FAIL: ") + what, flush=True)
    if not ok:
        failures += 1


def main(bdf, bar_index):
    libc = ctypes.CDLL(None, use_errno=True)
    group = os.path.basename(os.readlink(f"/sys/bus/pci/devices/{bdf}/iommu_group"))
    container = os.open("/dev/vfio/vfio", os.O_RDWR | os.O_CLOEXEC)
    group_fd = os.open(f"/dev/vfio/{group}", os.O_RDWR | os.O_CLOEXEC)
    fcntl.ioctl(group_fd, VFIO_GROUP_SET_CONTAINER, struct.pack("i", container))
    fcntl.ioctl(container, VFIO_SET_IOMMU, VFIO_TYPE1v2_IOMMU)
    libc.ioctl.argtypes = [ctypes.c_int, ctypes.c_ulong, ctypes.c_void_p]
    name = ctypes.create_string_buffer(bdf.encode())
    device = libc.ioctl(group_fd, VFIO_GROUP_GET_DEVICE_FD, ctypes.addressof(name))
    check(device >= 0, f"VFIO_GROUP_GET_DEVICE_FD: {device} ({os.strerror(ctypes.get_errno())})")
    if device < 0:
        return

    st = os.fstat(device)
    check(stat.S_IFMT(st.st_mode) == 0, f"fstat of the device fd is an anonymous inode (mode {st.st_mode:o})")
    check(os.readlink(f"/proc/self/fd/{device}") == "anon_inode:[vfio-device]", "its /proc/self/fd link")

    info = bytearray(struct.pack("IIIIQQ", 32, 0, bar_index, 0, 0, 0))
    fcntl.ioctl(device, VFIO_DEVICE_GET_REGION_INFO, info)
    _, _, _, _, size, offset = struct.unpack("IIIIQQ", info)
    check(size >= mmap.PAGESIZE, f"BAR {bar_index}: {size:#x} bytes at region offset {offset:#x}")

    # mmap.mmap checks the length against st_size only for a regular file.
    bar = mmap.mmap(device, mmap.PAGESIZE, mmap.MAP_SHARED, mmap.PROT_READ | mmap.PROT_WRITE, offset=offset)
    bar[0:8] = struct.pack("Q", 0x5F0F1DE17C0FFEE5)
    check(os.pread(device, 8, offset) == bar[0:8], "mmap.mmap of the device fd: a store shows in pread")

    req = struct.pack("IIIIIIQQ", 16 + 32, VFIO_DEVICE_FEATURE_GET | VFIO_DEVICE_FEATURE_DMA_BUF,
                      bar_index, os.O_RDWR | os.O_CLOEXEC, 0, 1, 0, mmap.PAGESIZE)
    buf = ctypes.create_string_buffer(req, len(req))
    dmabuf = libc.ioctl(device, VFIO_DEVICE_FEATURE, ctypes.addressof(buf))
    check(dmabuf >= 0, f"VFIO_DEVICE_FEATURE_DMA_BUF: {dmabuf} ({os.strerror(ctypes.get_errno())})")
    if dmabuf < 0:
        return
    check(os.lseek(dmabuf, 0, os.SEEK_END) == mmap.PAGESIZE, "the DMABUF's size from lseek(SEEK_END)")
    os.lseek(dmabuf, 0, os.SEEK_SET)
    check(os.fstat(dmabuf).st_size == mmap.PAGESIZE, "and from fstat")
    view = mmap.mmap(dmabuf, mmap.PAGESIZE, mmap.MAP_SHARED, mmap.PROT_READ | mmap.PROT_WRITE)
    check(view[0:8] == bar[0:8], "mmap.mmap of the DMABUF shows the BAR's bytes")
    view[8:16] = b"softvfio"
    check(bar[8:16] == b"softvfio", "a store through the DMABUF shows in the BAR mapping")
    view.close()
    bar.close()
    for fd in (dmabuf, device, group_fd, container):
        os.close(fd)


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 0)
    print("RESULT: " + ("FAIL %d" % failures if failures else "PASS"))
    sys.exit(1 if failures else 0)
