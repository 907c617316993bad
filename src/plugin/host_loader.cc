/* SPDX-License-Identifier: MIT */
#include "plugin/host_loader.h"

#include <algorithm>
#include <cstddef>
#include <cstring>
#include <dlfcn.h>

namespace softvfio::plugin {

namespace {

/* The callbacks up to reset are what every model has; power_state and
 * deferred are optional. */
constexpr size_t kMinTableSize = offsetof(softvfio_plugin, reset) + sizeof(void *);

} /* namespace */

std::variant<softvfio_plugin, LoadProblem> load_plugin(const std::string &path)
{
	/* RTLD_NOW: an undefined symbol is an error here, not a crash in the
	 * middle of a register access. Never closed: the host exits instead. */
	void *handle = ::dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
	if (!handle) {
		/* dlerror() says "<path>: <problem>"; the error names the file. */
		const char *error = ::dlerror();
		std::string why = error ? error : "dlopen failed";
		if (why.starts_with(path + ": "))
			why.erase(0, path.size() + 2);
		return LoadProblem{"", why};
	}
	auto entry = reinterpret_cast<softvfio_plugin_entry_fn>(::dlsym(handle, SOFTVFIO_PLUGIN_ENTRY));
	if (!entry)
		return LoadProblem{SOFTVFIO_PLUGIN_ENTRY,
				   "no such symbol: the file is not a softvfio device plugin (it must export "
				   "'const struct softvfio_plugin *" SOFTVFIO_PLUGIN_ENTRY "(void)')"};
	const softvfio_plugin *table = entry();
	if (!table)
		return LoadProblem{SOFTVFIO_PLUGIN_ENTRY, "returned NULL instead of the plugin's table"};
	if (table->abi_version != SOFTVFIO_PLUGIN_ABI_VERSION)
		return LoadProblem{"abi_version", "the plugin was built for ABI version " +
							  std::to_string(table->abi_version) +
							  ", this softvfio has version " +
							  std::to_string(SOFTVFIO_PLUGIN_ABI_VERSION) +
							  " (rebuild it against this <softvfio/device_plugin.h>)"};
	if (table->size < kMinTableSize)
		return LoadProblem{"size", std::to_string(table->size) + " bytes is smaller than the " +
						   std::to_string(kMinTableSize) +
						   " every table of ABI version 1 has"};
	softvfio_plugin copy;
	std::memset(&copy, 0, sizeof(copy));
	std::memcpy(&copy, table, std::min<size_t>(table->size, sizeof(copy)));
	/* read_bar and write_bar (ABI 1.2) come as a pair: one alone would
	 * leave the accesses of the other kind with nothing to call. */
	if (!copy.read_bar != !copy.write_bar)
		return LoadProblem{copy.read_bar ? "write_bar" : "read_bar",
				   std::string("is NULL while ") + (copy.read_bar ? "read_bar" : "write_bar") +
					   " is set (a plugin that serves its BARs by index sets both)"};
	const bool by_bar = copy.read_bar != nullptr;
	const struct {
		const char *field;
		bool missing;
	} required[] = {
		{"create", !copy.create},
		{"destroy", !copy.destroy},
		{"read", !copy.read && !by_bar},
		{"write", !copy.write && !by_bar},
		{"reset", !copy.reset},
	};
	for (const auto &r : required)
		if (r.missing)
			return LoadProblem{r.field, "is NULL (every plugin needs create, destroy, read, write and reset, "
						    "or read_bar and write_bar instead of read and write)"};
	return copy;
}

} /* namespace softvfio::plugin */
