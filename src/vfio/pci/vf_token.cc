/* SPDX-License-Identifier: MIT */
#include "vfio/pci/vf_token.h"

#include <cctype>
#include <cerrno>
#include <random>

#include <softvfio/uapi/vfio.h>

#include "base/user_copy.h"
#include "vfio/pci/device.h"
#include "pci/regs.h"
#include "pci/sriov.h"
#include "vfio/pci/feature_check.h"

namespace softvfio::vfio {

namespace {

int hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

} /* namespace */

/* The text's bytes are in the order they are written (uuid_t, not guid_t). */
bool parse_uuid(std::string_view text, Uuid &out)
{
	if (text.size() < kUuidStringLen)
		return false;
	size_t byte = 0;
	for (size_t i = 0; i < kUuidStringLen;) {
		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (text[i] != '-')
				return false;
			i++;
			continue;
		}
		int hi = hex_value(text[i]), lo = hex_value(text[i + 1]);
		if (hi < 0 || lo < 0)
			return false;
		out[byte++] = static_cast<uint8_t>(hi << 4 | lo);
		i += 2;
	}
	return true;
}

VfToken::VfToken()
{
	std::random_device random;
	for (uint8_t &b : uuid_)
		b = static_cast<uint8_t>(random());
	/* A version 4 (random) UUID, variant 1, as uuid_gen() makes. */
	uuid_[6] = static_cast<uint8_t>((uuid_[6] & 0x0f) | 0x40);
	uuid_[8] = static_cast<uint8_t>((uuid_[8] & 0x3f) | 0x80);
}

void VfToken::set(const Uuid &uuid)
{
	std::lock_guard guard(lock_);
	uuid_ = uuid;
}

bool VfToken::matches(const Uuid &uuid) const
{
	std::lock_guard guard(lock_);
	return uuid_ == uuid;
}

void VfToken::add_user()
{
	std::lock_guard guard(lock_);
	users_++;
}

void VfToken::remove_user()
{
	std::lock_guard guard(lock_);
	if (users_)
		users_--;
}

int VfToken::check_for_pf(const Uuid *uuid)
{
	std::lock_guard guard(lock_);
	if (users_) {
		if (!uuid || *uuid != uuid_)
			return -EACCES;
	} else if (uuid) {
		uuid_ = *uuid;
	}
	return 0;
}

/* --- the device's side --- */

void VfioPciDevice::vf_init()
{
	std::lock_guard guard(sriov_lock_);
	if (auto pf = setup_.physfn.lock()) {
		/* A VF: the PF's token if the PF enabled it through vfio-pci. */
		pf_vf_token_ = pf->sriov_token_for_vfs();
		return;
	}
	if (function_->find_ext_capability(pci::regs::kExtCapIdSriov))
		vf_token_ = std::make_shared<VfToken>();
}

void VfioPciDevice::vf_uninit()
{
	std::lock_guard guard(sriov_lock_);
	vf_token_.reset();
	pf_vf_token_.reset();
	sriov_configured_ = false;
}

void VfioPciDevice::set_sriov_configured(bool configured)
{
	std::lock_guard guard(sriov_lock_);
	sriov_configured_ = configured;
}

std::shared_ptr<VfToken> VfioPciDevice::sriov_token_for_vfs()
{
	std::lock_guard guard(sriov_lock_);
	return sriov_configured_ ? vf_token_ : nullptr;
}

int VfioPciDevice::match_token_uuid(const Uuid *uuid)
{
	std::shared_ptr<VfToken> pf_token, own;
	{
		std::lock_guard guard(sriov_lock_);
		pf_token = pf_vf_token_;
		own = vf_token_;
	}
	if (function_->description().virtual_function) {
		/* A PF not in vfio-pci's hands asks for no token. */
		if (!pf_token)
			return uuid ? -EINVAL : 0;
		if (!uuid || !pf_token->matches(*uuid))
			return -EACCES;
		return 0;
	}
	if (own)
		return own->check_for_pf(uuid);
	/* Neither a PF nor a VF. */
	return uuid ? -EINVAL : 0;
}

void VfioPciDevice::count_vf_user(int delta)
{
	std::shared_ptr<VfToken> pf_token;
	{
		std::lock_guard guard(sriov_lock_);
		pf_token = pf_vf_token_;
	}
	if (!pf_token)
		return;
	if (delta > 0)
		pf_token->add_user();
	else
		pf_token->remove_user();
}

bool VfioPciDevice::sriov_vfs_enabled()
{
	uint16_t cap = function_->find_ext_capability(pci::regs::kExtCapIdSriov);
	return cap && (function_->config_read(cap + pci::sriov_regs::kCtrl, 2) & pci::sriov_regs::kCtrlVfEnable);
}

/* VFIO_DEVICE_FEATURE_PCI_VF_TOKEN: SET only (a GET could show the token
 * of the device's previous user); ENOTTY on a device without a token. */
long VfioPciDevice::vf_token_feature(uint32_t flags, void *payload, size_t argsz)
{
	std::shared_ptr<VfToken> token;
	{
		std::lock_guard guard(sriov_lock_);
		token = vf_token_;
	}
	if (!token)
		return -ENOTTY;
	Uuid uuid;
	int ret = check_feature(flags, argsz, VFIO_DEVICE_FEATURE_SET, sizeof(uuid));
	if (ret != 1)
		return ret;
	if (!copy_from_user(uuid.data(), payload, sizeof(uuid)))
		return -EFAULT;
	token->set(uuid);
	return 0;
}

} /* namespace softvfio::vfio */
