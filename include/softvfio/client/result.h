/* SPDX-License-Identifier: MIT */
/*
 * client::Result<T>: a value, or an Error carrying the errno and what the
 * library was doing when it failed ("VFIO_DEVICE_GET_REGION_INFO(2)").
 *
 * GCC 12 has no std::expected; this is the small subset the client needs.
 * Nothing in the client library throws: every fallible call returns a
 * Result, and each call's documentation lists the errnos it can carry.
 */
#pragma once

#include <cassert>
#include <string>
#include <utility>
#include <variant>

namespace softvfio::client {

struct Error {
	int code = 0;        /* a positive errno */
	std::string what;    /* the operation that failed */

	/* "what: strerror(code) (ENAME)" */
	std::string message() const;
};

/* Shorthand: `return fail(EINVAL, "map_bar");` */
inline Error fail(int code, std::string what) { return Error{code, std::move(what)}; }

template<typename T>
class [[nodiscard]] Result
{
public:
	Result(T value) : v_(std::in_place_index<0>, std::move(value)) {}
	Result(Error e) : v_(std::in_place_index<1>, std::move(e)) { assert(std::get<1>(v_).code > 0); }

	bool ok() const { return v_.index() == 0; }
	explicit operator bool() const { return ok(); }

	/* The errno; 0 on success. */
	int code() const { return ok() ? 0 : std::get<1>(v_).code; }
	const Error &error() const { assert(!ok()); return std::get<1>(v_); }

	T &value() & { assert(ok()); return std::get<0>(v_); }
	const T &value() const & { assert(ok()); return std::get<0>(v_); }
	T &&value() && { assert(ok()); return std::get<0>(std::move(v_)); }
	T &operator*() & { return value(); }
	const T &operator*() const & { return value(); }
	T &&operator*() && { return std::move(*this).value(); }
	T *operator->() { return &value(); }
	const T *operator->() const { return &value(); }

private:
	std::variant<T, Error> v_;
};

template<>
class [[nodiscard]] Result<void>
{
public:
	Result() = default;
	Result(Error e) : error_(std::move(e)) { assert(error_.code > 0); }

	bool ok() const { return error_.code == 0; }
	explicit operator bool() const { return ok(); }
	int code() const { return error_.code; }
	const Error &error() const { assert(!ok()); return error_; }

private:
	Error error_;
};

/* A raw syscall-style answer (>= 0, or -errno) as a Result. */
inline Result<long> check(long ret, std::string what)
{
	if (ret < 0)
		return fail(static_cast<int>(-ret), std::move(what));
	return ret;
}

} /* namespace softvfio::client */
