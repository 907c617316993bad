/* SPDX-License-Identifier: MIT */
/*
 * Lexical path normalisation, without touching the filesystem: the model
 * names its nodes by normalised absolute paths, and the shim must decide
 * whether a path is ours before the C library resolves it.
 */
#pragma once

#include <string>
#include <string_view>

namespace softvfio {

/*
 * Drop empty and "." components and fold ".." into its parent (".." at the
 * root stays at the root); the result starts with '/'. With allow_dotdot
 * false a ".." anywhere makes it return false, leaving `out` untouched.
 */
bool lexically_normal(std::string_view path, bool allow_dotdot, std::string &out);

} /* namespace softvfio */
