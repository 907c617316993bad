/* SPDX-License-Identifier: MIT */
/*
 * The client scenario suite's fixture. One test binary, two backends:
 *
 *  - SOFTVFIO_CLIENT_BACKEND unset or "model": a fresh in-process model per
 *    test with one `nic` device (client::ModelBackend);
 *  - "kernel": plain system calls, for running under
 *    `softvfio run --profile P -- client_scenarios`, where the shim serves
 *    the same `nic` device (its default preset).
 *
 * SOFTVFIO_PROFILE (set by `softvfio run` too) names the profile the
 * expectations follow. Every test leaves the device as it found it (memory
 * enabled, nothing mapped, closed), since under the shim one device serves
 * the whole run.
 */
#pragma once

#include <memory>
#include <optional>
#include <string>

#include <gtest/gtest.h>

#include <softvfio/client/client.h>
#include <softvfio/profile.h>

namespace softvfio::test {

inline constexpr uint16_t kNicVendor = 0x5356;
inline constexpr uint64_t kNicBar0Size = 128 << 10;
inline constexpr uint64_t kNicBar2Size = 4ull << 30;
inline constexpr size_t kPage = 4096;
inline constexpr size_t k2M = 2 << 20;

class ClientScenario : public ::testing::Test
{
protected:
	void SetUp() override;
	void TearDown() override;

	/* The device preset the model backend adds (under the shim, the one
	 * `softvfio run --device` serves: the first vfio-pci device). */
	virtual const char *device_preset() const { return "nic"; }

	/* Open the device (again); null (and a failed expectation) on error. */
	client::Device *open(client::OpenOptions options = {});
	void close() { dev_.reset(); }

	bool kernel_mode() const { return kernel_mode_; }
	ProfileId profile() const { return profile_; }
	bool has_dma_buf() const { return profile_ != ProfileId::Linux612; }
	bool has_dma_buf_mmap() const { return profile_ == ProfileId::SeriesV2 || profile_ == ProfileId::SeriesV4; }

	std::shared_ptr<client::Backend> backend_;
	std::string bdf_;
	std::optional<client::Device> dev_;

private:
	bool kernel_mode_ = false;
	ProfileId profile_ = ProfileId::SeriesV4;
};

} /* namespace softvfio::test */
