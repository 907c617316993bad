/* SPDX-License-Identifier: MIT */
/*
 * `softvfio record`, step two: a function's sysfs files (record_sysfs.h)
 * turned into a DeviceDescription, with notes saying what was inferred
 * and what the description format cannot express. The result always
 * passes validate_device_description(): what the model would refuse is
 * left out (and said so) rather than written.
 */
#pragma once

#include <string>
#include <variant>
#include <vector>

#include <softvfio/device_description.h>

#include "cli/record_sysfs.h"

namespace softvfio::cli::record {

struct Recording {
	DeviceDescription desc;
	std::string source;                  /* the sysfs directory */
	/* About the recording: what could not be read, what was inferred. */
	std::vector<std::string> notes;
	/* What the function has that the format cannot say (capabilities,
	 * header registers, reset methods), one line each. */
	std::vector<std::string> left_out;
	std::optional<unsigned> host_irq;    /* for the comment only */
};

/* Decodes `fn`; an error message (naming the file) when its config space
 * is not a working function's (vendor ID 0xffff or 0), or when it is an
 * SR-IOV virtual function (described only by its PF's [sriov]). */
std::variant<Recording, std::string> decode_function(const SysfsFunction &fn);

} /* namespace softvfio::cli::record */
