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

Result<void> make_register_models(const DeviceDescription &desc, const std::array<DeviceContext *, 6> &contexts,
				  plugin::CallGate *gate, std::array<std::unique_ptr<DeviceModel>, 6> &models)
{
	for (unsigned i = 0; i < 6; ++i) {
		if (!contexts[i] || models[i])
			continue;
		const BarDescription &bar = desc.bars[i];
		if (bar.model == kPluginModelName) {
			/* This BAR and the later ones naming the same file. */
			std::vector<DeviceContext *> named;
			std::vector<unsigned> index;
			for (unsigned j = i; j < 6; ++j) {
				if (contexts[j] && desc.bars[j].model == kPluginModelName &&
				    desc.bars[j].plugin == bar.plugin) {
					named.push_back(contexts[j]);
					index.push_back(j);
				}
			}
			auto made = plugin::make_plugin_models(bar.plugin, named, gate);
			for (size_t k = 0; k < made.size(); ++k)
				models[index[k]] = std::move(made[k]);
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
				models[i] = create(*contexts[i]);
		}
		if (!models[i]) {
			for (auto &model : models)
				model.reset();
			return err(EINVAL);
		}
	}
	/* In BAR order, once every model exists: of the models sharing a
	 * plugin instance only the first calls it. */
	for (auto &model : models)
		if (model)
			model->reset();
	return {};
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
