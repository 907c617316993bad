/* SPDX-License-Identifier: MIT */
/*
 * The main scenarios of the uAPI, each a short program a driver would run
 * (open a device, ask for region info, wire interrupts, export, map, revoke,
 * close under a mapping, attach an importer, ...), written so that any step
 * may fail: a scenario stops at the first call that answers an unexpected
 * -errno, undoes what it made (RAII guards close fds and unmap through the
 * Kernel) and returns that -errno; 0 when every step went as planned.
 *
 * Used by the fault-injection sweep (every failure point, every scenario)
 * and the leak checks (every scenario, before/after snapshots). Checks of
 * the model's answers that are not errnos (a revoked mapping must fault,
 * a capability must be there) go to ScenarioEnv::problems.
 */
#pragma once

#include <string>
#include <vector>

#include <softvfio/kernel.h>

namespace softvfio::test {

struct ScenarioEnv {
	explicit ScenarioEnv(Kernel &k) : kernel(k) {}

	Kernel &kernel;
	std::string nic;        /* BDF of a "nic" device */
	std::string ivshmem;    /* BDF of an "ivshmem-plain" device */
	std::vector<std::string> problems;

	void expect(bool ok, const std::string &what)
	{
		if (!ok)
			problems.push_back(what);
	}
};

struct Scenario {
	const char *name;
	long (*run)(ScenarioEnv &env);
};

/* Every scenario, in a fixed order. */
const std::vector<Scenario> &scenarios();

/* A Kernel with the devices the scenarios use (nic and ivshmem-plain,
 * series-v4); false if a device could not be added (e.g. an injected
 * failure: then nothing of it is left either). */
bool add_scenario_devices(Kernel &kernel, ScenarioEnv &env);

} /* namespace softvfio::test */
