/* SPDX-License-Identifier: MIT */
#include "base/cpu_affinity.h"

#include <unistd.h>

namespace softvfio {

namespace {

/* The thread group leader's mask: sched_getaffinity of the process id. */
bool leader_affinity(cpu_set_t &set) noexcept
{
	CPU_ZERO(&set);
	return ::sched_getaffinity(::getpid(), sizeof(set), &set) == 0;
}

} /* namespace */

void adopt_leader_affinity() noexcept
{
	cpu_set_t set;
	if (leader_affinity(set))
		(void)::sched_setaffinity(0, sizeof(set), &set);
}

LeaderAffinityScope::LeaderAffinityScope() noexcept
{
	cpu_set_t leader;
	if (::sched_getaffinity(0, sizeof(own_), &own_) != 0 || !leader_affinity(leader) || CPU_EQUAL(&own_, &leader))
		return;
	changed_ = ::sched_setaffinity(0, sizeof(leader), &leader) == 0;
}

LeaderAffinityScope::~LeaderAffinityScope()
{
	if (changed_)
		(void)::sched_setaffinity(0, sizeof(own_), &own_);
}

} /* namespace softvfio */
