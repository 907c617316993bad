/* SPDX-License-Identifier: MIT */
#include "client/scenario_fixture.h"

#include <cstdlib>
#include <string_view>

#include <softvfio/client/model_backend.h>
#include <softvfio/device_description.h>

namespace softvfio::test {

void ClientScenario::SetUp()
{
	const char *mode = std::getenv("SOFTVFIO_CLIENT_BACKEND");
	kernel_mode_ = mode && std::string_view(mode) == "kernel";
	if (const char *name = std::getenv("SOFTVFIO_PROFILE"); name && *name) {
		const Profile *p = find_profile(name);
		ASSERT_NE(p, nullptr) << name;
		profile_ = p->id;
	}
	if (kernel_mode_) {
		backend_ = client::kernel_backend();
		auto devices = client::list_vfio_devices(*backend_);
		ASSERT_TRUE(devices) << devices.error().message();
		ASSERT_FALSE(devices->empty()) << "no vfio-pci device: run under `softvfio run`";
		bdf_ = devices->front();
		return;
	}
	auto model = client::ModelBackend::create();
	DeviceOptions options;
	options.profile = profile_;
	auto desc = preset(device_preset());
	ASSERT_TRUE(desc) << device_preset();
	auto bdf = model->kernel().add_device(*desc, options);
	ASSERT_TRUE(bdf);
	bdf_ = *bdf;
	backend_ = model;
}

void ClientScenario::TearDown()
{
	dev_.reset();
}

client::Device *ClientScenario::open(client::OpenOptions options)
{
	dev_.reset();
	auto dev = client::Device::open(backend_, bdf_, options);
	if (!dev) {
		ADD_FAILURE() << dev.error().message();
		return nullptr;
	}
	dev_.emplace(std::move(*dev));
	return &*dev_;
}

} /* namespace softvfio::test */
