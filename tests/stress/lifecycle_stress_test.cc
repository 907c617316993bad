/* SPDX-License-Identifier: MIT */
/*
 * Everything at once: exports, mmaps, munmaps, closes, permanent revokes,
 * importers, device-wide revocation toggles, device close and reopen, and
 * introspection, from several threads for a bounded time. Invariants: no
 * crash, no deadlock, no access to a revoked buffer succeeds, a successful
 * access reads the right data, and at the end every buffer is gone.
 */
#include <random>
#include <vector>

#include <softvfio/importer.h>

#include "stress/stress_fixture.h"

namespace softvfio::stress {
namespace {

constexpr auto kBudget = std::chrono::milliseconds(1200);

struct Failures {
	std::atomic<int> perm_readable{0};
	std::atomic<int> perm_mappable{0};
	std::atomic<int> closed_readable{0};
	std::atomic<int> wrong_data{0};
	std::atomic<int> bad_errno{0};
};

bool acceptable_map_error(long err) { return err == 0 || err == -ENODEV; }

/* Export, map, read, sometimes revoke for good (then nothing may read),
 * unmap, close. */
void exporter(Stress &st, Failures &f, const Deadline &d, unsigned seed)
{
	std::mt19937 rng(seed);
	while (!d.passed()) {
		const uint64_t page = rng() % 200;
		const uint64_t pages = 1 + rng() % 4;
		const long buf = st.export_buf(st.fd, page * kPage, pages * kPage);
		if (buf < 0) {
			f.bad_errno++;
			continue;
		}
		long err = 0;
		const uintptr_t p = st.map(static_cast<int>(buf), 0, pages * kPage, &err);
		if (!acceptable_map_error(err))
			f.bad_errno++;
		if (p) {
			Access a = guarded_read(reinterpret_cast<void *>(p));
			if (!a.faulted && a.value != pattern(page * kPage))
				f.wrong_data++;
		}
		if (rng() % 3 == 0) {
			if (st.revoke(st.fd, static_cast<int>(buf)) != 0)
				f.bad_errno++;
			if (p && !guarded_read(reinterpret_cast<void *>(p)).faulted)
				f.perm_readable++;
			if (st.map(static_cast<int>(buf), 0, kPage, &err) || err != -ENODEV)
				f.perm_mappable++;
		}
		if (rng() % 2 == 0) {
			/* Close first: the mapping keeps the buffer. */
			st.kernel.close(static_cast<int>(buf));
			if (p)
				st.kernel.munmap(reinterpret_cast<void *>(p), pages * kPage);
		} else {
			if (p)
				st.kernel.munmap(reinterpret_cast<void *>(p), pages * kPage);
			st.kernel.close(static_cast<int>(buf));
		}
	}
}

/* BAR mappings through a second open of the device, closed while mapped:
 * the mapping keeps the device file; split by partial munmaps. */
void bar_mapper(Stress &st, Failures &f, const Deadline &d, unsigned seed)
{
	std::mt19937 rng(seed);
	while (!d.passed()) {
		const int dev = static_cast<int>(st.kernel.open_device(st.bdf()));
		const uint64_t page = rng() % 200;
		const uintptr_t p = st.map(dev, kBar2 + page * kPage, 4 * kPage);
		st.kernel.close(dev);
		if (!p) {
			f.bad_errno++;
			continue;
		}
		Access a = guarded_read(reinterpret_cast<void *>(p + 2 * kPage));
		if (!a.faulted && a.value != pattern((page + 2) * kPage))
			f.wrong_data++;
		st.kernel.munmap(reinterpret_cast<void *>(p + kPage), kPage);
		a = guarded_read(reinterpret_cast<void *>(p + 3 * kPage));
		if (!a.faulted && a.value != pattern((page + 3) * kPage))
			f.wrong_data++;
		/* Only our own pieces: the hole may hold another thread's
		 * mapping by now, as in any process. */
		st.kernel.munmap(reinterpret_cast<void *>(p), kPage);
		st.kernel.munmap(reinterpret_cast<void *>(p + 2 * kPage), 2 * kPage);
	}
}

/* Device-wide revocation: COMMAND.MEMORY toggles and FLR-less resets. */
void toggler(Stress &st, Failures &f, const Deadline &d)
{
	while (!d.passed()) {
		if (st.set_memory(st.fd, false) != 2 || st.set_memory(st.fd, true) != 2)
			f.bad_errno++;
		if (st.kernel.ioctl(st.fd, VFIO_DEVICE_RESET, uintptr_t(0)) != 0)
			f.bad_errno++;
	}
}

struct UnmappingImporter : Importer {
	void invalidate(Attachment &a) override
	{
		while (a.mapped())
			(void)a.unmap();
	}
};

/* An importer mapping and unmapping its own buffer. */
void importer_loop(Stress &st, Failures &f, const Deadline &d)
{
	UnmappingImporter importer;
	while (!d.passed()) {
		const long buf = st.export_buf(st.fd, 0, 2 * kPage);
		if (buf < 0) {
			f.bad_errno++;
			continue;
		}
		auto att = st.kernel.attach_dma_buf(static_cast<int>(buf), importer);
		if (att) {
			for (int i = 0; i < 8; i++) {
				auto m = (*att)->map();
				if (!m && m.error() != ENODEV)
					f.bad_errno++;
				if (m)
					(void)(*att)->unmap();
			}
			att->reset();
		} else if (att.error() != ENODEV) {
			f.bad_errno++;
		}
		st.kernel.close(static_cast<int>(buf));
	}
}

/* A second device opened and closed over and over, with buffers and BAR
 * mappings outliving its fd. */
void device_churn(Stress &st, const std::string &bdf, Failures &f, const Deadline &d)
{
	while (!d.passed()) {
		const int dev = static_cast<int>(st.kernel.open_device(bdf));
		const long buf = st.export_buf(dev, 0, kPage);
		const uintptr_t exported = buf >= 0 ? st.map(static_cast<int>(buf), 0, kPage) : 0;
		const uintptr_t bar = st.map(dev, kBar2, kPage);
		st.kernel.close(dev);
		if (bar)
			st.kernel.munmap(reinterpret_cast<void *>(bar), kPage);
		/* The last reference to the BAR mapping's buffer may be the
		 * observer's, so the device closes on its thread: wait for it. */
		spin_until([&] { return st.kernel.device_state(bdf)->open_count == 0; });
		/* The device is closed now: its exported buffer is dead. */
		if (exported && !guarded_read(reinterpret_cast<void *>(exported)).faulted)
			f.closed_readable++;
		if (exported)
			st.kernel.munmap(reinterpret_cast<void *>(exported), kPage);
		if (buf >= 0)
			st.kernel.close(static_cast<int>(buf));
	}
}

void observer(Stress &st, const Deadline &d)
{
	while (!d.passed()) {
		(void)st.kernel.buffers();
		(void)st.kernel.mappings(false);
		(void)st.kernel.device_state(st.bdf());
	}
}

TEST(LifecycleStress, EverythingConcurrently)
{
	Stress st;
	auto second = st.kernel.add_device(*preset("nic"));
	ASSERT_TRUE(second);
	Failures f;
	Deadline d(kBudget);
	std::vector<std::thread> threads;
	threads.emplace_back(exporter, std::ref(st), std::ref(f), std::cref(d), 1u);
	threads.emplace_back(exporter, std::ref(st), std::ref(f), std::cref(d), 2u);
	threads.emplace_back(bar_mapper, std::ref(st), std::ref(f), std::cref(d), 3u);
	threads.emplace_back(toggler, std::ref(st), std::ref(f), std::cref(d));
	threads.emplace_back(importer_loop, std::ref(st), std::ref(f), std::cref(d));
	threads.emplace_back(device_churn, std::ref(st), *second, std::ref(f), std::cref(d));
	threads.emplace_back(observer, std::ref(st), std::cref(d));
	for (auto &t : threads)
		t.join();
	EXPECT_EQ(f.perm_readable.load(), 0);
	EXPECT_EQ(f.perm_mappable.load(), 0);
	EXPECT_EQ(f.closed_readable.load(), 0);
	EXPECT_EQ(f.wrong_data.load(), 0);
	EXPECT_EQ(f.bad_errno.load(), 0);
	st.kernel.flush_deferred_releases();
	EXPECT_TRUE(st.kernel.buffers().empty());
	EXPECT_TRUE(st.kernel.mappings(false).empty());
	auto state = st.kernel.device_state(st.bdf());
	ASSERT_TRUE(state);
	EXPECT_EQ(state->open_count, 1u);
	EXPECT_EQ(state->buffers, 0u);
	EXPECT_EQ(st.kernel.device_state(*second)->open_count, 0u);
}

} /* namespace */
} /* namespace softvfio::stress */
