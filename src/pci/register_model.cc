/* SPDX-License-Identifier: MIT */
#include "pci/register_model.h"

#include <array>

#include <softvfio/device_description.h>

#include "pci/edu_model.h"
#include "pci/ivshmem_model.h"

namespace softvfio::pci {

namespace {

constexpr std::array<RegisterModelInfo, 2> kModels = {{
	{"edu", EduModel::kMinBarSize},
	{"ivshmem", IvshmemModel::kMinBarSize},
}};

} /* namespace */

const RegisterModelInfo *find_register_model(std::string_view name)
{
	for (const RegisterModelInfo &info : kModels) {
		if (info.name == name)
			return &info;
	}
	return nullptr;
}

std::unique_ptr<RegisterModel> make_register_model(std::string_view name, ModelHost &host)
{
	std::unique_ptr<RegisterModel> model;
	if (name == "edu")
		model = std::make_unique<EduModel>(host);
	else if (name == "ivshmem")
		model = std::make_unique<IvshmemModel>(host);
	if (model)
		model->reset();
	return model;
}

} /* namespace softvfio::pci */

namespace softvfio {

std::vector<std::string> register_model_names()
{
	std::vector<std::string> names;
	for (const pci::RegisterModelInfo &info : pci::kModels)
		names.emplace_back(info.name);
	return names;
}

} /* namespace softvfio */
