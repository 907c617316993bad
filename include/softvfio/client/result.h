/* SPDX-License-Identifier: MIT */
/*
 * client::Result<T>: a value, or an Error carrying the errno and what the
 * library was doing when it failed ("VFIO_DEVICE_GET_REGION_INFO(2)").
 *
 * It is the library's one way of reporting failure: every fallible call
 * returns a Result, and each call's documentation lists the errnos it can
 * carry. The shape is std::expected's (GCC 12 has none): has_value(),
 * value(), error(), value_or(), and_then(), transform(), or_else(),
 * transform_error(), so code moves to std::expected<T, Error> by changing
 * a type name; error_code() gives the errno as a std::error_code.
 *
 * Nothing here throws, whatever NDEBUG says. Where std::expected would throw
 * (value() of a failure) or be undefined (operator* or -> of a failure),
 * Result prints the failure and aborts: the caller skipped a check, and
 * going on would use a value that does not exist. error() of a success is
 * an Error with code 0.
 */
#pragma once

#include <cerrno>
#include <functional>
#include <string>
#include <system_error>
#include <type_traits>
#include <utility>
#include <variant>

namespace softvfio::client {

/* The kernel-internal errno that series-v2's MEMATTR returns for an
 * unknown attribute; libc has no name for it. */
inline constexpr int kENOTSUPP = 524;

struct Error {
	int code = 0;        /* a positive errno */
	std::string what;    /* the operation that failed */

	/* "what: strerror(code) (ENAME)" */
	std::string message() const;
	/* The errno in std::generic_category(), so it compares equal to the
	 * std::errc value of the same name. */
	std::error_code error_code() const noexcept { return {code, std::generic_category()}; }
	explicit operator std::error_code() const noexcept { return error_code(); }
};

/* Shorthand: `return fail(EINVAL, "map_bar");` */
inline Error fail(int code, std::string what) { return Error{code, std::move(what)}; }

template<typename T>
class Result;

namespace detail {

/* Prints `error` as the failure whose value was used, and aborts. */
[[noreturn]] void bad_result_access(const Error &error) noexcept;

/* error() of a success. */
inline const Error &no_error() noexcept
{
	static const Error none;
	return none;
}

/* A failure must carry an errno: an Error with none would read as success
 * (code() == 0), so it is reported as EINVAL. */
inline Error as_failure(Error e) noexcept
{
	if (e.code <= 0)
		e.code = EINVAL;
	return e;
}

template<typename R>
struct is_result : std::false_type {};
template<typename U>
struct is_result<Result<U>> : std::true_type {};

/* Result<U> for what a transform() function returns (U may be void). */
template<typename U>
using transformed = Result<std::remove_cv_t<U>>;

} /* namespace detail */

template<typename T>
class [[nodiscard]] Result
{
	static_assert(!std::is_reference_v<T> && !std::is_same_v<std::remove_cv_t<T>, Error>,
		      "Result holds a value type other than Error");

public:
	using value_type = T;
	using error_type = Error;
	template<typename U>
	using rebind = Result<U>;

	Result(T value) : v_(std::in_place_index<0>, std::move(value)) {}
	Result(Error e) : v_(std::in_place_index<1>, detail::as_failure(std::move(e))) {}

	bool has_value() const noexcept { return v_.index() == 0; }
	bool ok() const noexcept { return has_value(); }
	explicit operator bool() const noexcept { return has_value(); }

	/* The errno; 0 on success. */
	int code() const noexcept { return error().code; }
	const Error &error() const noexcept
	{
		const Error *e = std::get_if<1>(&v_);
		return e ? *e : detail::no_error();
	}
	/* Empty (false) on success. */
	std::error_code error_code() const noexcept { return has_value() ? std::error_code() : error().error_code(); }

	/* The value; aborts with the failure's message when there is none. */
	T &value() & noexcept { return checked(); }
	const T &value() const & noexcept { return checked(); }
	T &&value() && noexcept { return std::move(checked()); }
	T &operator*() & noexcept { return checked(); }
	const T &operator*() const & noexcept { return checked(); }
	T &&operator*() && noexcept { return std::move(checked()); }
	T *operator->() noexcept { return &checked(); }
	const T *operator->() const noexcept { return &checked(); }

	/* The value, or `fallback` converted to T. */
	template<typename U>
	T value_or(U &&fallback) const &
	{
		return has_value() ? checked() : static_cast<T>(std::forward<U>(fallback));
	}
	template<typename U>
	T value_or(U &&fallback) &&
	{
		return has_value() ? std::move(checked()) : static_cast<T>(std::forward<U>(fallback));
	}

	/* f(value) -> Result<U> on success; the failure, unchanged, otherwise. */
	template<typename F>
	auto and_then(F &&f) &
	{
		return bind<T &>(*this, std::forward<F>(f));
	}
	template<typename F>
	auto and_then(F &&f) const &
	{
		return bind<const T &>(*this, std::forward<F>(f));
	}
	template<typename F>
	auto and_then(F &&f) &&
	{
		return bind<T &&>(*this, std::forward<F>(f));
	}

