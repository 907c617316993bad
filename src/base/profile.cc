/* SPDX-License-Identifier: MIT */
#include <softvfio/profile.h>

#include "base/profile_names.h"

#include <array>
#include <cerrno>

namespace softvfio {

namespace {

/* Kernel-internal errno that series v2 leaked to userspace. */
constexpr int kENOTSUPP = 524;

/* docs/semantics.md §1.1, one column per profile. */
constexpr std::array<Profile, 4> kProfiles = {{
	{
		.id = ProfileId::Linux612,
		.name = "linux-6.12",
		.dma_buf_export = false,
		.bar_mmap_dmabuf = false,
		.dmabuf_mmap = false,
		.revoke_entry = RevokeEntry::None,
		.revoke_feature = 0,
		.memattr_feature = std::nullopt,
		.memattr_get = false,
		.memattr_unknown_errno = 0,
		.memattr_stub_errno = ENOTTY,
		.memattr_under_memory_lock = false,
		.status_model = StatusModel::None,
		.importer_notify = ImporterNotify::RevokeOnly,
		.always_zap_device_file = true,
		.reset_order = ResetOrder::ZapD0Reset,
		.cdev_bind_token = false,
	},
	{
		.id = ProfileId::Linux619,
		.name = "linux-6.19",
		.dma_buf_export = true,
		.bar_mmap_dmabuf = false,
		.dmabuf_mmap = false,
		.revoke_entry = RevokeEntry::None,
		.revoke_feature = 0,
		.memattr_feature = std::nullopt,
		.memattr_get = false,
		.memattr_unknown_errno = 0,
		.memattr_stub_errno = ENOTTY,
		.memattr_under_memory_lock = false,
		.status_model = StatusModel::SingleBit,
		/* 6.19 notified on both revoke and un-revoke (§1.1 [I]). */
		.importer_notify = ImporterNotify::RevokeAndUnrevoke,
		.always_zap_device_file = true,
		.reset_order = ResetOrder::ZapD0RevokeReset,
		.cdev_bind_token = true,
	},
	{
		.id = ProfileId::SeriesV2,
		.name = "series-v2",
		.dma_buf_export = true,
		.bar_mmap_dmabuf = true,
		.dmabuf_mmap = true,
		.revoke_entry = RevokeEntry::DeviceIoctl,
		.revoke_feature = 0,
		.memattr_feature = 13,
		.memattr_get = true,
		.memattr_unknown_errno = kENOTSUPP,
		.memattr_stub_errno = ENODEV,
		.memattr_under_memory_lock = true,
		.status_model = StatusModel::ThreeState,
		.importer_notify = ImporterNotify::RevokeAndUnrevoke,
		.always_zap_device_file = false,
		.reset_order = ResetOrder::D0RevokeReset,
		.cdev_bind_token = true,
	},
	{
		.id = ProfileId::SeriesV4,
		.name = "series-v4",
		.dma_buf_export = true,
		.bar_mmap_dmabuf = true,
		.dmabuf_mmap = true,
		.revoke_entry = RevokeEntry::Feature,
		.revoke_feature = 13,
		.memattr_feature = 14,
		.memattr_get = false,
		.memattr_unknown_errno = ENOENT,
		.memattr_stub_errno = ENOTTY,
		.memattr_under_memory_lock = false,
		.status_model = StatusModel::ThreeState,
		.importer_notify = ImporterNotify::RevokeOnly,
		.always_zap_device_file = false,
		.reset_order = ResetOrder::D0RevokeReset,
		.cdev_bind_token = true,
	},
}};

} /* namespace */

const Profile &profile(ProfileId id)
{
	for (const Profile &p : kProfiles)
		if (p.id == id)
			return p;
	return kProfiles.back();
}

const Profile &default_profile() { return profile(ProfileId::SeriesV4); }

const Profile *find_profile(std::string_view name)
{
	for (const Profile &p : kProfiles)
		if (p.name == name)
			return &p;
	return nullptr;
}

std::vector<std::string_view> profile_names()
{
	std::vector<std::string_view> names;
	for (const Profile &p : kProfiles)
		names.push_back(p.name);
	return names;
}

} /* namespace softvfio */
