/* SPDX-License-Identifier: MIT */
/*
 * Queries (session/introspect.h): what the session kernel tells `softvfio
 * maps` about a process of the session, without the process doing anything
 * and without the asker becoming a member. The asking is done from the
 * member itself, which is running when it asks.
 */
#include <climits>
#include <sys/mman.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include <softvfio/uapi/vfio.h>

#include "session/introspect.h"
#include "session/session_fixture.h"

namespace softvfio::test {
namespace {

using session::Connection;

constexpr uint64_t kBar2 = uint64_t(VFIO_PCI_BAR2_REGION_INDEX) << 40;
constexpr size_t k2M = 2u << 20;

std::string own_program()
{
	char buf[PATH_MAX];
	ssize_t n = ::readlink("/proc/self/exe", buf, sizeof(buf) - 1);
	return n > 0 ? std::string(buf, static_cast<size_t>(n)) : std::string();
}

TEST_F(SessionTest, ASnapshotShowsTheProcesssMappingsAndTheirBuffer)
{
	EXPECT_EQ(in_child([this](Connection &c) {
			  child::Device d;
			  CHILD_CHECK(child::open_device(c, bdf_, d));
			  long p = child::mmap(c, k2M, PROT_READ | PROT_WRITE, d.device, kBar2);
			  CHILD_CHECK(p > 0);
			  reinterpret_cast<volatile char *>(p)[0] = 1;
			  auto text = session::query_session(dir_, static_cast<uint64_t>(::getpid()));
			  CHILD_CHECK(text);
			  auto s = session::snapshot_from_json(nlohmann::json::parse(*text));
			  CHILD_CHECK(s.pid == ::getpid());
			  CHILD_CHECK(s.program == own_program());
			  CHILD_CHECK(s.devices.size() == 1 && s.devices[0].state.bdf == bdf_);
			  CHILD_CHECK(s.mappings.size() == 1);
			  const MappingInfo &m = s.mappings[0];
			  CHILD_CHECK(m.start == static_cast<uintptr_t>(p) && m.end - m.start == k2M);
			  CHILD_CHECK(m.offset == kBar2);
			  /* series-v4: the BAR mmap goes through a hidden buffer. */
			  CHILD_CHECK(m.buffer_id && s.buffers.size() == 1 && s.buffers[0].id == *m.buffer_id);
			  CHILD_CHECK(s.buffers[0].hidden);
			  /* The page-table model caught up with the touched page. */
			  CHILD_CHECK(!m.page_table.empty());
			  return 0;
		  }),
		  0);
}

TEST_F(SessionTest, TheListNamesTheSessionsProcesses)
{
	EXPECT_EQ(in_child([this](Connection &) {
			  auto text = session::query_session(dir_, session::kQueryProcesses);
			  CHILD_CHECK(text);
			  auto j = nlohmann::json::parse(*text);
			  CHILD_CHECK(j["processes"].size() == 1);
			  CHILD_CHECK(j["processes"][0]["pid"] == ::getpid());
			  CHILD_CHECK(j["processes"][0]["program"] == own_program());
			  CHILD_CHECK(j["processes"][0]["mappings"] == 0);
			  return 0;
		  }),
		  0);
}

TEST_F(SessionTest, AskingMakesNoMember)
{
	auto text = session::query_session(dir_, session::kQueryProcesses);
	ASSERT_TRUE(text) << std::strerror(text.error());
	EXPECT_EQ(processes(), 0u);
	auto none = session::query_session(dir_, static_cast<uint64_t>(::getpid()));
	EXPECT_EQ(none.error(), ESRCH);
	EXPECT_EQ(processes(), 0u);
}

} /* namespace */
} /* namespace softvfio::test */
