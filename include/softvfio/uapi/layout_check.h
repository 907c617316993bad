/* SPDX-License-Identifier: MIT */
/*
 * Layout assertions shared by softvfio's uAPI headers (vfio.h, iommufd.h,
 * dma-buf.h). Not a kernel header: the macros are softvfio's own and only
 * exist so that every includer re-checks sizes and offsets at compile time.
 *
 * The checked layouts are the LP64 ones of the specs (x86-64, arm64). A few
 * kernel structs use plain __u64 after a 4-byte field and so differ on i386;
 * their checks use SOFTVFIO_UAPI_LP64.
 */
#ifndef SOFTVFIO_UAPI_LAYOUT_CHECK_H
#define SOFTVFIO_UAPI_LAYOUT_CHECK_H

#include <stddef.h> /* offsetof */

#ifdef __cplusplus
#define SOFTVFIO_UAPI_ASSERT(expr, msg) static_assert(expr, msg)
#else
#define SOFTVFIO_UAPI_ASSERT(expr, msg) _Static_assert(expr, msg)
#endif

#define SOFTVFIO_UAPI_SIZE(type, n) \
	SOFTVFIO_UAPI_ASSERT(sizeof(type) == (n), "sizeof(" #type ") != " #n)
#define SOFTVFIO_UAPI_OFFSET(type, member, n) \
	SOFTVFIO_UAPI_ASSERT(offsetof(type, member) == (n), \
			     "offsetof(" #type ", " #member ") != " #n)

#if defined(__LP64__) || defined(_LP64)
#define SOFTVFIO_UAPI_LP64 1
#else
#define SOFTVFIO_UAPI_LP64 0
#endif

/*
 * clang (unlike gcc) still flags flexible array members in C++ under
 * -Wpedantic even with __extension__; the uAPI needs them.
 */
#if defined(__clang__) && defined(__cplusplus)
#define SOFTVFIO_UAPI_BEGIN \
	_Pragma("clang diagnostic push") \
	_Pragma("clang diagnostic ignored \"-Wc99-extensions\"")
#define SOFTVFIO_UAPI_END _Pragma("clang diagnostic pop")
#else
#define SOFTVFIO_UAPI_BEGIN
#define SOFTVFIO_UAPI_END
#endif

#endif /* SOFTVFIO_UAPI_LAYOUT_CHECK_H */
