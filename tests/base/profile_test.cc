/* SPDX-License-Identifier: MIT */
#include <cerrno>

#include <gtest/gtest.h>

#include <softvfio/profile.h>

namespace softvfio {
namespace {

TEST(Profile, DefaultIsSeriesV4)
{
	EXPECT_EQ(default_profile().id, ProfileId::SeriesV4);
	EXPECT_EQ(default_profile().name, "series-v4");
}

TEST(Profile, LookupByName)
{
	for (const char *name : {"linux-6.12", "linux-6.19", "series-v2", "series-v4"}) {
		const Profile *p = find_profile(name);
		ASSERT_NE(p, nullptr) << name;
		EXPECT_EQ(p->name, name);
	}
	EXPECT_EQ(find_profile("linux-6.1"), nullptr);
}

/* docs/semantics.md §1.1: the feature numbers and errnos per profile. */
TEST(Profile, FeatureNumbersFollowTheTable)
{
	EXPECT_FALSE(profile(ProfileId::Linux612).dma_buf_export);
	EXPECT_TRUE(profile(ProfileId::Linux619).dma_buf_export);
	EXPECT_FALSE(profile(ProfileId::Linux619).dmabuf_mmap);
	EXPECT_EQ(profile(ProfileId::SeriesV2).revoke_entry, RevokeEntry::DeviceIoctl);
	EXPECT_EQ(profile(ProfileId::SeriesV2).memattr_feature, 13u);
	EXPECT_EQ(profile(ProfileId::SeriesV4).revoke_entry, RevokeEntry::Feature);
	EXPECT_EQ(profile(ProfileId::SeriesV4).revoke_feature, 13u);
	EXPECT_EQ(profile(ProfileId::SeriesV4).memattr_feature, 14u);
	EXPECT_EQ(profile(ProfileId::SeriesV4).memattr_unknown_errno, ENOENT);
	EXPECT_EQ(profile(ProfileId::SeriesV2).memattr_unknown_errno, 524);
	EXPECT_EQ(profile(ProfileId::SeriesV2).memattr_stub_errno, ENODEV);
	EXPECT_EQ(profile(ProfileId::SeriesV4).memattr_stub_errno, ENOTTY);
}

/* VFIO_DEVICE_BIND_FLAG_TOKEN came with 6.17: not in 6.12, in the others. */
TEST(Profile, CdevBindTokenSince617)
{
	EXPECT_FALSE(profile(ProfileId::Linux612).cdev_bind_token);
	EXPECT_TRUE(profile(ProfileId::Linux619).cdev_bind_token);
	EXPECT_TRUE(profile(ProfileId::SeriesV2).cdev_bind_token);
	EXPECT_TRUE(profile(ProfileId::SeriesV4).cdev_bind_token);
}

} /* namespace */
} /* namespace softvfio */
