/* SPDX-License-Identifier: MIT */
/*
 * Forward declarations shared by the client headers: the backend and the
 * library-private handles the public RAII types hold.
 */
#pragma once

namespace softvfio::client {

class Backend;

namespace detail {
struct DeviceHandle;
struct FdBox;
} /* namespace detail */

} /* namespace softvfio::client */
