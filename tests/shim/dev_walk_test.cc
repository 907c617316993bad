/* SPDX-License-Identifier: MIT */
#include <gtest/gtest.h>

#include <cerrno>
#include <map>

#include "shim/dev_walk.h"

namespace softvfio::shim {
namespace {

/* A /dev with the served nodes of a default session and /dev/null. */
DevEntry fake_dev(const std::string &path)
{
	static const std::map<std::string, DevEntry> tree = {
		{"/", DevEntry::Dir},
		{"/dev", DevEntry::Dir},
		{"/dev/null", DevEntry::Other},
		{"/dev/vfio", DevEntry::Dir},
		{"/dev/vfio/vfio", DevEntry::Other},
		{"/dev/vfio/1", DevEntry::Other},
		{"/dev/vfio/devices", DevEntry::Dir},
		{"/dev/vfio/devices/vfio0", DevEntry::Other},
		{"/dev/iommu", DevEntry::Other},
	};
	auto it = tree.find(path);
	return it == tree.end() ? DevEntry::Missing : it->second;
}

int walk(const std::string &path) { return walk_dev_path(path, fake_dev); }

TEST(DevWalk, PlainPathsAreNotWalked)
{
	for (const char *p : {"/dev/vfio/vfio", "/dev/vfio/devices/vfio0", "/dev/iommu", "/dev/vfio"})
		EXPECT_FALSE(dev_path_needs_walk(p)) << p;
	for (const char *p : {"/dev/vfio/vfio/", "/dev/vfio/x/../vfio", "/dev/./vfio/vfio", "/dev/vfio/."})
		EXPECT_TRUE(dev_path_needs_walk(p)) << p;
}

TEST(DevWalk, TheKernelsAnswers)
{
	EXPECT_EQ(walk("/dev/vfio/./vfio"), 0);
	EXPECT_EQ(walk("/dev/vfio/devices/../vfio"), 0);
	EXPECT_EQ(walk("/dev/vfio/devices/"), 0);
	EXPECT_EQ(walk("/dev/vfio/."), 0);
	EXPECT_EQ(walk("/../dev/vfio/vfio"), 0);
	/* A node used as a directory. */
	EXPECT_EQ(walk("/dev/vfio/vfio/"), ENOTDIR);
	EXPECT_EQ(walk("/dev/vfio/vfio/."), ENOTDIR);
	EXPECT_EQ(walk("/dev/vfio/vfio/../vfio"), ENOTDIR);
	EXPECT_EQ(walk("/dev/iommu/"), ENOTDIR);
	EXPECT_EQ(walk("/dev/null/../vfio/vfio"), ENOTDIR);
	/* A missing name before a "..". */
	EXPECT_EQ(walk("/dev/vfio/nonexistent/../vfio"), ENOENT);
	EXPECT_EQ(walk("/dev/nonexistent/../vfio/vfio"), ENOENT);
	EXPECT_EQ(walk("/dev/vfio/nonexistent/"), ENOENT);
	/* The last name is the open's or stat's to answer. */
	EXPECT_EQ(walk("/dev/vfio/./nonexistent"), 0);
	EXPECT_EQ(walk("/dev/vfio/" + std::string(256, 'x') + "/../vfio"), ENAMETOOLONG);
}

} /* namespace */
} /* namespace softvfio::shim */
