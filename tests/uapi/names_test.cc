/* SPDX-License-Identifier: MIT */
/*
 * Coexistence at run time: every 6.1 name, whichever header defined it in a
 * given unit (softvfio's when it came first, the system's otherwise), has the
 * system header's value; every 6.1 type has its size, except where softvfio
 * deliberately uses the newer layout.
 */
#include <cstring>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "name_table.h"

namespace {

const uapi_table &reference()
{
	return *uapi_table_system_only_c();
}

std::vector<const uapi_table *> under_test()
{
	return {uapi_table_ours_first_c(), uapi_table_ours_first_cc(),
		uapi_table_system_first_c(), uapi_table_system_first_cc()};
}

/* softvfio's vfio_device_info has the explicit pad of newer kernels. */
size_t expected_size(const uapi_table &t, const uapi_size &ref)
{
	if (t.vfio_system == 0 && std::strcmp(ref.name, "struct vfio_device_info") == 0)
		return 24;
	return ref.size;
}

} /* namespace */

TEST(UapiCoexist, IncludeOrderIsDetected)
{
	EXPECT_EQ(uapi_table_ours_first_c()->vfio_system, 0);
	EXPECT_EQ(uapi_table_ours_first_cc()->vfio_system, 0);
	EXPECT_EQ(uapi_table_ours_first_c()->dma_buf_system, 0);
	EXPECT_EQ(uapi_table_ours_first_cc()->dma_buf_system, 0);
	EXPECT_EQ(uapi_table_system_first_c()->vfio_system, 1);
	EXPECT_EQ(uapi_table_system_first_cc()->vfio_system, 1);
	EXPECT_EQ(uapi_table_system_first_c()->dma_buf_system, 1);
	EXPECT_EQ(uapi_table_system_first_cc()->dma_buf_system, 1);
}

TEST(UapiCoexist, ValuesMatchTheSystemHeaders)
{
	const uapi_table &ref = reference();
	ASSERT_GT(ref.n_values, 200u); /* the whole 6.1 list made it in */
	for (const uapi_table *t : under_test()) {
		SCOPED_TRACE(t->label);
		ASSERT_EQ(t->n_values, ref.n_values);
		for (size_t i = 0; i < ref.n_values; i++) {
			ASSERT_STREQ(t->values[i].name, ref.values[i].name);
			EXPECT_EQ(t->values[i].value, ref.values[i].value)
				<< ref.values[i].name;
		}
	}
}

TEST(UapiCoexist, StringsMatchTheSystemHeaders)
{
	const uapi_table &ref = reference();
	ASSERT_EQ(ref.n_strings, 5u);
	for (const uapi_table *t : under_test()) {
		SCOPED_TRACE(t->label);
		ASSERT_EQ(t->n_strings, ref.n_strings);
		for (size_t i = 0; i < ref.n_strings; i++)
			EXPECT_STREQ(t->strings[i].value, ref.strings[i].value)
				<< ref.strings[i].name;
	}
}

TEST(UapiCoexist, TypeSizesMatchTheSystemHeaders)
{
	const uapi_table &ref = reference();
	ASSERT_GT(ref.n_sizes, 40u);
	for (const uapi_table *t : under_test()) {
		SCOPED_TRACE(t->label);
		ASSERT_EQ(t->n_sizes, ref.n_sizes);
		for (size_t i = 0; i < ref.n_sizes; i++) {
			ASSERT_STREQ(t->sizes[i].name, ref.sizes[i].name);
			EXPECT_EQ(t->sizes[i].size, expected_size(*t, ref.sizes[i]))
				<< ref.sizes[i].name;
		}
	}
}

/* The one deliberate difference, pinned so it cannot drift unnoticed: only
 * a 6.1-era system header (20-byte vfio_device_info) differs at all. */
TEST(UapiCoexist, DeviceInfoPadIsTheOnlySizeDifference)
{
	const uapi_table &ref = reference();
	const uapi_table &ours = *uapi_table_ours_first_c();
	std::vector<std::string> differing;
	std::vector<std::string> expected;
	for (size_t i = 0; i < ref.n_sizes; i++) {
		if (ours.sizes[i].size != ref.sizes[i].size)
			differing.emplace_back(ref.sizes[i].name);
		if (std::strcmp(ref.sizes[i].name, "struct vfio_device_info") == 0 &&
		    ref.sizes[i].size == 20)
			expected.emplace_back(ref.sizes[i].name);
	}
	EXPECT_EQ(differing, expected);
}
