/* SPDX-License-Identifier: MIT */
/*
 * A fake exporting device for DmaBuf unit tests: a sparse memfd as "bus
 * memory" (bus address = file offset), a memory_lock, a switch for the
 * memory-enabled predicate, counted registrations and a buffer list.
 */
#pragma once

#include <atomic>
#include <fcntl.h>
#include <mutex>
#include <shared_mutex>
#include <sys/mman.h>

#include <gtest/gtest.h>

#include <softvfio/profile.h>

#include "base/memfd.h"
#include "dmabuf/buffer_list.h"
#include "dmabuf/dma_buf.h"
#include "dmabuf/exporter.h"
#include "mm/mm.h"

namespace softvfio::dmabuf::test {

constexpr uint64_t kPage = 4096;
constexpr uint64_t kBar2 = 2ull << 40;   /* where "BAR2" sits in the memfd */

class FakeExporter : public Exporter
{
public:
	explicit FakeExporter(const Profile &p = default_profile())
		: profile_(p), mem_(create_memfd("fake-bars", 4ull << 40).value())
	{
	}

	const Profile &profile() const override { return profile_; }
	std::string exporter_name() const override { return "vfio9:5f00:00:09.0"; }
	bool get_registration() override
	{
		if (refuse_registrations)
			return false;
		registrations++;
		return true;
	}
	void put_registration() override { registrations--; }
	TrackedSharedMutex &memory_lock() override { return memory_lock_; }
	bool mmio_accessible_locked() override { return enabled; }
	bool mmio_accessible_now() override { return enabled; }
	Result<HostLocation> host_location(uint64_t paddr, uint64_t) override
	{
		return HostLocation{mem_.get(), paddr};
	}

	int fd() const { return mem_.get(); }

	std::atomic<bool> enabled{true};
	std::atomic<bool> refuse_registrations{false};
	std::atomic<int> registrations{0};
	BufferList list{*this};

private:
	const Profile &profile_;
	TrackedSharedMutex memory_lock_;
	UniqueFD mem_;
};

/* Buffers and mappings over a FakeExporter. */
class DmaBufTest : public ::testing::Test
{
protected:
	explicit DmaBufTest(const Profile &p = default_profile()) : dev_(p) {}

	std::shared_ptr<DmaBuf> make(std::vector<std::pair<uint64_t, uint64_t>> ranges, Kind kind = Kind::Exported,
				     uint64_t adjust = 0, std::shared_ptr<vfs::File> vfile = nullptr)
	{
		BufferSpec spec;
		spec.kind = kind;
		spec.exporter = &dev_;
		spec.device = "5f00:00:09.0";
		spec.bar = 2;
		for (auto [paddr, len] : ranges)
			spec.ranges.push_back({paddr - kBar2, paddr, len, {dev_.fd(), paddr}});
		spec.vma_pgoff_adjust = adjust;
		spec.access_mode = O_RDWR;
		spec.vfile = std::move(vfile);
		spec.domain = this;
		EXPECT_TRUE(dev_.get_registration());
		auto buf = DmaBuf::create(std::move(spec));
		std::unique_lock guard(dev_.memory_lock());
		buf->link_locked(dev_.list, dev_.mmio_accessible_locked());
		return buf;
	}

	uintptr_t map(const std::shared_ptr<DmaBuf> &buf, uint64_t len, uint64_t pgoff)
	{
		vfs::MmapArgs args{0, len, PROT_READ | PROT_WRITE, MAP_SHARED, pgoff << 12};
		auto addr = mm_.map(buf, *buf, args, pgoff, mm::MemAttr::Uncached);
		EXPECT_TRUE(addr) << addr.error();
		return addr ? *addr : 0;
	}

	void set_status(const std::shared_ptr<DmaBuf> &buf, Status s)
	{
		std::unique_lock guard(dev_.memory_lock());
		buf->set_status_locked(s);
	}
	void move(bool revoke)
	{
		std::unique_lock guard(dev_.memory_lock());
		dev_.list.move_locked(revoke);
	}

	FakeExporter dev_;
	mm::Mm mm_;
};

} /* namespace softvfio::dmabuf::test */
