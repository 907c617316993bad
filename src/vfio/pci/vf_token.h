/* SPDX-License-Identifier: MIT */
/*
 * The VF token of an SR-IOV physical function bound to vfio-pci (struct
 * vfio_pci_vf_token): a UUID the PF's user shares with its VFs' users, so
 * that neither side is opened by someone the other did not agree to.
 *
 * It is made, with a random UUID nobody knows, when vfio-pci binds to a PF
 * (vfio_pci_vf_init) and goes when it unbinds: a rebind forgets the UUID.
 * Closing the PF's files does not. `users` counts the open VFs, which
 * make the PF ask for the current UUID instead of taking a new one.
 */
#pragma once

#include <array>
#include <cstdint>
#include <mutex>
#include <string_view>

namespace softvfio::vfio {

using Uuid = std::array<uint8_t, 16>;

/* uuid_parse(): 36 characters, 8-4-4-4-12 hex digits with dashes; what
 * follows is not looked at. False when malformed. */
bool parse_uuid(std::string_view text, Uuid &out);
constexpr size_t kUuidStringLen = 36;

class VfToken
{
public:
	VfToken();  /* uuid_gen(): random */

	void set(const Uuid &uuid);
	bool matches(const Uuid &uuid) const;
	void add_user();
	void remove_user();

	/* vfio_pci_core_match_token_uuid() for the PF: with VF users the
	 * token must be given and match (EACCES); without, a given token
	 * becomes the token. */
	int check_for_pf(const Uuid *uuid);

private:
	mutable std::mutex lock_;
	Uuid uuid_{};
	unsigned users_ = 0;
};

} /* namespace softvfio::vfio */
