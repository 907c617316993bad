/* SPDX-License-Identifier: MIT */
/*
 * The conformance record: one JSON object per line,
 *   {"scenario":"...","key":"...","value":"...","only":"softvfio"}
 * where "only" appears for scenarios a 6.12 kernel cannot run. Values are
 * always strings so that the comparison is textual and exact. In the guest
 * every line is framed ("CONF|" prefix, "CONF-END|<n>" trailer) so that the
 * harness can pick the record out of the serial console.
 */
#ifndef CONF_RECORD_H
#define CONF_RECORD_H

#include <stdint.h>

void rec_init(int framed);
/* Mark every later record softvfio-only and prefix its scenario name
 * (a run under another profile than linux-6.12). */
void rec_force_only(const char *prefix);
/* Start a scenario; softvfio_only marks its records. */
void rec_scenario(const char *name, int softvfio_only);
void rec(const char *key, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void rec_u(const char *key, unsigned long long v);
void rec_x(const char *key, unsigned long long v);
/* "ok" for ret >= 0, else the errno's name (the caller passes errno). */
void rec_ret(const char *key, long ret, int err);
/* A self-check: "pass" or "FAIL"; a failed check fails the suite. */
void rec_check(const char *key, int ok);
/* Total records written, and failed checks. */
int rec_finish(void);

#endif
