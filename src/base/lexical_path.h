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

/* Call `fn(part)` for each '/'-separated component of `path` in order,
 * empty and "." ones included (not the empty one after a trailing '/'),
 * until it returns false. */
template<typename Fn>
void for_each_component(std::string_view path, Fn &&fn)
{
	size_t at = 0;
	while (at < path.size()) {
		size_t next = path.find('/', at);
		if (next == std::string_view::npos)
			next = path.size();
		if (!fn(path.substr(at, next - at)))
			return;
		at = next + 1;
	}
}

/*
 * Drop empty and "." components and fold ".." into its parent (".." at the
 * root stays at the root); the result starts with '/'. With allow_dotdot
 * false a ".." anywhere makes it return false, leaving `out` untouched.
 */
bool lexically_normal(std::string_view path, bool allow_dotdot, std::string &out);

} /* namespace softvfio */
