/* SPDX-License-Identifier: MIT */
/*
 * MSI-X sent by the device reaches the user's eventfd: vfio-pci requests
 * the vector's interrupt when an eventfd is attached, and requesting it
 * programs and unmasks the function's table entry. A message the function
 * sends to a masked entry stays pending in the PBA and goes out when the
 * entry is unmasked.
 */
#include <sys/eventfd.h>
#include <unistd.h>

#include <softvfio/device_description.h>
#include <softvfio/device_model.h>

#include <softvfio/base/unique_fd.h>
#include "vfio/device/fixture.h"

namespace softvfio::test {
namespace {

/* Writing N to register 0 sends MSI-X vector N. */
class MsixSender final : public DeviceModel
{
public:
	explicit MsixSender(DeviceContext &context) : context_(context) {}
	uint64_t read(uint64_t, unsigned) override { return 0; }
	void write(uint64_t offset, unsigned, uint64_t value) override
	{
		if (offset == 0)
			(void)context_.raise_msix(static_cast<unsigned>(value));
	}
	void reset() override {}

private:
	DeviceContext &context_;
};

constexpr unsigned kTableBar = 2;
constexpr uint64_t kPbaOffset = 0x1000;

class MsixDeliveryTest : public DeviceTest
{
protected:
	static void SetUpTestSuite()
	{
		(void)register_device_model({"test-msix-sender", 0x100, [](DeviceContext &context) {
						     return std::unique_ptr<DeviceModel>(new MsixSender(context));
					     }});
	}

	void SetUp() override
	{
		auto desc = parse_device_description(
			"vendor_id = 0x1234\ndevice_id = 0x5678\n"
			"[[bar]]\nindex = 0\nkind = \"mem32\"\nsize = \"4KiB\"\n"
			"contents = \"registers\"\nmodel = \"test-msix-sender\"\n"
			"[[bar]]\nindex = 2\nkind = \"mem32\"\nsize = \"8KiB\"\n"
			"[msix]\nvectors = 4\ntable_bar = 2\npba_bar = 2\npba_offset = 0x1000\n"
			"[express]\nport_type = \"endpoint\"\nflr = true\n",
			"msix-sender.toml");
		ASSERT_TRUE(std::holds_alternative<DeviceDescription>(desc));
		DeviceOptions options;
		options.profile = ProfileId::SeriesV4;
		auto bdf = kernel_.add_device(std::get<DeviceDescription>(desc), options);
		ASSERT_TRUE(bdf);
		bdf_ = *bdf;
		fd_ = static_cast<int>(kernel_.open_device(bdf_));
		ASSERT_GE(fd_, 0);
		uint16_t cmd = cfg_read<uint16_t>(0x04);
		ASSERT_EQ(cfg_write<uint16_t>(0x04, cmd | 0x6), 2); /* memory, bus master */
	}

	long attach(unsigned vector, int fd)
	{
		std::vector<uint8_t> buf(sizeof(vfio_irq_set) + 4);
		auto *s = reinterpret_cast<vfio_irq_set *>(buf.data());
		s->argsz = static_cast<uint32_t>(buf.size());
		s->flags = VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_TRIGGER;
		s->index = VFIO_PCI_MSIX_IRQ_INDEX;
		s->start = vector;
		s->count = 1;
		int32_t efd = fd;
		std::memcpy(buf.data() + sizeof(vfio_irq_set), &efd, 4);
		return ioctl(VFIO_DEVICE_SET_IRQS, buf.data());
	}
	long disable_msix()
	{
		vfio_irq_set s{};
		s.argsz = sizeof(s);
		s.flags = VFIO_IRQ_SET_DATA_NONE | VFIO_IRQ_SET_ACTION_TRIGGER;
		s.index = VFIO_PCI_MSIX_IRQ_INDEX;
		return ioctl(VFIO_DEVICE_SET_IRQS, &s);
	}
	void send(unsigned vector)
	{
		uint32_t v = vector;
		ASSERT_EQ(kernel_.pwrite(fd_, &v, 4, region_offset(0)), 4);
	}
	uint64_t pba()
	{
		uint64_t word = 0;
		EXPECT_EQ(kernel_.pread(fd_, &word, 8, region_offset(kTableBar) + kPbaOffset), 8);
		return word;
	}
	struct Entry {
		uint32_t address_lo, address_hi, data, control;
	};
	/* The table through an mmap of its BAR (vfio-pci lets it be mapped:
	 * the region has the MSIX_MAPPABLE capability). */
	Entry entry(unsigned vector)
	{
		if (!table_)
			table_ = static_cast<const uint8_t *>(map(region_offset(kTableBar), 8192, PROT_READ));
		Entry e{};
		if (table_ != MAP_FAILED && table_)
			std::memcpy(&e, table_ + 16 * vector, sizeof(e));
		return e;
	}
	static UniqueFD make_eventfd() { return UniqueFD(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)); }
	static uint64_t drain(const UniqueFD &efd)
	{
		uint64_t n = 0;
		if (::read(efd.get(), &n, sizeof(n)) != sizeof(n))
			return 0;
		return n;
	}

