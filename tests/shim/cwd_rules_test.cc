/* SPDX-License-Identifier: MIT */
/*
 * The rules of the logical current directory (cwd_rules.h): which
 * directories are kept, where chdir really goes, how the kernel's name of
 * a real directory is spelled, getcwd's buffer conventions.
 */
#include <gtest/gtest.h>

#include <cerrno>
#include <cstdlib>

#include "shim/cwd_rules.h"

namespace softvfio::shim {
namespace {

const std::string kView = "/tmp/softvfio-0/s1-ab/sys";
const std::string kViewCanonical = "/private/tmp/softvfio-0/s1-ab/sys";

Resolved resolved(Route route, std::string path, std::string logical, bool dir)
{
	Resolved r;
	r.route = route;
	r.path = std::move(path);
	r.logical = std::move(logical);
	r.dir = dir;
	return r;
}

TEST(CwdRules, KeptInSysAndDevVfio)
{
	for (const char *p : {"/sys", "/sys/bus/pci/devices", "/dev/vfio", "/dev/vfio/devices"})
		EXPECT_TRUE(cwd_keeps(p)) << p;
	for (const char *p : {"", "/", "/dev", "/sysfs", "/dev/vfiox", "/tmp/softvfio-0/s1-ab/sys"})
		EXPECT_FALSE(cwd_keeps(p)) << p;
}

TEST(CwdRules, ChdirIntoAViewDirectoryGoesToItsRealDirectory)
{
	ChdirPlan p = plan_chdir(resolved(Route::SysView, kView + "/devices/pci5f00:00", "/sys/devices/pci5f00:00", true),
				 std::nullopt);
	EXPECT_EQ(p.error, 0);
	EXPECT_EQ(p.real, kView + "/devices/pci5f00:00");
	EXPECT_EQ(p.logical, "/sys/devices/pci5f00:00");
	EXPECT_FALSE(p.learn);
}

TEST(CwdRules, ChdirIntoAViewFileIsENOTDIR)
{
	ChdirPlan p = plan_chdir(resolved(Route::SysView, kView + "/bus/pci/rescan", "/sys/bus/pci/rescan", false),
				 std::nullopt);
	EXPECT_EQ(p.error, ENOTDIR);
}

TEST(CwdRules, ChdirIntoAMergedDirectoryGoesToTheMachines)
{
	ChdirPlan p = plan_chdir(resolved(Route::SysMerged, "", "/sys/bus/pci/devices", true), std::nullopt);
	EXPECT_EQ(p.real, "/sys/bus/pci/devices");
	EXPECT_EQ(p.logical, "/sys/bus/pci/devices");
}

TEST(CwdRules, ChdirIntoAMachineDirectoryBelowSysKeepsIt)
{
	ChdirPlan p = plan_chdir(resolved(Route::Real, "/sys/devices/pci0000:00", "/sys/devices/pci0000:00", true),
				 std::nullopt);
	EXPECT_EQ(p.real, "/sys/devices/pci0000:00");
	EXPECT_EQ(p.logical, "/sys/devices/pci0000:00");
	EXPECT_FALSE(p.learn);
}

TEST(CwdRules, ChdirIntoAServedDirectoryGoesToDev)
{
	NodeInfo dir;
	dir.directory = true;
	ChdirPlan p = plan_chdir(resolved(Route::Node, "", "/dev/vfio", false), dir);
	EXPECT_EQ(p.real, "/dev");
	EXPECT_EQ(p.logical, "/dev/vfio");
}

TEST(CwdRules, ChdirIntoAServedNodeThatIsNoDirectory)
{
	NodeInfo node;
	EXPECT_EQ(plan_chdir(resolved(Route::Node, "", "/dev/vfio/vfio", false), node).error, ENOTDIR);
	node.exists = false;
	EXPECT_EQ(plan_chdir(resolved(Route::Node, "", "/dev/vfio/devices", false), node).error, ENOENT);
}

TEST(CwdRules, ChdirFailsAsTheWalkDid)
{
	Resolved r;
	r.route = Route::Error;
	r.error = ELOOP;
	EXPECT_EQ(plan_chdir(r, std::nullopt).error, ELOOP);
}

TEST(CwdRules, ChdirElsewhereAsksWhereItEnded)
{
	ChdirPlan p = plan_chdir(resolved(Route::Real, "", "", false), std::nullopt);
	EXPECT_EQ(p.error, 0);
	EXPECT_TRUE(p.real.empty());
	EXPECT_TRUE(p.learn);
	/* A /dev/vfio path the model gives no answer for: the C library's. */
	EXPECT_TRUE(plan_chdir(resolved(Route::Node, "", "/dev/vfio", false), std::nullopt).learn);
}

TEST(CwdRules, RealDirectoriesOfTheViewAreSpelledAsSys)
{
	EXPECT_EQ(cwd_from_real(kView + "/devices/pci5f00:00", kView, kViewCanonical), "/sys/devices/pci5f00:00");
	EXPECT_EQ(cwd_from_real(kViewCanonical + "/bus", kView, kViewCanonical), "/sys/bus");
	EXPECT_EQ(cwd_from_real(kView, kView, kViewCanonical), "/sys");
}

TEST(CwdRules, RealDirectoriesBelowSysAreThemselves)
{
	EXPECT_EQ(cwd_from_real("/sys/class/net", kView, kViewCanonical), "/sys/class/net");
}

TEST(CwdRules, OtherRealDirectoriesAreNotKept)
{
	/* The session's own directory, next to the view, least of all. */
	EXPECT_EQ(cwd_from_real("/tmp/softvfio-0/s1-ab", kView, kViewCanonical), "");
	EXPECT_EQ(cwd_from_real(kView + "x", kView, kViewCanonical), "");
	EXPECT_EQ(cwd_from_real("/dev", kView, kViewCanonical), "");
	EXPECT_EQ(cwd_from_real("/home", "", ""), "");
}

TEST(CwdRules, InDevTheShellsPwdNamesAServedDirectory)
{
	EXPECT_EQ(cwd_from_pwd("/dev", "/dev/vfio"), "/dev/vfio");
	EXPECT_EQ(cwd_from_pwd("/dev", "/dev//vfio/devices/"), "/dev/vfio/devices");
}

TEST(CwdRules, ThePwdCountsOnlyInDevAndOnlyForDevVfio)
{
	EXPECT_EQ(cwd_from_pwd("/tmp", "/dev/vfio"), "");
	EXPECT_EQ(cwd_from_pwd("/dev", "/dev"), "");
	EXPECT_EQ(cwd_from_pwd("/dev", "/dev/vfiox"), "");
	EXPECT_EQ(cwd_from_pwd("/dev", "vfio"), "");
	EXPECT_EQ(cwd_from_pwd("/dev", nullptr), "");
}

TEST(CwdRules, GetcwdAllocatesForANullBuffer)
{
	char *p = copy_cwd("/sys/bus", nullptr, 0);
	ASSERT_NE(p, nullptr);
	EXPECT_STREQ(p, "/sys/bus");
	std::free(p);
	p = copy_cwd("/sys/bus", nullptr, 64);
	ASSERT_NE(p, nullptr);
	EXPECT_STREQ(p, "/sys/bus");
	std::free(p);
}

TEST(CwdRules, GetcwdOfAShortBufferIsERANGE)
{
	char buf[8];
	errno = 0;
	EXPECT_EQ(copy_cwd("/sys/bus", buf, sizeof(buf)), nullptr);
	EXPECT_EQ(errno, ERANGE);
	errno = 0;
	EXPECT_EQ(copy_cwd("/sys/bus", nullptr, 8), nullptr);
	EXPECT_EQ(errno, ERANGE);
}

TEST(CwdRules, GetcwdOfABufferOfSizeZeroIsEINVAL)
{
	char buf[1];
	errno = 0;
	EXPECT_EQ(copy_cwd("/sys", buf, 0), nullptr);
	EXPECT_EQ(errno, EINVAL);
}

TEST(CwdRules, GetcwdFillsABufferThatFitsExactly)
{
	char buf[9];
	EXPECT_EQ(copy_cwd("/sys/bus", buf, sizeof(buf)), buf);
	EXPECT_STREQ(buf, "/sys/bus");
}

} /* namespace */
} /* namespace softvfio::shim */
