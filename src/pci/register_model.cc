/* SPDX-License-Identifier: MIT */
#include "pci/register_model.h"

#include <cerrno>
#include <mutex>
#include <vector>

#include "pci/edu_model.h"
#include "pci/ivshmem_model.h"
#include "plugin/plugin_model.h"

namespace softvfio::pci {

namespace {

/* Built-in models first, then registered ones, in registration order. A
 * function-local static so registration before main() is safe. */
struct Registry {
	std::mutex mu;
	std::vector<DeviceModelFactory> factories;
};

Registry &registry()
{
	static Registry *r = [] {
		auto *reg = new Registry;   /* never destroyed: models may outlive main() */
		reg->factories.push_back({"edu", EduModel::kMinBarSize, [](DeviceContext &context) {
						  return std::unique_ptr<DeviceModel>(new EduModel(context));
					  }});
		reg->factories.push_back({"ivshmem", IvshmemModel::kMinBarSize, [](DeviceContext &context) {
						  return std::unique_ptr<DeviceModel>(new IvshmemModel(context));
					  }});
		return reg;
	}();
	return *r;
}

} /* namespace */

std::optional<RegisterModelInfo> find_register_model(std::string_view name)
{
	Registry &r = registry();
	std::lock_guard lock(r.mu);
	for (const DeviceModelFactory &f : r.factories)
		if (f.name == name)
			return RegisterModelInfo{f.name, f.min_bar_size};
	return std::nullopt;
}

std::unique_ptr<DeviceModel> make_register_model(const BarDescription &bar, DeviceContext &context,
						 plugin::CallGate *gate)
{
	std::unique_ptr<DeviceModel> model;
	if (bar.model == kPluginModelName) {
		model = plugin::make_plugin_model(bar.plugin, context, gate);
	} else {
		std::function<std::unique_ptr<DeviceModel>(DeviceContext &)> create;
		{
			Registry &r = registry();
			std::lock_guard lock(r.mu);
			for (const DeviceModelFactory &f : r.factories)
				if (f.name == bar.model)
					create = f.create;
		}
		if (create)
			model = create(context);
	}
	if (model)
		model->reset();
	return model;
}

} /* namespace softvfio::pci */

namespace softvfio {

int register_device_model(DeviceModelFactory factory)
{
	if (factory.name.empty() || !factory.create)
		return -EINVAL;
	pci::Registry &r = pci::registry();
	std::lock_guard lock(r.mu);
	if (factory.name == pci::kPluginModelName)
		return -EEXIST;
	for (const DeviceModelFactory &f : r.factories)
		if (f.name == factory.name)
			return -EEXIST;
	r.factories.push_back(std::move(factory));
	return 0;
}

std::vector<std::string> register_model_names()
{
	pci::Registry &r = pci::registry();
	std::lock_guard lock(r.mu);
	std::vector<std::string> names;
	for (const DeviceModelFactory &f : r.factories)
		names.push_back(f.name);
	return names;
}

} /* namespace softvfio */
