/* SPDX-License-Identifier: MIT */
/*
 * The trace's decoding of the VF token's uAPI: VFIO_DEVICE_FEATURE with
 * PCI_VF_TOKEN shows the UUID as one, VFIO_DEVICE_BIND_IOMMUFD its token
 * flag and pointer, VFIO_GROUP_GET_DEVICE_FD the "<bdf> vf_token=<uuid>"
 * string.
 */
#include <gtest/gtest.h>

#include <cstring>
#include <string>

#include <softvfio/uapi/vfio.h>

#include "shim/trace_decode.h"

using softvfio::shim::decode_ioctl_arg;
using softvfio::shim::TraceFdKind;

namespace {

uintptr_t ptr(const void *p) { return reinterpret_cast<uintptr_t>(p); }

TEST(TraceDecodeVfToken, FeatureShowsTheUuid)
{
	alignas(8) uint8_t buf[sizeof(vfio_device_feature) + 16] = {};
	auto *f = reinterpret_cast<vfio_device_feature *>(buf);
	f->argsz = sizeof(buf);
	f->flags = VFIO_DEVICE_FEATURE_SET | VFIO_DEVICE_FEATURE_PCI_VF_TOKEN;
	const uint8_t uuid[16] = {0x2a, 0xb7, 0x49, 0x24, 0xc3, 0x35, 0x45, 0xf4,
				  0x9b, 0x16, 0x85, 0x69, 0xe5, 0xb0, 0x82, 0x58};
	std::memcpy(f->data, uuid, sizeof(uuid));
	auto a = decode_ioctl_arg(TraceFdKind::Device, VFIO_DEVICE_FEATURE, ptr(buf));
	EXPECT_NE(a.text.find("VFIO_DEVICE_FEATURE_SET"), std::string::npos) << a.text;
	EXPECT_NE(a.text.find("PCI_VF_TOKEN"), std::string::npos) << a.text;
	EXPECT_NE(a.text.find("uuid=2ab74924-c335-45f4-9b16-8569e5b08258"), std::string::npos) << a.text;
}

TEST(TraceDecodeVfToken, ShortFeaturePayloadShowsNoUuid)
{
	alignas(8) uint8_t buf[sizeof(vfio_device_feature) + 16] = {};
	auto *f = reinterpret_cast<vfio_device_feature *>(buf);
	f->argsz = sizeof(vfio_device_feature) + 8;
	f->flags = VFIO_DEVICE_FEATURE_SET | VFIO_DEVICE_FEATURE_PCI_VF_TOKEN;
	auto a = decode_ioctl_arg(TraceFdKind::Device, VFIO_DEVICE_FEATURE, ptr(buf));
	EXPECT_EQ(a.text.find("uuid="), std::string::npos) << a.text;
}

TEST(TraceDecodeVfToken, BindShowsTheTokenFlagAndPointer)
{
	vfio_device_bind_iommufd b{};
	b.argsz = sizeof(b);
	b.flags = VFIO_DEVICE_BIND_FLAG_TOKEN;
	b.iommufd = 5;
	b.token_uuid_ptr = 0x7f0000001000;
	auto a = decode_ioctl_arg(TraceFdKind::Device, VFIO_DEVICE_BIND_IOMMUFD, ptr(&b));
	EXPECT_NE(a.text.find("flags=VFIO_DEVICE_BIND_FLAG_TOKEN"), std::string::npos) << a.text;
	EXPECT_NE(a.text.find("token_uuid_ptr=0x7f0000001000"), std::string::npos) << a.text;
}

TEST(TraceDecodeVfToken, GetDeviceFdShowsTheName)
{
	const char *name = "0000:00:03.1 vf_token=2ab74924-c335-45f4-9b16-8569e5b08258";
	auto a = decode_ioctl_arg(TraceFdKind::Group, VFIO_GROUP_GET_DEVICE_FD, ptr(name));
	EXPECT_NE(a.text.find(name), std::string::npos) << a.text;
}

} /* namespace */
