/* SPDX-License-Identifier: MIT */
/*
 * Register BARs through mappings in a session's processes: a read the
 * model lets the mirror serve is served in the process (no call: the
 * model sees only the writes), with the values the model would give, in
 * a device-fd mapping and a DMABUF mapping alike; a revocation still
 * wins over it.
 *
 * The test process hosts the kernel, so it counts the accesses the model
 * made (DeviceState::register_accesses).
 */
#include <functional>
#include <sys/mman.h>

#include <softvfio/device_description.h>
#include <softvfio/uapi/vfio.h>

#include "session/session_fixture.h"

namespace softvfio::test {
namespace {

using session::Connection;
using namespace child;

constexpr uint32_t kEduId = 0x010000ed;
constexpr size_t kPage = 4096;

class SessionRegisterTest : public EduSessionTest
{
protected:
	/* Run `body` in a child of the session with edu's device fd. */
	int with_edu(const std::function<int(Connection &, int)> &body)
	{
		const std::string bdf = edu_;
		const unsigned group = group_;
		return in_child([&](Connection &c) {
			child::Device d;
			CHILD_CHECK(child::open_device(c, bdf, d, group));
			return body(c, d.device);
		});
	}
};

TEST_F(SessionRegisterTest, MirroredReadsAreServedInTheProcessAndOnlyWritesReachTheModel)
{
	EXPECT_EQ(with_edu([](Connection &c, int device) {
			  char *p = map_page(c, device, PROT_READ | PROT_WRITE);
			  CHILD_CHECK(p);
			  for (int i = 0; i < 100; i++)
				  CHILD_CHECK(*reg32(p, 0x00) == kEduId);
			  *reg32(p, 0x04) = 0x12345678;   /* write 1 */
			  CHILD_CHECK(*reg32(p, 0x04) == 0xedcba987u);
			  *reg64(p, 0x80) = 0x1122334455667788ull;   /* write 2 */
			  CHILD_CHECK(*reg64(p, 0x80) == 0x1122334455667788ull);
			  CHILD_CHECK(*reg32(p, 0x80) == 0x55667788u);
			  /* Not promised: edu answers all ones, the mirror has 0. */
			  CHILD_CHECK(*reg32(p, 0x84) == 0xffffffffu);   /* read 3 */
			  return 0;
		  }),
		  0);
	EXPECT_EQ(model_accesses(), 3u);
}

TEST_F(SessionRegisterTest, ADmabufOfTheRegistersIsServedFromTheMirrorToo)
{
	EXPECT_EQ(with_edu([](Connection &c, int device) {
			  long buf = child::export_dmabuf(c, device, 0, 0, kPage);
			  CHILD_CHECK(buf >= 0);
			  char *p = map_page(c, static_cast<int>(buf), PROT_READ | PROT_WRITE);
			  CHILD_CHECK(p);
			  *reg32(p, 0x04) = 0x0f0f0f0f;
			  for (int i = 0; i < 10; i++)
				  CHILD_CHECK(*reg32(p, 0x04) == 0xf0f0f0f0u);
			  CHILD_CHECK(*reg32(p, 0x00) == kEduId);
			  return 0;
		  }),
		  0);
	EXPECT_EQ(model_accesses(), 1u);
}

/* The mirror is read with the process's table held, and a memory disable
 * is applied under it before the call returns: the next read faults. */
TEST_F(SessionRegisterTest, AMirroredReadFaultsOnceMemoryIsDisabled)
{
	EXPECT_EQ(with_edu([](Connection &c, int device) {
			  char *p = map_page(c, device, PROT_READ);
			  CHILD_CHECK(p);
			  CHILD_CHECK(*reg32(p, 0x00) == kEduId);
			  CHILD_CHECK(child::set_memory(c, device, false));
			  CHILD_CHECK(child::faults(reg32(p, 0x00)));
			  CHILD_CHECK(child::set_memory(c, device, true));
			  CHILD_CHECK(!child::faults(reg32(p, 0x00)));
			  CHILD_CHECK(*reg32(p, 0x00) == kEduId);
			  return 0;
		  }),
		  0);
	EXPECT_EQ(model_accesses(), 0u);
}

/* A plugin's declared reads are served the same way: vfio-pci names a
 * plugin BAR's table by plugin and BAR (ringdev declares ID, VERSION,
 * STATUS, SQ_HEAD, CQ_TAIL, COMPLETED and FAILED). */
TEST_F(SessionRegisterTest, APluginsDeclaredReadsAreServedInTheProcess)
{
	/* The example's description beside its plugin, loaded as a file: that
	 * is when the plugin is probed and its declaration taken. */
	const std::string plugin = RINGDEV_PLUGIN;
	auto parsed = load_device_description(plugin.substr(0, plugin.rfind('/')) + "/ringdev.toml");
	auto *desc = std::get_if<DeviceDescription>(&parsed);
	ASSERT_TRUE(desc) << std::get<DescriptionError>(parsed).message();
	auto bdf = kernel_->add_device(*desc);
	ASSERT_TRUE(bdf);
	auto state = kernel_->device_state(*bdf);
	ASSERT_TRUE(state);
	const std::string ringdev = *bdf;
	const unsigned group = state->iommu_group;
	const uint64_t before = model_accesses(ringdev);
	EXPECT_EQ(in_child([&](Connection &c) {
			  child::Device d;
			  CHILD_CHECK(child::open_device(c, ringdev, d, group));
			  char *p = map_page(c, d.device, PROT_READ | PROT_WRITE);
			  CHILD_CHECK(p);
			  for (int i = 0; i < 100; i++) {
				  CHILD_CHECK(*reg32(p, 0x00) == 0x52494e47u);   /* ID, "RING" */
				  CHILD_CHECK(*reg32(p, 0x04) == 1u);            /* VERSION */
			  }
			  CHILD_CHECK((*reg32(p, 0x0c) & 1) == 0);   /* STATUS: not enabled */
			  *reg32(p, 0x08) = 1;                        /* CTRL: enable, the one call */
			  CHILD_CHECK((*reg32(p, 0x0c) & 1) == 1);   /* from the mirror, as the plugin stored it */
			  return 0;
		  }),
		  0);
	EXPECT_EQ(model_accesses(ringdev) - before, 1u);
}

} /* namespace */
} /* namespace softvfio::test */
