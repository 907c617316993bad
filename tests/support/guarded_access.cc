/* SPDX-License-Identifier: MIT */
#include "support/guarded_access.h"

#include <softvfio/client/safe_access.h>

namespace softvfio::test {

namespace {

Access faulted(const client::Fault &f) { return {true, f.signo, f.code, f.addr, 0}; }

} /* namespace */

Access guarded_read(const void *addr)
{
	uint32_t value = 0;
	client::Fault fault;
	if (!client::safe_copy(&value, addr, sizeof(value), &fault))
		return faulted(fault);
	return {false, 0, 0, 0, value};
}

Access guarded_write(void *addr, uint32_t value)
{
	client::Fault fault;
	if (!client::safe_copy(addr, &value, sizeof(value), &fault))
		return faulted(fault);
	return {};
}

} /* namespace softvfio::test */