	const uint8_t *table_ = nullptr;
};

TEST_F(MsixDeliveryTest, DeviceMessageReachesTheVectorsEventfd)
{
	auto a = make_eventfd();
	ASSERT_EQ(attach(1, a.get()), 0);
	send(1);
	EXPECT_EQ(drain(a), 1u);
	send(1);
	send(1);
	EXPECT_EQ(drain(a), 2u);
}

TEST_F(MsixDeliveryTest, RequestingAVectorProgramsAndUnmasksItsEntry)
{
	auto a = make_eventfd();
	ASSERT_EQ(attach(2, a.get()), 0);
	const Entry e = entry(2);
	EXPECT_EQ(e.address_lo, 0xfee00000u);
	EXPECT_EQ(e.address_hi, 0u);
	EXPECT_EQ(e.data, 2u);
	EXPECT_EQ(e.control & 1, 0u) << "unmasked";
	EXPECT_EQ(entry(0).control & 1, 1u) << "a vector without an eventfd stays masked";
	EXPECT_EQ(entry(3).control & 1, 1u);
}

TEST_F(MsixDeliveryTest, MessageToAVectorWithoutEventfdIsPendingUntilOneIsAttached)
{
	auto a = make_eventfd();
	auto b = make_eventfd();
	ASSERT_EQ(attach(0, a.get()), 0);
	send(3);
	EXPECT_EQ(pba(), 1u << 3);
	EXPECT_EQ(drain(a), 0u);
	ASSERT_EQ(attach(3, b.get()), 0);
	EXPECT_EQ(drain(b), 1u) << "the pending message goes out on unmask";
	EXPECT_EQ(pba(), 0u);
}

TEST_F(MsixDeliveryTest, RemovingTheEventfdMasksTheEntry)
{
	auto a = make_eventfd();
	ASSERT_EQ(attach(1, a.get()), 0);
	ASSERT_EQ(attach(1, -1), 0);
	EXPECT_EQ(entry(1).control & 1, 1u);
	send(1);
	EXPECT_EQ(drain(a), 0u);
	EXPECT_EQ(pba(), 1u << 1);
}

TEST_F(MsixDeliveryTest, DisablingMasksEveryEntryAndClearsEnable)
{
	auto a = make_eventfd();
	ASSERT_EQ(attach(0, a.get()), 0);
	ASSERT_EQ(attach(1, a.get()), 0);
	ASSERT_EQ(disable_msix(), 0);
	for (unsigned v = 0; v < 4; ++v)
		EXPECT_EQ(entry(v).control & 1, 1u) << v;
	send(0);
	EXPECT_EQ(drain(a), 0u);
	EXPECT_EQ(pba(), 0u) << "a function with MSI-X off sends nothing and records nothing";
}

TEST_F(MsixDeliveryTest, ReenablingDeliversAgain)
{
	auto a = make_eventfd();
	ASSERT_EQ(attach(0, a.get()), 0);
	ASSERT_EQ(disable_msix(), 0);
	ASSERT_EQ(attach(0, a.get()), 0);
	send(0);
	EXPECT_EQ(drain(a), 1u);
}

/* The PCI core restores the table with the rest of the saved state, so a
 * reset does not cost the driver its interrupts. */
TEST_F(MsixDeliveryTest, DeviceResetKeepsRequestedVectorsDelivering)
{
	auto a = make_eventfd();
	ASSERT_EQ(attach(1, a.get()), 0);
	ASSERT_EQ(ioctl(VFIO_DEVICE_RESET, uintptr_t(0)), 0);
	uint16_t cmd = cfg_read<uint16_t>(0x04);
	ASSERT_EQ(cfg_write<uint16_t>(0x04, cmd | 0x6), 2);
	send(1);
	EXPECT_EQ(drain(a), 1u);
}

TEST_F(MsixDeliveryTest, NothingIsSentWithoutBusMastering)
{
	auto a = make_eventfd();
	ASSERT_EQ(attach(1, a.get()), 0);
	uint16_t cmd = cfg_read<uint16_t>(0x04);
	ASSERT_EQ(cfg_write<uint16_t>(0x04, cmd & ~0x4), 2);
	send(1);
	EXPECT_EQ(drain(a), 0u);
}

} /* namespace */
} /* namespace softvfio::test */
