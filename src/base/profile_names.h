/* SPDX-License-Identifier: MIT */
/*
 * The names of the profile table (softvfio/profile.h), for what lists them
 * rather than looks one up: the command line's help, its man pages and its
 * shell completion. Kept out of the public header so that the many files
 * including it do not depend on a list only the command line uses.
 */
#pragma once

#include <string_view>
#include <vector>

namespace softvfio {

/* Every profile's name, in table order: exactly what find_profile() finds. */
std::vector<std::string_view> profile_names();

} /* namespace softvfio */
