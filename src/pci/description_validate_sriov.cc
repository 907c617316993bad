/* SPDX-License-Identifier: MIT */
/*
 * validate_sriov_description(): the rules of an [sriov] section. The VF
 * BARs are checked by the same rules as a function's own BARs, on the
 * description of VF 0, and reported under sriov.bar[N].
 */
#include <string>

#include "pci/sriov.h"

namespace softvfio::pci {

namespace {

std::optional<DescriptionError> check_vf_bars(const SriovCapability &sriov, const std::string &origin)
{
	bool any = false;
	for (unsigned i = 0; i < 6; ++i) {
		const BarDescription &bar = sriov.vf_bars[i];
		const std::string field = "sriov.bar[" + std::to_string(i) + "]";
		if (bar.kind == BarKind::None)
			continue;
		any = true;
		/* A VF's BARs are windows of the PF's VF BAR apertures. */
		if (bar.kind == BarKind::Io)
			return DescriptionError{origin, field + ".kind", "VF BARs are memory BARs (mem32 or mem64)"};
		if (bar.address)
			return DescriptionError{origin, field + ".address",
						"VF BAR addresses are assigned by the model"};
		if (bar.contents != BarContents::Ram || !bar.model.empty())
			return DescriptionError{origin, field + ".contents", "VF BARs hold RAM"};
		if (bar.clear_on_reset)
			return DescriptionError{origin, field + ".clear_on_reset",
						"not supported on VF BARs"};
	}
	if (!any)
		return DescriptionError{origin, "sriov.bar", "a VF needs at least one [[sriov.bar]]"};
	return {};
}

} /* namespace */

std::optional<DescriptionError> validate_sriov_description(const DeviceDescription &desc,
							   std::string_view origin_view)
{
	if (!desc.sriov)
		return {};
	const std::string origin(origin_view);
	const SriovCapability &s = *desc.sriov;
	if (desc.virtual_function)
		return DescriptionError{origin, "sriov", "a virtual function cannot have VFs of its own"};
	if (!desc.express)
		return DescriptionError{origin, "sriov",
					"SR-IOV is a PCI Express extended capability: it needs [express]"};
	if (s.total_vfs == 0 || s.total_vfs > kMaxVfs)
		return DescriptionError{origin, "sriov.total_vfs",
					std::to_string(s.total_vfs) + " is not 1.." + std::to_string(kMaxVfs)};
	if (s.initial_vfs > s.total_vfs)
		return DescriptionError{origin, "sriov.initial_vfs",
					std::to_string(s.initial_vfs) + " is more than total_vfs (" +
						std::to_string(s.total_vfs) + ")"};
	if (s.first_vf_offset == 0)
		return DescriptionError{origin, "sriov.first_vf_offset",
					"0 would give VF 0 the PF's own routing ID"};
	if (s.vf_stride == 0 && s.total_vfs > 1)
		return DescriptionError{origin, "sriov.vf_stride",
					"0 would give every VF the same routing ID"};
	if (s.supported_page_sizes == 0)
		return DescriptionError{origin, "sriov.supported_page_sizes",
					"no page size (bit n is 4 KiB << n)"};
	if (auto p = check_vf_bars(s, origin))
		return p;
	/* Everything a function's own BARs must satisfy (power-of-two sizes,
	 * limits, 64-bit slots), as the description of VF 0. */
	if (auto p = validate_device_description(vf_description(desc, 0), origin)) {
		if (p->field.rfind("bar[", 0) == 0 || p->field.rfind("msix.", 0) == 0)
			p->field = "sriov." + p->field;
		/* A problem's text names VF BARs as the VF's own. */
		for (size_t at = 0; (at = p->problem.find("bar[", at)) != std::string::npos; at += 10)
			p->problem.replace(at, 4, "sriov.bar[");
		return p;
	}
	return {};
}

} /* namespace softvfio::pci */
