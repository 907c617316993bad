/* SPDX-License-Identifier: MIT */
#include "base/lexical_path.h"

#include <gtest/gtest.h>

namespace softvfio {
namespace {

std::string normal(std::string_view path, bool allow_dotdot = true)
{
	std::string out = "untouched";
	if (!lexically_normal(path, allow_dotdot, out))
		return "refused:" + out;
	return out;
}

TEST(LexicalPath, DropsEmptyAndDotComponents)
{
	EXPECT_EQ(normal("//dev/./vfio//7/"), "/dev/vfio/7");
}

TEST(LexicalPath, FoldsDotDotIntoItsParent)
{
	EXPECT_EQ(normal("/dev/vfio/devices/../vfio"), "/dev/vfio/vfio");
}

TEST(LexicalPath, DotDotAtTheRootStaysAtTheRoot)
{
	EXPECT_EQ(normal("/../../dev/iommu"), "/dev/iommu");
}

TEST(LexicalPath, EmptyAndRootGiveRoot)
{
	EXPECT_EQ(normal(""), "/");
	EXPECT_EQ(normal("/"), "/");
	EXPECT_EQ(normal("/a/.."), "/");
}

TEST(LexicalPath, DotDotRefusedLeavesOutputUntouched)
{
	EXPECT_EQ(normal("/sys/bus/../bus", false), "refused:untouched");
	EXPECT_EQ(normal("/sys/./bus", false), "/sys/bus");
}

} /* namespace */
} /* namespace softvfio */
