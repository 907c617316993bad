/* SPDX-License-Identifier: MIT */
/*
 * Name -> value tables of the 6.1 uAPI names (names_61.inc), each built in
 * its own translation unit with a different language and include order, so
 * the tests can compare what softvfio's headers define with what the system
 * headers define (the two can never be seen together in one unit).
 */
#ifndef SOFTVFIO_TESTS_UAPI_NAME_TABLE_H
#define SOFTVFIO_TESTS_UAPI_NAME_TABLE_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

struct uapi_value {
	const char *name;
	long long value;
};
struct uapi_string {
	const char *name;
	const char *value;
};
struct uapi_size {
	const char *name;
	size_t size;
};

struct uapi_table {
	const char *label;
	/* SOFTVFIO_UAPI_*_SYSTEM as seen by the unit; -1: no softvfio header */
	int vfio_system;
	int dma_buf_system;
	const struct uapi_value *values;
	size_t n_values;
	const struct uapi_string *strings;
	size_t n_strings;
	const struct uapi_size *sizes;
	size_t n_sizes;
};

/* <linux/vfio.h> and <linux/dma-buf.h> only: the reference. */
const struct uapi_table *uapi_table_system_only_c(void);
/* softvfio's headers, then the system ones. */
const struct uapi_table *uapi_table_ours_first_c(void);
const struct uapi_table *uapi_table_ours_first_cc(void);
/* The system headers, then softvfio's. */
const struct uapi_table *uapi_table_system_first_c(void);
const struct uapi_table *uapi_table_system_first_cc(void);

#ifdef __cplusplus
}
#endif

#endif /* SOFTVFIO_TESTS_UAPI_NAME_TABLE_H */
