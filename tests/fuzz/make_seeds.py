#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Writes the seed corpora under tests/fuzz/corpus/<target>/.

Each seed is a meaningful input in the target's own encoding (see the
comment at the top of each fuzz_*.cc): valid requests of every ioctl, the
presets' TOML, short realistic sequences. Run it again after changing an
encoding; the files are small and committed.
"""
import pathlib
import struct

HERE = pathlib.Path(__file__).resolve().parent
ROOT = HERE.parent.parent
CORPUS = HERE / "corpus"

VFIO = 0x3B00
def vfio(n): return VFIO | (100 + n)

GET_INFO, REGION_INFO, IRQ_INFO, SET_IRQS, RESET, HOT_INFO, HOT_RESET, IOEVENTFD, FEATURE, REVOKE122 = range(10)
GET, SET, PROBE = 1 << 16, 1 << 17, 1 << 18


def u8(v): return struct.pack("<B", v & 0xff)
def u16(v): return struct.pack("<H", v & 0xffff)
def u32(v): return struct.pack("<I", v & 0xffffffff)
def u64(v): return struct.pack("<Q", v & 0xffffffffffffffff)


def write(target, name, data):
    d = CORPUS / target
    d.mkdir(parents=True, exist_ok=True)
    (d / name).write_bytes(data)


# --- fuzz_device_ioctl: [head] then [cmd][mode][len u16][payload] ---
def rec(cmd, payload, mode=0, extra=b""):
    return u8(cmd) + u8(mode) + u16(len(payload)) + payload + extra


def feature(flags, payload=b""):
    return u32(8 + len(payload)) + u32(flags) + payload


def dmabuf(bar, ranges, open_flags=2):
    body = u32(bar) + u32(open_flags | 0o2000000) + u32(0) + u32(len(ranges))
    for off, length in ranges:
        body += u64(off) + u64(length)
    return body


def device_seeds():
    t = "fuzz_device_ioctl"
    write(t, "get_info", u8(0) + rec(GET_INFO, u32(24) + bytes(20)))
    write(t, "region_info_all", u8(0) + b"".join(rec(REGION_INFO, u32(32) + u32(0) + u32(i) + bytes(20)) for i in range(10)))
    write(t, "region_info_caps", u8(0) + rec(REGION_INFO, u32(256) + u32(0) + u32(4) + bytes(252)))
    write(t, "irq_info", u8(0) + b"".join(rec(IRQ_INFO, u32(16) + u32(0) + u32(i) + u32(0)) for i in range(6)))
    irq = u32(20 + 8) + u32(4 | 32) + u32(2) + u32(0) + u32(2) + u32(0) + u32(1)
    write(t, "set_irqs_msix", u8(0) + rec(SET_IRQS, irq, mode=2) + rec(SET_IRQS, u32(20) + u32(1 | 32) + u32(2) + u32(0) + u32(0)))
    write(t, "set_irqs_intx_mask", u8(0) + rec(SET_IRQS, u32(20) + u32(1 | 8) + u32(0) + u32(0) + u32(1)))
    write(t, "reset", u8(0) + rec(RESET, b""))
    write(t, "hot_reset_info", u8(0) + rec(HOT_INFO, u32(12 + 64) + u32(0) + u32(0) + bytes(64)))
    write(t, "hot_reset", u8(0) + rec(HOT_RESET, u32(16) + u32(0) + u32(1) + u32(0), mode=2))
    write(t, "ioeventfd", u8(0) + rec(IOEVENTFD, u32(32) + u32(4) + u64(0) + u64(1) + u32(1) + u32(0), mode=2))
    write(t, "probe_all", u8(0) + b"".join(rec(FEATURE, feature(i | PROBE | SET)) for i in range(16)))
    write(t, "export", u8(0) + rec(FEATURE, feature(11 | GET, dmabuf(2, [(0, 0x1000), (0x4000, 0x2000)]))))
    write(t, "export_short_argsz", u8(0) + rec(FEATURE, u32(8 + 16) + u32(11 | GET) + dmabuf(2, [(0, 0x1000)])))
    ex = rec(FEATURE, feature(11 | GET, dmabuf(2, [(0, 0x1000)])))
    write(t, "export_revoke_memattr", u8(0) + ex + rec(FEATURE, feature(14 | SET, u32(1) + u32(1)), mode=2)
          + rec(FEATURE, feature(13 | SET, u32(1)), mode=2) + rec(FEATURE, feature(13 | SET, u32(1)), mode=2))
    write(t, "series_v2_revoke", u8(1) + ex + rec(REVOKE122, u32(8) + u32(1), mode=2)
          + rec(FEATURE, feature(13 | GET, u32(1) + u32(0)), mode=2))
    write(t, "low_power", u8(0) + rec(FEATURE, feature(3 | SET)) + rec(GET_INFO, u32(24) + bytes(20))
          + rec(FEATURE, feature(4 | SET, u32(2)), mode=2) + rec(FEATURE, feature(5 | SET)))
    write(t, "linux_6_12", u8(3) + ex + rec(FEATURE, feature(11 | PROBE | GET)))
    write(t, "ivshmem", u8(4) + rec(REGION_INFO, u32(32) + u32(0) + u32(0) + bytes(20)) + rec(RESET, b""))
    write(t, "edu", u8(8) + rec(IRQ_INFO, u32(16) + u32(0) + u32(1) + u32(0)))


def config_seeds():
    t = "fuzz_config"
    def r(op, off, count, val=b""):
        return u8(op) + u16(off) + u8(count) + val
    write(t, "ids", u8(0) + r(0, 0, 4) + r(0, 0x34, 1) + r(0, 0x40, 2))
    write(t, "memory_off_on", u8(0) + r(1, 4, 2, u16(0x0100)) + r(1, 4, 2, u16(0x0106)))
    write(t, "bars", u8(0) + r(1, 0x10, 4, u32(0xffffffff)) + r(0, 0x10, 4) + r(1, 0x18, 8, u64(0xffffffffffffffff)))
    write(t, "pm_d3", u8(0) + r(1, 0x44, 2, u16(3)) + r(1, 0x44, 2, u16(0)) + r(1, 4, 2, u16(6)))
    write(t, "flr", u8(0) + r(1, 0x80 + 8, 2, u16(0x8000)))
    write(t, "rom_bar", u8(0) + r(1, 0x30, 4, u32(0xfffff801)) + r(0, 0x30, 4))
    write(t, "ext_caps", u8(0) + r(0, 0x100, 4) + r(0, 0xffc, 4) + r(0, 0xfff, 8))
    write(t, "ivshmem", u8(1) + r(1, 4, 2, u16(0)) + r(0, 0, 64 % 9))
    write(t, "edu", u8(2) + r(1, 4, 1, u8(0)) + r(0, 0x3c, 2))


def region_seeds():
    t = "fuzz_region_rw"
    def r(op, region, off, count, data=b""):
        return u8(op) + u8(region) + u32(off) + u16(count) + data
    write(t, "bar0_rw", u8(0) + r(1, 0, 0x10, 4, u32(0x12345678)) + r(0, 0, 0x10, 4))
    write(t, "bar2_rw", u8(0) + r(1, 2, 0x1000, 8, u64(1)) + r(0, 2, 0x1000, 8))
    write(t, "memory_off", u8(0) + r(4, 2, 0, 4) + r(1 | 4, 2, 0, 4, u32(7)))
    write(t, "rom", u8(0) + r(0, 6, 0, 64) + r(8, 6, 3, 16))
    write(t, "config", u8(0) + r(0, 7, 0, 256) + r(1, 7, 4, 2, u16(6)))
    write(t, "vga_and_beyond", u8(0) + r(0, 8, 0, 4) + r(0, 9, 0, 4) + r(0, 11, 0, 4))
    write(t, "ivshmem_regs", u8(1) + r(1, 0, 0, 4, u32(0xffffffff)) + r(0, 0, 0, 4) + r(1, 0, 12, 4, u32(1)))
    write(t, "edu_regs", u8(2) + r(0, 0, 0, 4) + r(1, 0, 4, 4, u32(5)) + r(0, 0, 4, 4))
    write(t, "classic", u8(4) + r(16, 2, 0, 4) + r(17, 2, 0, 4, u32(3)))


def mmap_seeds():
    t = "fuzz_mmap"
    def m(fd, addr, length, prot, flags, off):
        return u8(0) + u8(fd) + u32(addr) + u32(length) + u8(prot) + u32(flags) + u64(off)
    def un(kind, sel, pages, extra=b""):
        return u8(3 + kind) + u32(sel) + u16(pages - 1) + extra
    bar2 = 2
    write(t, "bar2_map_unmap", u8(0) + m(0, 0, 3, 3, 1, bar2) + un(0, 1, 1))
    write(t, "dmabuf_map", u8(0) + m(1, 0, 1, 3, 1, 0) + m(2, 0, 0, 1, 1, 0))
    write(t, "ro_writable", u8(0) + m(2, 0, 0, 3, 1, 0))
    write(t, "fixed_in_arena", u8(0) + m(0, 0x100, 3, 3, 1 | 0x10, bar2) + m(1, 0x102, 0, 3, 1 | 0x10, 0))
    write(t, "mprotect", u8(0) + m(0, 0, 3, 3, 1, bar2) + un(1, 1, 1, u8(1)))
    write(t, "mremap_move", u8(0) + m(0, 0, 3, 3, 1, bar2) + un(2, 1, 2, u8(3) + u16(1) + u32(0x200)))
    write(t, "private", u8(0) + m(0, 0, 0, 3, 2, bar2))
    write(t, "classic", u8(3) + m(0, 0, 3, 3, 1, bar2) + un(0, 1, 1))
    write(t, "config_region", u8(0) + m(0, 0, 0, 1, 1, 7))


def access_seeds():
    t = "fuzz_access_paths"
    cmds = ["GET_API_VERSION", "CHECK_EXTENSION", "SET_IOMMU", "IOMMU_GET_INFO", "MAP_DMA", "UNMAP_DMA",
            "ENABLE", "DISABLE", "DIRTY_PAGES", "GROUP_GET_STATUS", "GROUP_SET_CONTAINER",
            "GROUP_UNSET_CONTAINER", "GROUP_GET_DEVICE_FD", "DESTROY", "IOAS_ALLOC", "IOVA_RANGES",
            "ALLOW_IOVAS", "IOAS_MAP", "IOAS_COPY", "IOAS_UNMAP", "OPTION", "VFIO_IOAS", "HWPT_ALLOC",
            "GET_HW_INFO", "SET_DIRTY", "GET_DIRTY", "HWPT_INVALIDATE", "FAULT_QUEUE", "IOAS_MAP_FILE",
            "VIOMMU", "VDEVICE", "CHANGE_PROCESS", "VEVENTQ", "HW_QUEUE", "BIND", "ATTACH", "DETACH",
            "DEV_GET_INFO", "DEV_FEATURE"]
    c = {name: i for i, name in enumerate(cmds)}
    def r(fd, cmd, payload=b"", mode=0, value=0):
        return u8(1) + u8(fd) + u8(c[cmd]) + u8(mode) + u16(len(payload)) + payload + u32(value)
    # fds after the opens: 0 container, 1 group, 2 iommufd, 3 cdev
    write(t, "group_path", u8(0) + r(1, "GROUP_GET_STATUS", u32(8) + u32(0))
          + r(1, "GROUP_SET_CONTAINER", u32(0), mode=2) + r(0, "SET_IOMMU", mode=1, value=3)
          + r(0, "IOMMU_GET_INFO", u32(256) + bytes(252))
          + r(1, "GROUP_GET_DEVICE_FD", mode=8) + r(4, "DEV_GET_INFO", u32(24) + bytes(20)))
    write(t, "map_dma", u8(0) + r(1, "GROUP_SET_CONTAINER", u32(0), mode=2) + r(0, "SET_IOMMU", mode=1, value=3)
          + r(0, "MAP_DMA", u32(32) + u32(3) + u64(0x1000) + u64(0x100000) + u64(0x1000))
          + r(0, "UNMAP_DMA", u32(24) + u32(0) + u64(0x100000) + u64(0x1000)))
    write(t, "check_extension", u8(0) + b"".join(r(0, "CHECK_EXTENSION", mode=1, value=v) for v in range(10)))
    write(t, "iommufd_ioas", u8(0) + r(2, "IOAS_ALLOC", u32(12) + u32(0) + u32(0))
          + r(2, "IOVA_RANGES", u32(24) + u32(1) + u32(0) + u32(0) + u64(0))
          + r(2, "IOAS_MAP", u32(40) + u32(3) + u32(1) + u32(0) + u64(0x1000) + u64(0x1000) + u64(0x10000))
          + r(2, "IOAS_UNMAP", u32(32) + u32(1) + u64(0x10000) + u64(0x1000))
          + r(2, "DESTROY", u32(8) + u32(1)))
    write(t, "cdev_bind", u8(0) + r(2, "IOAS_ALLOC", u32(12) + u32(0) + u32(0))
          + r(3, "BIND", u32(24) + u32(0) + u32(0) + u32(0) + u64(0), mode=2, value=2)
          + r(3, "ATTACH", u32(16) + u32(0) + u32(1) + u32(0))
          + r(3, "DEV_GET_INFO", u32(24) + bytes(20)) + r(3, "DETACH", u32(12) + u32(0) + u32(0)))
    write(t, "hw_info", u8(0) + r(2, "GET_HW_INFO", u32(32) + u32(0) + u32(0) + u32(0) + u64(0) + u32(0) + u32(0)))
    write(t, "noiommu", u8(8) + r(0, "SET_IOMMU", mode=1, value=8) + r(1, "GROUP_GET_STATUS", u32(8) + u32(0)))
    write(t, "cdev_only", u8(1) + r(0, "IOAS_ALLOC", u32(12) + bytes(8)))


def description_seeds():
    t = "fuzz_description"
    for f in sorted((ROOT / "devices").glob("*.toml")):
        write(t, f.stem, f.read_bytes())
    write(t, "minimal", b'name = "m"\nvendor_id = 0x1234\ndevice_id = 1\n')
    write(t, "io_bar", b'name = "io"\nvendor_id = 1\ndevice_id = 2\n[[bar]]\nindex = 1\nkind = "io"\nsize = 256\n')
    write(t, "msi_only", b'name = "msi"\nvendor_id = 1\ndevice_id = 2\ninterrupt_pin = 1\n[msi]\nvectors = 4\n'
          b'[[bar]]\nindex = 0\nkind = "mem32"\nsize = "4KiB"\n')


def sequence_seeds():
    t = "fuzz_sequence"
    OPEN, CLOSE_DEV, DUP, EXPORT, MAP_BAR, MAP_BUF, MUNMAP, MPROTECT, REVOKE, MEMATTR, CLOSE_BUF, TRIGGER, IMP = range(13)
    def op(code, *args):
        return u8(code) + b"".join(u8(a) for a in args)
    base = op(OPEN, 0) + op(EXPORT, 0, 0, 0, 0)
    write(t, "export_map_revoke", base + op(MAP_BUF, 0, 0, 0, 0) + op(REVOKE, 0, 0, 0) + op(MAP_BUF, 0, 0, 0, 0))
    write(t, "bar_map_memory_off", op(OPEN, 0) + op(MAP_BAR, 0, 0, 0, 1) + op(TRIGGER, 0, 0) + op(TRIGGER, 0, 0))
    write(t, "close_under_mapping", op(OPEN, 0) + op(MAP_BAR, 0, 1, 0, 0) + base[2:] + op(MAP_BUF, 0, 0, 0, 0)
          + op(CLOSE_DEV, 0) + op(MUNMAP, 0, 0))
    write(t, "cross_device", op(OPEN, 0) + op(OPEN, 1) + op(EXPORT, 0, 0, 0, 0) + op(REVOKE, 0, 1, 0)
          + op(MEMATTR, 0, 1, 1) + op(MEMATTR, 0, 0, 2))
    write(t, "importer", base + op(IMP, 0, 0) + op(IMP, 1, 0) + op(REVOKE, 0, 0, 0) + op(IMP, 1, 0) + op(IMP, 3, 0))
    write(t, "d3_flr_reset", op(OPEN, 0) + base[2:] + op(TRIGGER, 0, 1, 1) + op(TRIGGER, 0, 1, 0)
          + op(TRIGGER, 0, 2) + op(TRIGGER, 0, 3) + op(TRIGGER, 0, 0))
    write(t, "low_power", base + op(MAP_BUF, 0, 0, 0, 0) + op(TRIGGER, 0, 4) + op(TRIGGER, 0, 4) + op(TRIGGER, 0, 5))
    write(t, "dup_close", base + op(DUP, 0, 0) + op(CLOSE_BUF, 0) + op(DUP, 1, 0) + op(CLOSE_DEV, 0)
          + op(MAP_BUF, 0, 0, 0, 0))
    write(t, "split", op(OPEN, 1) + op(MAP_BAR, 0, 0, 0, 3) + op(MUNMAP, 0, 1) + op(MPROTECT, 0, 0)
          + op(TRIGGER, 0, 0) + op(MUNMAP, 0, 2))


def session_seeds():
    t = "fuzz_session"
    CALL, PUMP, GOOD, JOIN, CLOSE, DUP, POKE, ACK, KILL, STOP, POST, SCRATCH = range(12)
    A, B = 0, 1
    (CONTAINER, GROUP, SET_CONTAINER, SET_IOMMU, DEVICE, EXPORT, MAP_BAR, MAP_BUF, MUNMAP, MEMORY, REVOKE,
     CLOSE_NAMED, REGION_INFO, FORK, CDEV, QUERY) = range(16)
    (Open, NodeInfo, ListNodes, SysfsRoot, SysfsWrite, Ioctl, Read, Write, Pread, Pwrite, Lseek, Mmap, Munmap,
     Mremap, Mprotect, Madvise, Closed, ClosedRange, Identify, Fcntl, LinkName, ForkPrepare, ExecPrepare,
     ExecFailed, Resync, Mappings, BufferOf, ForkDone) = range(1, 29)
    PROPER, ERROR, WRONG_SEQ, WRONG_KIND, HOSTILE, NONE, RAW = 0, 10, 11, 12, 13, 14, 15

    def good(p, m, param=0, slot=0):
        return u8(GOOD) + u8(p) + u8(m | (slot << 4)) + u8(param)

    # Arguments: a selector byte (% 10) and its value (session_driver.cc, Driver::arg).
    def small(v): return u8(0) + u8(v)
    def fd(i): return u8(1) + u8(i)
    def scratch(off): return u8(2) + u16(off)
    def special(i): return u8(4) + u8(i)   # kSpecial: 6 4096, 7 0x10000, 8 O_RDWR, 9 PROT_RW, 10 MAP_SHARED,
    def path(i): return u8(8) + u8(i)      # 11 MAP_SHARED|MAP_FIXED, 21 INT_MAX, 23 BAR2, 24 config + 4
    def region(i): return u8(9) + u8(i << 1)
    def w64(v): return u8(7) + u64(v)

    def call(p, k, op, args, mode=0, policies=b""):
        args = list(args) + [small(0)] * (6 - len(args))
        return u8(CALL) + u8(p) + u8(k) + u8(op - 1) + b"".join(args) + u8(mode) + policies

    device = (good(A, CONTAINER) + good(A, GROUP) + good(A, SET_CONTAINER) + good(A, SET_IOMMU) + good(A, DEVICE))
    write(t, "device_lifecycle", device + good(A, REGION_INFO, 2) + good(A, MAP_BAR, 4) + good(A, EXPORT)
          + good(A, MAP_BUF) + good(A, MEMORY, 0) + good(A, MEMORY, 1) + good(A, REVOKE) + good(A, MUNMAP)
          + good(A, CLOSE_NAMED, 2) + good(A, CLOSE_NAMED, 3) + good(A, CLOSE_NAMED, 1) + good(A, CLOSE_NAMED, 0))
    shared = device + good(A, EXPORT) + good(A, MAP_BUF) + good(A, MAP_BAR) + good(A, FORK, 0, 3)
    write(t, "fork_then_revoke", shared + good(A, MEMORY, 0) + good(A, REVOKE, 0, 2) + good(B, QUERY, 0)
          + u8(KILL) + u8(A) + good(B, QUERY, 1) + good(B, MEMORY, 1))
    write(t, "fork_child_never_acks", shared + u8(ACK) + u8(B) + u8(1) + good(A, MEMORY, 0, 5)
          + good(A, MEMORY, 1, 6) + u8(ACK) + u8(B) + u8(2) + good(A, REVOKE))
    write(t, "wrong_seq_then_exec", call(A, 3, Open, [path(0), special(8)], 0, u8(WRONG_SEQ) + u8(0))
          + good(A, CONTAINER, 0, 3))
    write(t, "wrong_kind", call(A, 0, Open, [path(0), special(8)], 0, u8(WRONG_KIND) + u8(1)))
    write(t, "standin_variants", b"".join(call(A, v, Open, [path(0), special(8)], 0, u8(HOSTILE) + u8(v)
                                                 + (u32(7) if v == 3 else b"")) for v in range(8))
          + good(A, CONTAINER))
    write(t, "reserve_variants", device + b"".join(
        call(A, 1, Mmap, [small(0), special(7), special(9), special(10), fd(2), special(23)], 0,
             u8(HOSTILE) + u8(v) + (u64(0x7f0000001000) if v == 7 else b"")) for v in range(8))
          + call(A, 2, Mmap, [small(0), special(7), special(9), special(10), fd(2), special(23)], 0,
                 u8(ERROR) + u8(6)))
    write(t, "dies_mid_call", device + call(A, 4, Mmap, [small(0), special(7), special(9), special(10), fd(2),
                                                           special(23)], 0, u8(NONE))
          + good(B, CONTAINER) + u8(KILL) + u8(A) + good(B, GROUP) + good(B, CLOSE_NAMED, 1))
    write(t, "joins", u8(JOIN) + u8(A) + u8(1) + u8(5) + b"\x53\x46\x56\x53\x01"
          + u8(JOIN) + u8(A) + u8(2) + u8(0) + u8(1) + u32(2) + u8(1) + u32(0) + u64(1) + u64(2) + u8(1)
          + u8(JOIN) + u8(A) + u8(2) + u8(0) + u8(0) + u8(2) + u32(0) + u64(99) + u64(99) + u8(1)
          + u8(JOIN) + u8(A) + u8(3) + u8(0) + u8(JOIN) + u8(B) + u8(3) + u8(3)
          + u8(JOIN) + u8(A) + u8(0) + u8(JOIN) + u8(A) + u8(0) + u8(JOIN) + u8(A) + u8(4) + u8(0x81) + u8(3)
          + u8(JOIN) + u8(A) + u8(5) + u8(7) + good(B, CONTAINER))
    write(t, "stray_words", good(A, CONTAINER) + u8(POKE) + u8(A) + u8(2) + u8(0) + u32(12345)
          + u8(POKE) + u8(A) + u8(7) + u8(0) + u32(0) + u8(POKE) + u8(A) + u8(9) + u8(0) + u32(0x10)
          + u8(POKE) + u8(A) + u8(0) + u8(0) + u32(1) + good(A, CONTAINER, 0, 1))
    write(t, "many_slots", good(A, CONTAINER) + b"".join(call(A, k, Identify, [fd(0)], 1) for k in range(16))
          + b"".join(u8(PUMP) + u8(A) + u8(k) for k in range(16)))
    write(t, "stop_exec", device + u8(STOP) + u8(A) + good(B, CONTAINER) + u8(STOP) + u8(A)
          + u8(JOIN) + u8(A) + u8(0) + good(A, REGION_INFO, 1))
    write(t, "raw_posts", good(A, CONTAINER) + u8(POST) + u8(A) + u8(2) + u8(2) + u8(1) + u8(1) + u8(8) + bytes(8)
          + u8(POST) + u8(B) + u8(0) + u8(1) + u8(200) + u8(0) + u8(0))
    write(t, "closes", device + u8(DUP) + u8(A) + u8(2) + u8(CLOSE) + u8(A) + u8(2) + u8(0)
          + call(A, 5, ClosedRange, [small(0), special(21)]) + good(A, EXPORT) + u8(CLOSE) + u8(A) + u8(3) + u8(0x31)
          + good(B, GROUP))
    write(t, "queries", device + good(A, EXPORT) + b"".join(good(A, QUERY, q) for q in range(5))
          + call(A, 6, Mappings, [scratch(0x2000), w64(1 << 40)]) + call(A, 7, ListNodes, [path(7), scratch(0x3000), special(6)])
          + call(A, 8, Pread, [fd(2), scratch(0x3000), special(6), region(7)]) + good(A, CDEV, 1) + good(A, CDEV, 0))


if __name__ == "__main__":
    device_seeds()
    config_seeds()
    region_seeds()
    mmap_seeds()
    access_seeds()
    description_seeds()
    sequence_seeds()
    session_seeds()
