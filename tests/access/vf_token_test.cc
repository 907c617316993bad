/* SPDX-License-Identifier: MIT */
/*
 * The VF token (vfio_pci_core_match_token_uuid and friends): the PF's
 * VFIO_DEVICE_FEATURE_PCI_VF_TOKEN, the "<bdf> vf_token=<uuid>" name on the
 * group path, VFIO_DEVICE_BIND_FLAG_TOKEN on the cdev path (and its absence
 * before 6.17: linux-6.12), every errno for a missing, wrong or unneeded
 * token, and the token's lifetime (it lives while vfio-pci holds the PF).
 */
#include <array>

#include "access/sriov_fixture.h"

namespace softvfio::test {
namespace {

const std::string kToken = "2ab74924-c335-45f4-9b16-8569e5b08258";
const std::string kOther = "5f3c9f6e-7d1a-4c2b-9e8f-0a1b2c3d4e5f";

std::array<uint8_t, 16> bytes_of(const std::string &uuid)
{
	std::array<uint8_t, 16> out{};
	size_t b = 0;
	for (size_t i = 0; i < uuid.size() && b < 16;) {
		if (uuid[i] == '-') {
			i++;
			continue;
		}
		out[b++] = static_cast<uint8_t>(std::stoul(uuid.substr(i, 2), nullptr, 16));
		i += 2;
	}
	return out;
}

class VfToken : public SriovTest
{
protected:
	/* VFIO_DEVICE_FEATURE_PCI_VF_TOKEN with `flags` and a payload of
	 * `payload` bytes (the UUID of `uuid`). */
	long token_feature(int dev, uint32_t flags, const std::string &uuid = kToken, size_t payload = 16)
	{
		alignas(8) uint8_t buf[sizeof(vfio_device_feature) + 16] = {};
		auto *f = reinterpret_cast<vfio_device_feature *>(buf);
		f->argsz = static_cast<uint32_t>(sizeof(vfio_device_feature) + payload);
		f->flags = flags | VFIO_DEVICE_FEATURE_PCI_VF_TOKEN;
		auto b = bytes_of(uuid);
		std::memcpy(f->data, b.data(), 16);
		return ioctl(dev, VFIO_DEVICE_FEATURE, buf);
	}
	/* The PF's device fd through its group (kept open for later opens). */
	int pf(const std::string &suffix = "")
	{
		if (pf_group_ < 0)
			pf_group_ = open_group(kPfBdf);
		long fd = get_device(pf_group_, kPfBdf + suffix);
		EXPECT_GE(fd, 0);
		return static_cast<int>(fd);
	}
	long vf(const std::string &suffix, const std::string &bdf = kVf0Bdf)
	{
		int &group = bdf == kVf0Bdf ? vf0_group_ : vf1_group_;
		if (group < 0)
			group = open_group(bdf);
		return get_device(group, bdf + suffix);
	}
	/* VFIO_DEVICE_BIND_IOMMUFD of /dev/vfio/devices/vfio<index>. */
	long cdev_bind(unsigned index, uint32_t flags, const void *token)
	{
		int dev = must_open("/dev/vfio/devices/vfio" + std::to_string(index));
		int iommufd = must_open("/dev/iommu");
		vfio_device_bind_iommufd b{};
		b.argsz = sizeof(b);
		b.flags = flags;
		b.iommufd = iommufd;
		b.token_uuid_ptr = reinterpret_cast<uintptr_t>(token);
		return ioctl(dev, VFIO_DEVICE_BIND_IOMMUFD, &b);
	}
	int pf_group_ = -1, vf0_group_ = -1, vf1_group_ = -1;
};

TEST_F(VfToken, FeatureProbeOnAPf)
{
	int dev = pf();
	EXPECT_EQ(token_feature(dev, VFIO_DEVICE_FEATURE_PROBE | VFIO_DEVICE_FEATURE_SET), 0);
	EXPECT_EQ(token_feature(dev, VFIO_DEVICE_FEATURE_PROBE | VFIO_DEVICE_FEATURE_GET), -EINVAL);
}

TEST_F(VfToken, FeatureGetIsEinval)
{
	EXPECT_EQ(token_feature(pf(), VFIO_DEVICE_FEATURE_GET), -EINVAL);
}

TEST_F(VfToken, FeatureShortPayloadIsEinval)
{
	EXPECT_EQ(token_feature(pf(), VFIO_DEVICE_FEATURE_SET, kToken, 15), -EINVAL);
}

TEST_F(VfToken, FeatureBadPayloadPointerIsEfault)
{
	int dev = pf();
	alignas(8) uint8_t buf[sizeof(vfio_device_feature)] = {};
	auto *f = reinterpret_cast<vfio_device_feature *>(buf);
	f->argsz = sizeof(vfio_device_feature) + 16;
	f->flags = VFIO_DEVICE_FEATURE_SET | VFIO_DEVICE_FEATURE_PCI_VF_TOKEN;
	/* The payload runs past a mapping into an inaccessible page. */
	uint8_t *page = pages(2);
	ASSERT_EQ(::mprotect(page + 4096, 4096, PROT_NONE), 0);
	uint8_t *at = page + 4096 - sizeof(buf);
	std::memcpy(at, buf, sizeof(buf));
	EXPECT_EQ(ioctl(dev, VFIO_DEVICE_FEATURE, at), -EFAULT);
}

TEST_F(VfToken, FeatureIsEnottyWithoutSriov)
{
	add("edu", kEdu, 2);
	int group = open_group(kEdu);
	long dev = get_device(group, kEdu);
	ASSERT_GE(dev, 0);
	EXPECT_EQ(token_feature(static_cast<int>(dev), VFIO_DEVICE_FEATURE_PROBE | VFIO_DEVICE_FEATURE_SET), -ENOTTY);
	EXPECT_EQ(token_feature(static_cast<int>(dev), VFIO_DEVICE_FEATURE_SET), -ENOTTY);
}

TEST_F(VfToken, FeatureIsEnottyOnAVf)
{
	int dev = pf();
	ASSERT_EQ(token_feature(dev, VFIO_DEVICE_FEATURE_SET), 0);
	make_vfs(1);
	long v = vf(" vf_token=" + kToken);
	ASSERT_GE(v, 0);
	EXPECT_EQ(token_feature(static_cast<int>(v), VFIO_DEVICE_FEATURE_SET), -ENOTTY);
}

TEST_F(VfToken, VfWithoutATokenIsEacces)
{
	make_vfs(1);
	EXPECT_EQ(vf(""), -EACCES);
}

TEST_F(VfToken, VfWithTheWrongTokenIsEacces)
{
	ASSERT_EQ(token_feature(pf(), VFIO_DEVICE_FEATURE_SET), 0);
	make_vfs(1);
	EXPECT_EQ(vf(" vf_token=" + kOther), -EACCES);
}

TEST_F(VfToken, VfWithTheTokenSetThroughTheFeature)
{
	ASSERT_EQ(token_feature(pf(), VFIO_DEVICE_FEATURE_SET), 0);
	make_vfs(2);
	EXPECT_GE(vf(" vf_token=" + kToken), 0);
	EXPECT_GE(vf("  vf_token=" + kToken + " ", kVf1Bdf), 0);
}

TEST_F(VfToken, UpperCaseTokenMatches)
{
	ASSERT_EQ(token_feature(pf(), VFIO_DEVICE_FEATURE_SET), 0);
	make_vfs(1);
	std::string upper = kToken;
	for (char &c : upper)
		c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
	EXPECT_GE(vf(" vf_token=" + upper), 0);
}

TEST_F(VfToken, PfOpenedWithATokenSetsItWhileNoVfIsOpen)
{
	pf(" vf_token=" + kOther);
	make_vfs(1);
	EXPECT_GE(vf(" vf_token=" + kOther), 0);
}

TEST_F(VfToken, PfNeedsTheTokenWhileAVfIsOpen)
{
	int first = pf(" vf_token=" + kToken);
	make_vfs(1);
	ASSERT_GE(vf(" vf_token=" + kToken), 0);
	close_fd(first);
	EXPECT_EQ(get_device(pf_group_, kPfBdf), -EACCES);
	EXPECT_EQ(get_device(pf_group_, kPfBdf + " vf_token=" + kOther), -EACCES);
	EXPECT_GE(get_device(pf_group_, kPfBdf + " vf_token=" + kToken), 0);
}

TEST_F(VfToken, PfWithoutATokenWhileNoVfIsOpen)
{
	pf(" vf_token=" + kToken);
	EXPECT_GE(get_device(pf_group_, kPfBdf), 0);
}

TEST_F(VfToken, ClosingTheLastVfLetsThePfOpenWithoutAToken)
{
	int first = pf(" vf_token=" + kToken);
	make_vfs(1);
	long v = vf(" vf_token=" + kToken);
	ASSERT_GE(v, 0);
	close_fd(first);
	close_fd(static_cast<int>(v));
	EXPECT_GE(get_device(pf_group_, kPfBdf), 0);
}

TEST_F(VfToken, TokenOnADeviceWithoutSriovIsEinval)
{
	add("edu", kEdu, 2);
	int group = open_group(kEdu);
	EXPECT_EQ(get_device(group, std::string(kEdu) + " vf_token=" + kToken), -EINVAL);
}

TEST_F(VfToken, MalformedOrRepeatedTokenIsEinval)
{
	make_vfs(1);
	EXPECT_EQ(vf(" vf_token=2ab74924-c335-45f4-9b16"), -EINVAL);
	EXPECT_EQ(vf(" vf_token=2ab74924xc335-45f4-9b16-8569e5b08258"), -EINVAL);
	EXPECT_EQ(vf(" vf_token=" + kToken + " vf_token=" + kToken), -EINVAL);
	EXPECT_EQ(vf(" token=" + kToken), -EINVAL);
}

TEST_F(VfToken, TokenOutlivesThePfsFiles)
{
	int dev = pf();
	ASSERT_EQ(token_feature(dev, VFIO_DEVICE_FEATURE_SET), 0);
	close_fd(dev);
	make_vfs(1);
	EXPECT_GE(vf(" vf_token=" + kToken), 0);
}

TEST_F(VfToken, RebindingThePfForgetsTheToken)
{
	int dev = pf();
	ASSERT_EQ(token_feature(dev, VFIO_DEVICE_FEATURE_SET), 0);
	close_fd(dev);
	close_fd(pf_group_);
	ASSERT_EQ(write("/sys/bus/pci/drivers/vfio-pci/unbind", kPfBdf), static_cast<long>(kPfBdf.size()));
	ASSERT_EQ(write(kPfDir + "driver_override", "vfio-pci"), 8);
	ASSERT_EQ(write("/sys/bus/pci/drivers/vfio-pci/bind", kPfBdf), static_cast<long>(kPfBdf.size()));
	make_vfs(1);
	EXPECT_EQ(vf(" vf_token=" + kToken), -EACCES);
}

/* --- the cdev path: the PF is vfio0, VF 0 vfio1 --- */

TEST_F(VfToken, CdevVfWithoutTheFlagIsEacces)
{
	make_vfs(1);
	EXPECT_EQ(cdev_bind(1, 0, nullptr), -EACCES);
}

TEST_F(VfToken, CdevVfWithTheWrongTokenIsEacces)
{
	ASSERT_EQ(token_feature(pf(), VFIO_DEVICE_FEATURE_SET), 0);
	make_vfs(1);
	auto other = bytes_of(kOther);
	EXPECT_EQ(cdev_bind(1, VFIO_DEVICE_BIND_FLAG_TOKEN, other.data()), -EACCES);
}

TEST_F(VfToken, CdevVfWithTheToken)
{
	ASSERT_EQ(token_feature(pf(), VFIO_DEVICE_FEATURE_SET), 0);
	make_vfs(1);
	auto token = bytes_of(kToken);
	EXPECT_EQ(cdev_bind(1, VFIO_DEVICE_BIND_FLAG_TOKEN, token.data()), 0);
}

TEST_F(VfToken, CdevTokenBadPointerIsEfault)
{
	make_vfs(1);
	EXPECT_EQ(cdev_bind(1, VFIO_DEVICE_BIND_FLAG_TOKEN, reinterpret_cast<void *>(8)), -EFAULT);
}

TEST_F(VfToken, CdevTokenOnADeviceWithoutSriovIsEinval)
{
	add("edu", kEdu, 2);
	auto token = bytes_of(kToken);
	EXPECT_EQ(cdev_bind(1, VFIO_DEVICE_BIND_FLAG_TOKEN, token.data()), -EINVAL);
	EXPECT_EQ(cdev_bind(1, 0, nullptr), 0);
}

TEST_F(VfToken, CdevPfBindSetsTheToken)
{
	auto token = bytes_of(kOther);
	ASSERT_EQ(cdev_bind(0, VFIO_DEVICE_BIND_FLAG_TOKEN, token.data()), 0);
	make_vfs(1);
	EXPECT_GE(vf(" vf_token=" + kOther), 0);
}

TEST_F(VfToken, CdevUnknownFlagIsEinval)
{
	EXPECT_EQ(cdev_bind(0, 2, nullptr), -EINVAL);
}

class VfTokenLinux612 : public VfToken
{
protected:
	void SetUp() override { add_pf(ProfileId::Linux612); }
};

/* Before VFIO_DEVICE_BIND_FLAG_TOKEN (6.17) flags had to be 0, and the cdev
 * path asked a VF for no token at all. */
TEST_F(VfTokenLinux612, CdevTokenFlagIsEinval)
{
	make_vfs(1);
	auto token = bytes_of(kToken);
	EXPECT_EQ(cdev_bind(1, VFIO_DEVICE_BIND_FLAG_TOKEN, token.data()), -EINVAL);
}

TEST_F(VfTokenLinux612, CdevVfBindsWithoutAToken)
{
	make_vfs(1);
	EXPECT_EQ(cdev_bind(1, 0, nullptr), 0);
}

TEST_F(VfTokenLinux612, GroupPathStillNeedsTheToken)
{
	make_vfs(1);
	EXPECT_EQ(vf(""), -EACCES);
}

} /* namespace */
} /* namespace softvfio::test */
