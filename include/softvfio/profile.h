/* SPDX-License-Identifier: MIT */
/*
 * uAPI profiles: which kernel the model behaves like.
 *
 * Every behaviour that differs between the kernels softvfio models is a field
 * here (docs/semantics.md §1.1); the model reads the profile and never
 * hard-codes a feature number or a version-dependent errno elsewhere.
 */
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace softvfio {

enum class ProfileId {
	Linux612,  /* 6.12: no DMABUF code in vfio-pci */
	Linux619,  /* 6.19: DMA_BUF export merged */
	SeriesV2,  /* "vfio/pci: Add mmap() for DMABUFs" v2 (2026-05-27) */
	SeriesV4,  /* the same series, v4 (2026-07-01): the default */
};

/* How REVOKE reaches the kernel, if at all. */
enum class RevokeEntry {
	None,
	Feature,      /* VFIO_DEVICE_FEATURE index revoke_feature, SET only */
	DeviceIoctl,  /* VFIO_DEVICE_PCI_DMABUF_REVOKE (ioctl 122) */
};

/* When exported buffers' importers are notified (and fences waited on). */
enum class ImporterNotify {
	RevokeOnly,
	RevokeAndUnrevoke,
};

/* How a buffer's revocation state is held (the observable states differ). */
enum class StatusModel {
	None,         /* no buffers */
	SingleBit,    /* OK / revoked (6.19) */
	ThreeState,   /* OK / TEMP_REVOKED / PERM_REVOKED */
};

/* VFIO_DEVICE_RESET's ordering of zap, D0 transition and buffer revoke. */
enum class ResetOrder {
	ZapD0Reset,           /* 6.12: zap, D0, reset */
	ZapD0RevokeReset,     /* 6.19: zap, D0, revoke buffers, reset */
	D0RevokeReset,        /* series: D0, revoke (zap included), reset */
};

struct Profile {
	ProfileId id;
	std::string_view name;

	/* Feature 11: VFIO_DEVICE_FEATURE_DMA_BUF (export). */
	bool dma_buf_export;
	/* Every BAR mmap through the device fd is backed by a hidden DMABUF. */
	bool bar_mmap_dmabuf;
	/* Exported DMABUF fds can be mmapped (else EINVAL from the dma-buf core). */
	bool dmabuf_mmap;

	RevokeEntry revoke_entry;
	uint32_t revoke_feature;          /* feature index when revoke_entry == Feature */

	std::optional<uint32_t> memattr_feature;  /* MEMATTR feature index */
	bool memattr_get;                 /* GET allowed (series v2) */
	int memattr_unknown_errno;        /* unknown attribute value */
	int memattr_stub_errno;           /* without CONFIG_VFIO_PCI_DMABUF */
	bool memattr_under_memory_lock;   /* v2 writes under memory_lock, v4 lock-free */

	StatusModel status_model;
	ImporterNotify importer_notify;
	/* Legacy zap of device-file mappings on every revoke, whatever the flag. */
	bool always_zap_device_file;
	ResetOrder reset_order;
	/* VFIO_DEVICE_BIND_FLAG_TOKEN (merged in 6.17): the cdev path takes and
	 * checks a VF token; before it, the flag is EINVAL and no token is
	 * asked for. */
	bool cdev_bind_token;

	bool has_dmabufs() const { return status_model != StatusModel::None; }
};

/* The profile table. */
const Profile &profile(ProfileId id);
/* The default profile (series-v4). */
const Profile &default_profile();
/* Look a profile up by name ("linux-6.12", "linux-6.19", "series-v2",
 * "series-v4"); nullptr when unknown. */
const Profile *find_profile(std::string_view name);

} /* namespace softvfio */
