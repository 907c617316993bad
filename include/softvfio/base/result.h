/* SPDX-License-Identifier: MIT */
/*
 * Result<T>: a value or an errno, the model's only way to report failure.
 *
 * The kernel answers every call with a value or a negative errno; the model
 * does the same without exceptions, so a Result converts losslessly to the
 * raw syscall convention (see to_syscall()).
 */
#pragma once

#include <cassert>
#include <optional>
#include <type_traits>
#include <utility>

namespace softvfio {

/* A positive errno value used as an error. */
struct Errno {
	int code;
};

/* Shorthand for returning an error: `return err(EINVAL);` */
constexpr Errno err(int code) { return Errno{code}; }

template<typename T>
class [[nodiscard]] Result
{
public:
	Result(T value) : value_(std::move(value)) {}
	Result(Errno e) : error_(e.code) { assert(e.code > 0); }

	bool ok() const { return value_.has_value(); }
	explicit operator bool() const { return ok(); }

	/* The errno; 0 on success. */
	int error() const { return error_; }

	T &value() & { assert(ok()); return *value_; }
	const T &value() const & { assert(ok()); return *value_; }
	T &&value() && { assert(ok()); return std::move(*value_); }
	T &operator*() & { return value(); }
	const T &operator*() const & { return value(); }
	T *operator->() { return &value(); }
	const T *operator->() const { return &value(); }

	T value_or(T other) const { return ok() ? *value_ : other; }

private:
	std::optional<T> value_;
	int error_ = 0;
};

template<>
class [[nodiscard]] Result<void>
{
public:
	Result() = default;
	Result(Errno e) : error_(e.code) { assert(e.code > 0); }

	bool ok() const { return error_ == 0; }
	explicit operator bool() const { return ok(); }
	int error() const { return error_; }

private:
	int error_ = 0;
};

/* Raw syscall convention: a non-negative value, or -errno. */
template<typename T>
long to_syscall(const Result<T> &r)
{
	if (!r)
		return -r.error();
	if constexpr (std::is_void_v<T>)
		return 0;
	else
		return static_cast<long>(*r);
}

/* Propagate an error from an expression yielding a Result. */
#define SVFIO_TRY(expr)                                                  \
	do {                                                             \
		if (auto r_ = (expr); !r_)                               \
			return ::softvfio::err(r_.error());              \
	} while (0)

} /* namespace softvfio */
