/* SPDX-License-Identifier: MIT */
/*
 * "This thread is inside the model."
 *
 * The LD_PRELOAD shim links the model into the program, so the model's own
 * calls to open, mmap, close, fstat, ... resolve to the shim's interceptors.
 * An interceptor must then behave like the C library and nothing else: it
 * checks this depth first and goes straight to the real function when it is
 * non-zero. Entering the model raises it (ModelScope); the model's
 * background threads hold it from their first instruction, since everything
 * they do is the model's (enter_model_thread, or ModelThread which calls it).
 *
 * Outside the shim the depth is still counted and nobody reads it.
 */
#pragma once

namespace softvfio {

/* Initial-exec TLS: one instruction to read, no __tls_get_addr call, which
 * matters because every intercepted call reads it. Fine for the shim, which
 * is loaded at start-up (LD_PRELOAD), and for executables. */
extern __thread unsigned t_model_depth __attribute__((tls_model("initial-exec")));

inline bool in_model() noexcept { return t_model_depth != 0; }

/* RAII: the calls made while it lives are the model's. */
class ModelScope
{
public:
	ModelScope() noexcept { ++t_model_depth; }
	~ModelScope() { --t_model_depth; }
	ModelScope(const ModelScope &) = delete;
	ModelScope &operator=(const ModelScope &) = delete;
};

/* The first statement of a model thread's body: the thread never leaves
 * the model. */
inline void enter_model_thread() noexcept { t_model_depth = 1; }

} /* namespace softvfio */
