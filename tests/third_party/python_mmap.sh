#!/bin/sh
# SPDX-License-Identifier: MIT
# Python's ctypes and mmap on the device fd and a DMABUF (vfio_mmap.py).
#
# usage: python_mmap.sh <softvfio>
softvfio=$1
. "$(dirname "$0")/lib.sh"
need python3 python3

run --device nic -- python3 "$(dirname "$0")/vfio_mmap.py" 5f00:00:01.0
expect "vfio_mmap.py passed" "^RESULT: PASS$"
run --device ivshmem-plain -- python3 "$(dirname "$0")/vfio_mmap.py" 5f00:00:01.0 2
expect "and on ivshmem's shared memory (BAR 2)" "^RESULT: PASS$"
finish
