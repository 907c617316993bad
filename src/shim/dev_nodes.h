/* SPDX-License-Identifier: MIT */
/*
 * stat() and access() of the device nodes the model serves (/dev/vfio/...,
 * /dev/iommu), and the identities the kernel would show for them and for
 * anonymous-inode files.
 */
#pragma once

#include <optional>
#include <string>
#include <sys/stat.h>

#include <softvfio/kernel.h>

namespace softvfio::shim {

/* What stat(2) reports for a served node: a character device with the
 * node's st_rdev (or a directory) on the machine's /dev file system, owned
 * by root, with an inode number fixed by the path. */
void fill_node_stat(const std::string &path, const NodeInfo &info, size_t entries, struct stat &st);

/* Kernel::node_info() of a normalised /dev path, if the model answers for
 * it (exists may be false: the node is absent in this configuration). */
std::optional<NodeInfo> served_node(const std::string &path);

/* stat of a path the model answers for: 0, or -ENOENT for an absent node;
 * 1 if the model does not answer for it. */
int node_stat(const std::string &path, struct stat &st);

/* access(2) of a served node for the caller's (real or effective) ids:
 * 0 or -errno (ENOENT for an absent one). */
int node_access(const NodeInfo &info, int mode, bool effective);

/* The dma-buf pseudo file system has no device a program could compare
 * with; buffers get inode numbers of their own from it. */
inline constexpr unsigned kDmabufFsMinor = 0x0c;
inline constexpr uint64_t kDmabufInoBase = 0x5f0000;

/* The shared inode behind every anon_inode file ("anon_inode:[...]"),
 * as fstat of an eventfd shows it. */
void anon_inode_identity(unsigned &major, unsigned &minor, uint64_t &ino);
/* The /dev file system's device number. */
dev_t dev_fs_device();
/* The inode number fill_node_stat gives `path`. */
uint64_t node_inode(const std::string &path);

/* statx from a struct stat (what the kernel would have filled). */
void stat_to_statx(const struct stat &st, unsigned mask, struct statx &out);

} /* namespace softvfio::shim */