	/* Result<U>(f(value)) on success (Result<void> when f returns
	 * nothing); the failure, unchanged, otherwise. */
	template<typename F>
	auto transform(F &&f) &
	{
		return fmap<T &>(*this, std::forward<F>(f));
	}
	template<typename F>
	auto transform(F &&f) const &
	{
		return fmap<const T &>(*this, std::forward<F>(f));
	}
	template<typename F>
	auto transform(F &&f) &&
	{
		return fmap<T &&>(*this, std::forward<F>(f));
	}

	/* f(error) -> Result<T> on failure (to recover, or to fail
	 * differently); the value, unchanged, otherwise. */
	template<typename F>
	Result or_else(F &&f) const &
	{
		if (has_value())
			return *this;
		return std::invoke(std::forward<F>(f), error());
	}
	template<typename F>
	Result or_else(F &&f) &&
	{
		if (has_value())
			return std::move(*this);
		return std::invoke(std::forward<F>(f), std::move(*std::get_if<1>(&v_)));
	}

	/* The failure rewritten by f(error) -> Error (e.g. more context in
	 * `what`); the value, unchanged, otherwise. */
	template<typename F>
	Result transform_error(F &&f) const &
	{
		if (has_value())
			return *this;
		return Error(std::invoke(std::forward<F>(f), error()));
	}
	template<typename F>
	Result transform_error(F &&f) &&
	{
		if (has_value())
			return std::move(*this);
		return Error(std::invoke(std::forward<F>(f), std::move(*std::get_if<1>(&v_))));
	}

private:
	T &checked() noexcept
	{
		T *v = std::get_if<0>(&v_);
		if (!v)
			detail::bad_result_access(error());
		return *v;
	}
	const T &checked() const noexcept
	{
		const T *v = std::get_if<0>(&v_);
		if (!v)
			detail::bad_result_access(error());
		return *v;
	}

	/* The value as `V` (T &, const T &, T &&) from `self`. */
	template<typename V, typename Self>
	static V forward_value(Self &self) noexcept
	{
		return static_cast<V>(*std::get_if<0>(&self.v_));
	}

	template<typename V, typename Self, typename F>
	static auto bind(Self &self, F &&f)
	{
		using R = std::remove_cvref_t<std::invoke_result_t<F, V>>;
		static_assert(detail::is_result<R>::value, "and_then() takes a function that returns a Result");
		if (!self.has_value())
			return R(self.error());
		return R(std::invoke(std::forward<F>(f), forward_value<V>(self)));
	}

	template<typename V, typename Self, typename F>
	static auto fmap(Self &self, F &&f)
	{
		using U = std::invoke_result_t<F, V>;
		using R = detail::transformed<U>;
		if (!self.has_value())
			return R(self.error());
		if constexpr (std::is_void_v<U>) {
			std::invoke(std::forward<F>(f), forward_value<V>(self));
			return R();
		} else {
			return R(std::invoke(std::forward<F>(f), forward_value<V>(self)));
		}
	}

	std::variant<T, Error> v_;
};

template<>
class [[nodiscard]] Result<void>
{
public:
	using value_type = void;
	using error_type = Error;
	template<typename U>
	using rebind = Result<U>;

	Result() = default;
	Result(Error e) : error_(detail::as_failure(std::move(e))) {}

	bool has_value() const noexcept { return error_.code == 0; }
	bool ok() const noexcept { return has_value(); }
	explicit operator bool() const noexcept { return has_value(); }
	int code() const noexcept { return error_.code; }
	/* An Error with code 0 on success. */
	const Error &error() const noexcept { return error_; }
	std::error_code error_code() const noexcept { return has_value() ? std::error_code() : error_.error_code(); }

	/* Nothing; aborts with the failure's message on a failure, as
	 * Result<T>::value() does. */
	void value() const noexcept
	{
		if (!has_value())
			detail::bad_result_access(error_);
	}

	/* f() -> Result<U> on success; the failure otherwise. */
	template<typename F>
	auto and_then(F &&f) const
	{
		using R = std::remove_cvref_t<std::invoke_result_t<F>>;
		static_assert(detail::is_result<R>::value, "and_then() takes a function that returns a Result");
		if (!has_value())
			return R(error_);
		return R(std::invoke(std::forward<F>(f)));
	}

	/* Result<U>(f()) on success; the failure otherwise. */
	template<typename F>
	auto transform(F &&f) const
	{
		using U = std::invoke_result_t<F>;
		using R = detail::transformed<U>;
		if (!has_value())
			return R(error_);
		if constexpr (std::is_void_v<U>) {
			std::invoke(std::forward<F>(f));
			return R();
		} else {
			return R(std::invoke(std::forward<F>(f)));
		}
	}

	/* f(error) -> Result<void> on failure; success unchanged. */
	template<typename F>
	Result or_else(F &&f) const
	{
		if (has_value())
			return *this;
		return std::invoke(std::forward<F>(f), error_);
	}

	template<typename F>
	Result transform_error(F &&f) const
	{
		if (has_value())
			return *this;
		return Error(std::invoke(std::forward<F>(f), error_));
	}

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
